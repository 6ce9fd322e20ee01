"""Careless and hostile input, as real users and attackers give it: each gets a clear answer."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import datatwin
from datatwin.cli.main import app
from datatwin.errors import ArtifactError
from datatwin.io.artifact import SignatureNotCheckedWarning

runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_a_csv_of_full_precision_floats_fits_from_its_file(tmp_path):
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=400), "y": rng.integers(0, 5, 400)}).to_csv(tmp_path / "f.csv", index=False)
    assert invoke("fit", tmp_path / "f.csv", "-o", tmp_path / "f.twin", "--model", "copula").exit_code == 0
    result = invoke("sample", tmp_path / "f.twin", "-n", 50, "-o", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    drawn = pd.read_csv(tmp_path / "s.csv")
    assert drawn["x"].dtype == np.float64 and drawn["x"].nunique() == 50  # not rounded to a grid


def test_integers_beyond_64_bits_come_back_as_numbers_not_garbage(tmp_path):
    rng = np.random.default_rng(1)
    big = [int(v) for v in rng.uniform(1e19, 1e25, 300)]
    pd.DataFrame({"big": big, "z": rng.normal(size=300)}).to_csv(tmp_path / "big.csv", index=False)
    assert invoke("fit", tmp_path / "big.csv", "-o", tmp_path / "b.twin", "--model", "copula").exit_code == 0
    result = invoke("sample", tmp_path / "b.twin", "-n", 200, "-o", tmp_path / "s.csv")
    assert result.exit_code == 0 and "Warning" not in result.output
    values = pd.read_csv(tmp_path / "s.csv")["big"]
    assert values.min() >= 1e19 * 0.999 and values.max() <= 1e25 * 1.001


def _bomb(path: Path, size: int) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("twin.json", "arrays.safetensors", "MANIFEST.json"):
            archive.writestr(name, b" " * size if name == "twin.json" else b"{}")


def test_a_twin_that_inflates_to_a_gibibyte_is_refused_before_it_is_read(tmp_path):
    _bomb(tmp_path / "bomb.twin", 1 << 27)  # 128 MiB of spaces in a file of a few hundred KiB
    assert (tmp_path / "bomb.twin").stat().st_size < 1 << 20
    with pytest.raises(ArtifactError, match="would inflate to"):
        datatwin.load(tmp_path / "bomb.twin")


def test_a_manifest_that_is_a_list_is_a_clear_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "list.twin", "w") as archive:
        archive.writestr("twin.json", b"{}")
        archive.writestr("arrays.safetensors", b"")
        archive.writestr("MANIFEST.json", b"[1, 2]")
    result = invoke("sample", tmp_path / "list.twin", "-n", 5, "-o", tmp_path / "s.csv")
    assert result.exit_code == 1 and "corrupt manifest" in result.output


def test_a_signed_twin_loaded_without_a_key_warns_and_can_be_refused(tmp_path, monkeypatch, people):
    twin = datatwin.fit(people, model="copula")
    twin.save(tmp_path / "signed.twin", key=b"secret")
    twin.save(tmp_path / "plain.twin")
    monkeypatch.delenv("DATATWIN_SIGNING_KEY", raising=False)
    with pytest.warns(SignatureNotCheckedWarning, match="NOT checked"):
        datatwin.load(tmp_path / "signed.twin")
    result = invoke("sample", tmp_path / "signed.twin", "-n", 5, "-o", tmp_path / "s.csv")
    assert result.exit_code == 0 and "signature was NOT checked" in result.output
    monkeypatch.setenv("DATATWIN_REQUIRE_SIGNATURE", "1")
    for name, state in (("signed", "no key was given"), ("plain", "not signed")):
        with pytest.raises(ArtifactError, match=state):
            datatwin.load(tmp_path / f"{name}.twin")
    datatwin.load(tmp_path / "signed.twin", key=b"secret")


def test_a_missing_sqlite_file_is_not_created_and_an_empty_database_is_refused(tmp_path):
    result = invoke("schema", f"sqlite:///{tmp_path / 'typo.db'}")
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "typo.db").exists()
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    result = invoke("fit", f"sqlite:///{tmp_path / 'empty.db'}", "-o", tmp_path / "e.twin")
    assert result.exit_code == 1 and "holds no tables" in result.output
    assert not (tmp_path / "e.twin").exists()


def test_a_malformed_url_is_an_error_not_an_empty_database(tmp_path):
    result = invoke("schema", "postgresql+psycopg://::nope::@/")
    assert result.exit_code == 1, result.output


def test_a_truncated_gzip_file_is_a_clear_error(tmp_path):
    pd.DataFrame({"a": range(5000), "b": ["x"] * 5000}).to_csv(tmp_path / "t.csv.gz", index=False)
    (tmp_path / "cut.csv.gz").write_bytes((tmp_path / "t.csv.gz").read_bytes()[:2000])
    result = invoke("fit", tmp_path / "cut.csv.gz", "-o", tmp_path / "t.twin")
    assert result.exit_code == 1 and "truncated gzip" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_an_output_folder_without_write_permission_is_a_clear_error(tmp_path, people):
    people.to_csv(tmp_path / "p.csv", index=False)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = invoke("fit", tmp_path / "p.csv", "-o", locked / "p.twin", "--model", "copula")
    assert result.exit_code == 1 and "not writable" in result.output


def test_existing_outputs_are_kept_unless_overwrite_is_given(tmp_path, people):
    people.to_csv(tmp_path / "p.csv", index=False)
    assert invoke("fit", tmp_path / "p.csv", "-o", tmp_path / "p.twin", "--model", "copula").exit_code == 0
    (tmp_path / "s.csv").write_text("keep me")
    result = invoke("sample", tmp_path / "p.twin", "-n", 5, "-o", tmp_path / "s.csv")
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert (tmp_path / "s.csv").read_text() == "keep me"
    assert invoke("sample", tmp_path / "p.twin", "-n", 5, "-o", tmp_path / "s.csv", "--overwrite").exit_code == 0
    result = invoke("fit", tmp_path / "p.csv", "-o", tmp_path / "p.twin", "--model", "copula")
    assert result.exit_code == 1 and "already exists" in result.output


def test_rebalancing_a_column_that_does_not_exist_says_so(tmp_path, people):
    twin = datatwin.fit(people, model="copula")
    with pytest.raises(datatwin.ConfigError, match="'nope' to rebalance is not in the twin's table"):
        twin.sample(10, rebalance="nope")


def test_outputs_follow_the_umask_and_twins_stay_private(tmp_path, people):
    people.to_csv(tmp_path / "p.csv", index=False)
    old = os.umask(0o022)
    try:
        assert invoke("fit", tmp_path / "p.csv", "-o", tmp_path / "p.twin", "--model", "copula").exit_code == 0
        assert invoke("sample", tmp_path / "p.twin", "-n", 5, "-o", tmp_path / "s.csv").exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "p.twin").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "s.csv").stat().st_mode & 0o777 == 0o644


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path):
    code = (
        "import os, signal, sys\n"
        "from datatwin.cli.main import run\n"
        "from datatwin.io import writers\n"
        "def slow(batches, target, **kw):\n"
        "    with writers.atomic_path(target) as temp:\n"
        "        temp.write_text('partial')\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "writers.write_table_batches = slow\n"
        "import datatwin.io\n"
        "datatwin.io.write_table_batches = slow\n"
        f"sys.argv = ['datatwin', 'sample', {str(tmp_path / 'p.twin')!r}, '-n', '5', "
        f"'-o', {str(tmp_path / 'o.csv')!r}]\n"
        "run()\n"
    )
    pd.DataFrame({"a": np.arange(50) % 7, "b": np.arange(50) * 1.5}).to_csv(tmp_path / "p.csv", index=False)
    assert invoke("fit", tmp_path / "p.csv", "-o", tmp_path / "p.twin", "--model", "copula").exit_code == 0
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "p.twin"]


def test_demo_takes_the_same_output_option_as_every_command():
    result = invoke("demo", "--help")
    assert "-o" in result.output and "--output" in result.output


def test_a_text_column_samples_the_same_in_every_process(tmp_path):
    """Words shared by as many rows as each other are ordered the same way whatever the hash seed."""
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    rng = np.random.default_rng(3)
    notes = [" ".join(rng.choice(words, 6)) for _ in range(300)]
    pd.DataFrame({"note": notes, "n": rng.integers(0, 9, 300)}).to_csv(tmp_path / "t.csv", index=False)
    code = (
        "import hashlib, datatwin\n"
        f"twin = datatwin.fit({str(tmp_path / 't.csv')!r}, model='copula', seed=1)\n"
        "print(hashlib.sha256(twin.sample(200, seed=2).to_csv().encode()).hexdigest())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1


def test_duplicate_column_names_are_refused_not_renamed(tmp_path):
    (tmp_path / "dup.csv").write_text("a,b,a\n" + "\n".join(f"{i},{i % 3},{i * 2}" for i in range(30)) + "\n")
    result = invoke("schema", tmp_path / "dup.csv")
    assert result.exit_code == 1 and "['a'] more than once" in result.output
    frame = pd.DataFrame([[1, 2, 3]] * 30, columns=["a", "b", "a"])
    with pytest.raises(datatwin.DataError, match="more than once"):
        datatwin.fit(frame)


def test_keys_keep_their_spread_but_never_repeat_a_real_key(monkeypatch):
    """Credit default's IDs (1 … 30,000, all taken) once came back as a run from the smallest
    key in file order — 80 % of them real customers' IDs."""
    from datatwin.pipeline import sample as sampling

    rng = np.random.default_rng(4)
    real_ids = rng.choice(np.arange(100_000, 400_000), size=2000, replace=False)
    frame = pd.DataFrame({"customer_id": real_ids, "balance": rng.lognormal(5, 1, 2000).round(2)})
    twin = datatwin.fit(frame, model="copula")
    monkeypatch.setattr(sampling, "SAMPLE_BATCH_ROWS", 700)  # keys must stay unique across batches
    ids = twin.sample(3000, seed=1)["customer_id"]
    assert ids.is_unique and not ids.isin(real_ids).any()
    assert ids.astype(str).str.len().eq(6).all()  # the real keys' digits
    assert not ids.is_monotonic_increasing  # shuffled, not a run in file order
    spread = (ids.max() - ids.min()) / len(ids)
    assert 0.5 * 300_000 / 2000 < spread < 2 * 300_000 / 2000  # as sparse as the real keys
    report = datatwin.evaluate(frame, twin.sample(2000, seed=2))
    assert report.metric("key_collisions").value == 0.0
    copied = datatwin.evaluate(frame, frame.sample(frac=1.0, random_state=0))
    assert copied.metric("key_collisions").value == 1.0 and copied.metric("key_collisions").status.value == "fail"


def test_a_sample_beyond_memory_is_refused_before_the_work_with_its_size(people):
    twin = datatwin.fit(people, model="copula")
    with pytest.raises(datatwin.ConfigError, match=r"would need about [\d,.]+ GiB.*datatwin sample -o"):
        twin.sample(10_000_000_000)


def test_the_command_streams_a_sample_in_batches(tmp_path, people, monkeypatch):
    from datatwin.pipeline import sample as sampling

    monkeypatch.setattr(sampling, "SAMPLE_BATCH_ROWS", 1000)
    people.to_csv(tmp_path / "p.csv", index=False)
    assert invoke("fit", tmp_path / "p.csv", "-o", tmp_path / "p.twin", "--model", "copula").exit_code == 0
    for suffix in ("csv", "parquet"):
        result = invoke("sample", tmp_path / "p.twin", "-n", 4500, "-o", tmp_path / f"s.{suffix}")
        assert result.exit_code == 0, result.output
        rows = pd.read_csv(tmp_path / "s.csv") if suffix == "csv" else pd.read_parquet(tmp_path / "s.parquet")
        assert len(rows) == 4500 and list(rows.columns) == list(people.columns)
        assert rows["customer_id"].is_unique
    twin = datatwin.load(tmp_path / "p.twin")
    batches = list(twin.sample_batches(4500, seed=0))
    assert [len(b) for b in batches] == [1000] * 4 + [500]
    pd.testing.assert_frame_equal(pd.concat(batches, ignore_index=True), twin.sample(4500, seed=0))


def test_dates_in_mixed_formats_are_dates_written_back_in_the_same_mix(tmp_path):
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, 600), unit="D")
    text = [d.strftime("%Y-%m-%d") if i % 3 else d.strftime("%m/%d/%Y") for i, d in enumerate(days)]
    pd.DataFrame({"when": text, "x": rng.normal(size=600)}).to_csv(tmp_path / "mixed.csv", index=False)
    twin = datatwin.fit(tmp_path / "mixed.csv", model="copula")
    assert twin.schema["when"].kind is datatwin.ColumnKind.DATETIME
    twin.save(tmp_path / "m.twin")
    drawn = datatwin.load(tmp_path / "m.twin").sample(1500, seed=1)["when"]
    iso = pd.to_datetime(drawn, format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(drawn, format="%m/%d/%Y", errors="coerce")
    assert (iso.notna() | us.notna()).all()  # no 2023-01-98, no 01/62/2023
    assert abs(us.notna().mean() - 1 / 3) < 0.05
    assert pd.concat([iso.dropna(), us.dropna()]).between("2023-01-01", "2023-12-31").all()
    pd.testing.assert_series_equal(drawn, twin.sample(1500, seed=1)["when"])


def test_the_time_budget_holds_inside_an_epoch(people, monkeypatch):
    """--max-time is checked after every training batch: with a clock that runs fast, training
    stops within its first epoch instead of finishing it (a wide table's epoch can be long)."""
    import datatwin.models.argn as argn

    ticks = iter(range(0, 10**6, 5))  # every look at the clock: 5 s later
    monkeypatch.setattr(argn.time, "perf_counter", lambda: float(next(ticks)))
    from datatwin.schema import coerce_table, infer_schema
    from datatwin.transforms import TableEncoder

    schema = infer_schema(people)
    table = coerce_table(people, schema)
    encoded = TableEncoder(schema).fit(table, seed=0).encode(table, seed=0)
    model = argn.AnyOrderAR(max_time=12.0, batch_size=16)  # 360 training rows: 22 batches an epoch
    model.fit(encoded, seed=0)
    assert len(model.history_) == 1


def test_wide_tables_get_a_model_that_fits_in_memory():
    from datatwin.models.argn import FIRST_LAYER_WEIGHTS, ArgnConfig, _sized_for

    default = ArgnConfig()
    assert _sized_for(default, 25) is default  # ordinary tables keep the defaults
    wide = _sized_for(default, 500)
    assert (
        wide.embedding_dim < default.embedding_dim
        and 500 * 500 * (wide.embedding_dim + 1) * wide.hidden <= FIRST_LAYER_WEIGHTS
    )


def test_an_unwritable_output_folder_is_a_clear_error_even_for_root(tmp_path, people, monkeypatch):
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    people.to_csv(tmp_path / "p.csv", index=False)
    monkeypatch.setattr(tempfile, "mkstemp", refused)
    result = invoke("fit", tmp_path / "p.csv", "-o", tmp_path / "p.twin", "--model", "copula")
    assert result.exit_code == 1 and "not writable" in result.output and "internal error" not in result.output


def test_the_report_shows_each_metrics_limits_and_direction(people, tmp_path):
    real, holdout = people.iloc[:300], people.iloc[300:]
    report = datatwin.evaluate(real, datatwin.fit(real, model="copula").sample(300, seed=1), holdout)
    datatwin.save_report(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Pass · warn limits" in page and "lower ↓" in page and "≤ 0.03 · ≤ 0.1 over the ideal" in page
