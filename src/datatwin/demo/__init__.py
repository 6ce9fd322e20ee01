"""The demo: fit a twin of an embedded sample of the Adult census data and show the result."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from datatwin.api import Twin, fit
from datatwin.evaluate import column_shapes
from datatwin.io import read_table, write_table
from datatwin.io.writers import write_bytes
from datatwin.progress import Progress
from datatwin.schema import coerce_table

DEMO_FILE = "adult_sample.csv.gz"
CREDIT = "Adult (Census Income), UCI Machine Learning Repository, Becker & Kohavi (1996), CC BY 4.0; 5,000-row sample."


@dataclass(frozen=True)
class DemoResult:
    """What the demo made: the twin, the real and synthetic tables and the files written."""

    twin: Twin
    real: pd.DataFrame
    synthetic: pd.DataFrame
    similarity: dict[str, float | None]
    files: dict[str, Path]


def demo_data_path() -> Path:
    """Path of the embedded Adult sample."""
    return Path(str(resources.files("datatwin.demo").joinpath(DEMO_FILE)))


def run_demo(out: Path, *, seed: int = 0, progress: Progress | None = None) -> DemoResult:
    """Fit a twin of the demo data, sample as many rows, and write twin, rows and summary to ``out``."""
    out.mkdir(parents=False, exist_ok=True)
    source = read_table(demo_data_path())
    twin = fit(source.data, seed=seed, progress=progress)
    assert isinstance(twin, Twin)  # a plain table: no order column
    synthetic = twin.sample(len(source.data), seed=seed, progress=progress)
    real_working = coerce_table(source.data, twin.schema)
    similarity = column_shapes(real_working, coerce_table(synthetic, twin.schema), twin.schema)
    files = {
        "twin": out / "adult.twin",
        "synthetic": out / "synthetic.csv",
        "summary": out / "summary.md",
    }
    twin.save(files["twin"])
    write_table(synthetic, files["synthetic"])
    result = DemoResult(twin, real_working, synthetic, similarity, files)
    write_bytes(files["summary"], summary_markdown(result).encode("utf-8"))
    return result


def summary_markdown(result: DemoResult) -> str:
    """A short Markdown summary: per column, kind, missing rates and shape similarity."""
    real, synthetic = result.real, result.synthetic
    lines = [
        "# datatwin demo",
        "",
        f"Data: {CREDIT}",
        f"Model: {result.twin.lineage.model}, seed {result.twin.lineage.seed}; "
        f"{len(real):,} real rows → {len(synthetic):,} synthetic rows.",
        "",
        "| column | kind | missing (real) | missing (synthetic) | shape similarity |",
        "|---|---|---|---|---|",
    ]
    for spec in result.twin.schema.columns:
        score = result.similarity[spec.name]
        lines.append(
            f"| {spec.name} | {spec.kind.value} | {real[spec.name].isna().mean():.1%} | "
            f"{synthetic[spec.name].isna().mean():.1%} | {'' if score is None else f'{score:.3f}'} |"
        )
    scores = [s for s in result.similarity.values() if s is not None]
    lines += ["", f"Mean column-shape similarity: {sum(scores) / len(scores):.3f} (1 = identical)."]
    return "\n".join(lines) + "\n"
