"""Reading CSV files: missing-value markers, except where a marker is one of the column's codes."""

import pandas as pd

from datatwin.io import read_table


def test_missing_markers_that_are_codes_are_kept(tmp_path):
    path = tmp_path / "countries.csv"
    path.write_text("name,code2,gnp\nAruba,AW,828\nNamibia,NA,3101\nAfghanistan,AF,NA\nNowhere,,NULL\n")
    data = read_table(path).data
    assert data["code2"].tolist()[:3] == ["AW", "NA", "AF"] and pd.isna(data["code2"][3])
    assert data["gnp"].isna().tolist() == [False, False, True, True]
