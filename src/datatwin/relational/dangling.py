"""References to parents missing from the data: settled before learning, reproduced when drawing.

Real exports refer to rows they do not hold (closed accounts, archived parents, a partial
export). Each foreign key's ``dangling`` policy (:data:`~datatwin.schema.relational.DANGLING_POLICIES`)
says what becomes of them:

- ``keep``: the share of references that dangle, and how many distinct missing parents they
  name per row, are learnt; for learning, each dangling reference is pointed at a random real
  parent, so every row has a parent context; the twin then points the same share of its rows at
  new keys that no synthetic parent has (in the parent keys' format), so joins behave as on the
  real data.
- ``null``: dangling references become missing values, learnt and drawn as such.
- ``drop``: rows with a dangling reference are left out (their own children may then dangle in
  turn, under their keys' policies); the number dropped is recorded.
- ``error``: the data is refused (:func:`~datatwin.relational.checks.check_database`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datatwin.io.database import Database
from datatwin.schema.keys import dangling_references
from datatwin.schema.relational import ForeignKey, RelationalSchema


@dataclass(frozen=True)
class DanglingShare:
    """How a foreign key's references dangle in the real data.

    ``share``: of the filled references, the share whose parent is missing. ``per_row``: distinct
    missing parents per dangling reference (1.0 when each names its own).
    """

    share: float
    per_row: float

    def to_dict(self) -> dict[str, float]:
        return {"share": self.share, "per_row": self.per_row}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DanglingShare:
        return cls(float(data["share"]), float(data["per_row"]))


def settle_dangling(database: Database, seed: int) -> tuple[Database, dict[str, DanglingShare], dict[str, Any]]:
    """The database as it is learnt from, under each key's policy (``error`` keys are left for
    :func:`~datatwin.relational.checks.check_database` to refuse); the ``keep`` keys' shares, by
    :meth:`ForeignKey.describe`; and what was done, for the lineage."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    tables = dict(database.tables)
    shares: dict[str, DanglingShare] = {}
    record: dict[str, Any] = {}
    for _ in range(len(database.schema.foreign_keys) + 1):  # a fix can make other references dangle
        changed = False
        for key in database.schema.foreign_keys:
            if key.dangling == "error":
                continue
            child_keys, dangling = dangling_references(tables, key)
            if not dangling.any():
                continue
            changed = True
            rows = child_keys.index[dangling.to_numpy()]
            entry = record.setdefault(key.describe(), {"policy": key.dangling, "rows": 0})
            entry["rows"] += len(rows)
            frame = tables[key.table].copy()
            if key.dangling == "drop":
                tables[key.table] = frame.drop(index=rows)
                continue
            if key.dangling == "keep" and key.describe() not in shares:
                shares[key.describe()] = DanglingShare(
                    round(float(dangling.mean()), 6), round(child_keys[dangling].nunique() / len(rows), 6)
                )
                entry["share"] = shares[key.describe()].share
            parents = tables[key.parent][list(key.parent_columns)].dropna()
            if key.dangling == "null" or parents.empty:
                frame.loc[rows, list(key.columns)] = None
            else:  # keep: learnt under a random real parent
                chosen = parents.iloc[rng.integers(0, len(parents), len(rows))].to_numpy()
                for position, column in enumerate(key.columns):
                    frame[column] = frame[column].astype(object)
                    frame.loc[rows, column] = chosen[:, position]
                    frame[column] = frame[column].infer_objects()
            tables[key.table] = frame
        if not changed:
            break
    return Database(database.schema, tables, database.source), shares, record


def add_dangling(
    tables: dict[str, pd.DataFrame], schema: RelationalSchema, shares: dict[str, DanglingShare], seed: int
) -> None:
    """Point the learnt share of each ``keep`` key's filled references at new keys that no
    parent has, in place."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])
    for key in schema.foreign_keys:
        learnt = shares.get(key.describe())
        if learnt is None or learnt.share <= 0:
            continue
        frame = tables[key.table]
        filled = np.flatnonzero(frame[list(key.columns)].notna().all(axis=1).to_numpy())
        count = round(learnt.share * len(filled))
        if count == 0:
            continue
        rows = rng.choice(filled, size=count, replace=False)
        unknown = _unknown_keys(tables[key.parent], key, max(1, round(count * learnt.per_row)), rng)
        picked = unknown.iloc[rng.integers(0, len(unknown), count)].to_numpy()
        for position, column in enumerate(key.columns):
            values = frame[column].astype(object)
            values.iloc[rows] = picked[:, position]
            frame[column] = values.infer_objects()


def _unknown_keys(parents: pd.DataFrame, key: ForeignKey, count: int, rng: np.random.Generator) -> pd.DataFrame:
    """``count`` distinct key values in the parent keys' format that no parent row has."""
    known = parents[list(key.parent_columns)].dropna()
    taken = set(map(tuple, known.astype(str).to_numpy()))
    if len(key.columns) > 1:  # a combination of existing parts that no parent has
        found: list[tuple] = []
        for _ in range(50 * count):
            combination = tuple(known[c].iloc[rng.integers(0, len(known))] for c in key.parent_columns)
            text = tuple(map(str, combination))
            if text not in taken:
                taken.add(text)
                found.append(combination)
                if len(found) == count:
                    break
        if found:
            return pd.DataFrame(found, columns=list(key.columns))
    column = known[key.parent_columns[-1]]
    fresh = _new_values(column, count, rng)
    base = known.iloc[rng.integers(0, len(known), count)].to_numpy() if len(known) else np.empty((count, 0))
    out = pd.DataFrame(base, columns=list(key.columns)) if len(known) else pd.DataFrame(index=range(count))
    out[key.columns[-1]] = fresh
    return out.reindex(columns=list(key.columns))


def _new_values(values: pd.Series, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct values not among ``values``: whole numbers beyond the largest, texts
    in the shape of random existing ones (each letter and digit redrawn)."""
    numbers = pd.to_numeric(values, errors="coerce")
    if len(values) == 0 or (numbers.notna().all() and (numbers == numbers.round()).all()):
        top = int(numbers.max()) if len(values) else 0
        offsets = np.sort(rng.choice(10 * count, size=count, replace=False)) + 1
        fresh = top + rng.permutation(offsets)
        return fresh.astype(str) if len(values) and isinstance(values.iloc[0], str) else fresh
    existing = set(values.astype(str))
    out: list[str] = []
    templates = values.astype(str).to_numpy()
    for attempt in range(100 * count + count):
        if len(out) == count:
            break
        drawn = _reshaped(templates[rng.integers(0, len(templates))], rng)
        if attempt >= 100 * count:  # shapes too few to hold new values: number them
            drawn = f"{drawn}-{attempt}"
        if drawn not in existing:
            existing.add(drawn)
            out.append(drawn)
    return np.array(out, dtype=object)


def _reshaped(template: str, rng: np.random.Generator) -> str:
    pools = (string.ascii_uppercase, string.ascii_lowercase, string.digits)
    out = []
    for char in template:
        pool = next((p for p in pools if char in p), None)
        out.append(pool[rng.integers(0, len(pool))] if pool else char)
    return "".join(out)
