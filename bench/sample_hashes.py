"""Hashes of samples from fixed twins: proof that a refactor keeps the same seed's bytes.

Fits short, deterministic twins of Adult, credit default (argn, two epochs each) and the Chinook
database, samples each with a fixed seed and prints the SHA-256 of every table and column as
CSV text. With ``--twins DIR`` the fitted twins are also saved there (or, when ``DIR`` already
holds them, loaded from there instead of fitted), so twin files written by one version can be
sampled by the next.

Run from the repository root: ``python bench/sample_hashes.py [--twins DIR] [--out FILE]``.
Prints one table and writes ``bench/results/sample_hashes.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pandas as pd

import datatwin

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
TABLES = {
    "adult": SHARED / "adult" / "adult.csv.gz",
    "credit_default": SHARED / "credit_default" / "credit_default.csv.gz",
}
CHINOOK = SHARED / "chinook" / "chinook.sqlite"
FIT_ROWS = 4000
SAMPLE_ROWS = 3000


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()[:16]


def _table_hashes(name: str, frame: pd.DataFrame) -> dict[str, str]:
    hashes = {name: _digest(frame)}
    hashes.update({f"{name}.{column}": _digest(frame[[column]]) for column in frame.columns})
    return hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twins", type=Path, help="folder to save the twins to, or load them from")
    parser.add_argument("--out", type=Path, default=Path("bench/results/sample_hashes.json"))
    args = parser.parse_args()
    hashes: dict[str, str] = {}
    for name, path in TABLES.items():
        saved = args.twins / f"{name}.twin" if args.twins else None
        if saved is not None and saved.exists():
            twin = datatwin.load(saved)
        else:
            frame = pd.read_csv(path).head(FIT_ROWS)
            twin = datatwin.fit(frame, model="argn", seed=3, model_options={"max_epochs": 2})
            if saved is not None:
                twin.save(saved)
        hashes.update(_table_hashes(name, twin.sample(SAMPLE_ROWS, seed=1)))
    saved = args.twins / "chinook.twin" if args.twins else None
    if saved is not None and saved.exists():
        database_twin = datatwin.load(saved)
    else:
        database_twin = datatwin.fit_database(f"sqlite:///{CHINOOK}", seed=3)
        if saved is not None:
            database_twin.save(saved)
    for table, frame in database_twin.sample(scale=0.5, seed=1).tables.items():
        hashes.update(_table_hashes(f"chinook.{table}", frame))
    width = max(map(len, hashes))
    print(f"{'sample':<{width}}  sha256 (16)")
    for key, value in hashes.items():
        print(f"{key:<{width}}  {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(hashes, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
