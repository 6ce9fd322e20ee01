"""Drawing a column's values: from its generator, else from its name and type.

A ``"generator"`` in a JSON spec says how: ``{"faker": "email"}`` (any Faker provider, in the
spec's locale), ``{"categories": {"gold": 1, "silver": 3}}`` (weights) or a list,
``{"pattern": "[A-Z]{3}-\\d{4}"}``, ``{"distribution": "normal", "mean": 50, "sd": 10}``
(also ``lognormal`` with ``median``/``sigma``, ``uniform`` with ``low``/``high``, ``poisson``
with ``mean``). Without one, a column named like a person's, a place's or a firm's attribute
(``email``, ``first_name``, ``city``, ``phone`` …) takes the matching Faker provider, and
otherwise its type decides: lognormal amounts to the column's decimals, dates over
2020–2025, words for text. Bounds, categories and excluded values from CHECKs always hold.

Faker is slow per value, so each column draws a pool of values once and then picks from it
with NumPy; a unique column appends a counter where the pool runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from datatwin.constraints.pattern import draw_matching
from datatwin.errors import ConfigError
from datatwin.testdata.spec import ColumnPlan

POOL = 4096
DATE_RANGE = ("2020-01-01", "2025-12-31")
BIRTH_RANGE = ("1940-01-01", "2006-12-31")
INTEGER_LIMITS = {8: 127, 16: 32_767, 24: 8_388_607, 32: 2_147_483_647, 64: 9_223_372_036_854_775_807}
NAMED = (  # (words in the column's name, Faker provider); the first match wins
    (("email", "mail"), "email"),
    (("first_name", "firstname", "given_name", "forename"), "first_name"),
    (("last_name", "lastname", "surname", "family_name"), "last_name"),
    (("username", "user_name", "login"), "user_name"),
    (("company", "companyname", "company_name", "employer", "supplier"), "company"),
    (("phone", "fax", "mobile", "telephone"), "phone_number"),
    (("address", "street"), "street_address"),
    (("city", "town"), "city"),
    (("state", "province", "region"), "state"),
    (("country",), "country"),
    (("postal", "postcode", "zip", "zipcode", "postalcode"), "postcode"),
    (("url", "website", "homepage"), "url"),
    (("iban",), "iban"),
    (("currency",), "currency_code"),
    (("color", "colour"), "color_name"),
    (("job", "occupation", "position"), "job"),
    (("name", "fullname", "full_name", "contactname", "contact_name"), "name"),
    (("title",), "catch_phrase"),
    (("description", "comment", "comments", "notes", "note", "text", "body", "summary", "review"), "sentence"),
)


def draw_column(column: ColumnPlan, size: int, rng: np.random.Generator, faker: Any) -> pd.Series:
    """``size`` values of a column (no missing ones: missing cells are the caller's)."""
    generator = dict(column.generator or {})
    if column.categories is not None or "categories" in generator:
        values = _categories(column, generator, size, rng)
    elif "pattern" in generator:
        values = pd.Series(draw_matching(str(generator["pattern"]), size, rng), dtype=object)
    elif column.type == "text":
        values = _text(column, generator, size, rng, faker)
    else:
        values = TYPED[column.type](column, generator, size, rng)
    return _without_excluded(values, generator.get("excluded", []), column, rng, faker)


def _categories(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    given: Any = generator.get("categories", column.categories)
    labels, weights = (
        (list(given), list(given.values())) if isinstance(given, dict) else (list(given), [1.0] * len(given))
    )
    if not labels:
        raise ConfigError(f"Column {column.name!r}: its categories are empty.")
    p = np.asarray(weights, dtype=float)
    picks = rng.choice(len(labels), size=size, p=p / p.sum())
    return pd.Series(np.asarray(labels, dtype=object)[picks], dtype=object)


def provider_for(column: ColumnPlan) -> str | None:
    """The Faker provider a column's name asks for, if any."""
    name = column.name.lower().replace("-", "_").replace(" ", "_")
    words = set(name.split("_")) | {name}
    for names, provider in NAMED:
        if words & set(names) or any(name.endswith(n) for n in names if len(n) > 4):
            return provider
    return None


def pool(provider: str, faker: Any, rng: np.random.Generator, size: int = POOL) -> np.ndarray:
    """Values of a Faker provider, drawn once (seeded from ``rng``)."""
    method: Callable[[], Any] | None = getattr(faker, provider, None)
    if method is None or not callable(method):
        raise ConfigError(f"Faker has no provider {provider!r} (see faker.readthedocs.io/en/master/providers.html).")
    faker.seed_instance(int(rng.integers(2**31)))
    values = [str(method()) for _ in range(size)]
    if provider == "sentence":
        values = [v.rstrip(".") for v in values]
    return np.array(values, dtype=object)


def _text(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator, faker: Any) -> pd.Series:
    provider = generator.get("faker") or provider_for(column) or "word"
    values = pool(str(provider), faker, rng)[rng.integers(0, POOL, size)]
    return pd.Series(fit_length(values, column), dtype=object)


def fit_length(values: np.ndarray, column: ColumnPlan) -> np.ndarray:
    """Values cut to the column's length and padded to its least length (CHECK length)."""
    least = int((column.generator or {}).get("min_length", 0))
    out = values
    if column.length is not None:
        out = np.array([v[: column.length] for v in out], dtype=object)
    if least:
        out = np.array([v if len(v) >= least else (v + "x" * least)[: max(least, len(v))] for v in out], dtype=object)
    return out


def _integer(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    low, high = _bounds(column, whole=True)
    values = _numbers(column, generator, size, rng, low, high)
    return pd.Series(np.clip(np.round(values), low, high).astype(np.int64))


def _decimal(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    low, high = _bounds(column, whole=False)
    decimals = column.scale if column.scale is not None else (2 if column.type == "decimal" else 6)
    step = 10.0**-decimals
    low = np.ceil(low / step - 1e-9) * step if np.isfinite(low) else low
    high = np.floor(high / step + 1e-9) * step if np.isfinite(high) else high
    values = np.round(np.clip(_numbers(column, generator, size, rng, low, high), low, high), decimals)
    return pd.Series(values)


def _numbers(
    column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator, low: float, high: float
) -> np.ndarray:
    kind = generator.get("distribution")
    if kind == "normal":
        return rng.normal(float(generator.get("mean", 0.0)), float(generator.get("sd", 1.0)), size)
    if kind == "lognormal":
        return np.exp(rng.normal(np.log(float(generator.get("median", 1.0))), float(generator.get("sigma", 1.0)), size))
    if kind == "uniform":
        return rng.uniform(float(generator.get("low", low)), float(generator.get("high", high)), size)
    if kind == "poisson":
        return rng.poisson(float(generator.get("mean", 3.0)), size).astype(float)
    if kind is not None:
        raise ConfigError(
            f"Column {column.name!r}: distribution {kind!r} is not one of normal, lognormal, uniform, poisson."
        )
    if np.isfinite(low) and np.isfinite(high) and high - low <= 1e6:
        return rng.uniform(low, high + (1 if column.type == "integer" else 0), size)
    median, sigma = _typical(column)
    base = low if np.isfinite(low) and low > -median else 0.0
    values = base + np.exp(rng.normal(np.log(median), sigma, size))
    return np.where(
        values > high, rng.uniform(max(low, high - median), high, size) if np.isfinite(high) else values, values
    )


def _typical(column: ColumnPlan) -> tuple[float, float]:
    """A median and spread that suit a number named like this one."""
    name = column.name.lower()
    if any(w in name for w in ("quantity", "qty", "count", "units", "stock")):
        return 5.0, 0.8
    if any(w in name for w in ("salary", "income", "wage")):
        return 50_000.0, 0.5
    if any(w in name for w in ("price", "amount", "total", "cost", "fee", "balance", "payment")):
        return 40.0, 1.0
    if any(w in name for w in ("rate", "ratio", "percent", "discount")):
        return 0.2, 0.6
    if "age" in name.split("_"):
        return 40.0, 0.3
    return 100.0, 1.5


def _bounds(column: ColumnPlan, *, whole: bool) -> tuple[float, float]:
    step = 1.0 if whole else 10.0 ** -(column.scale if column.scale is not None else 6)
    low = -np.inf if column.minimum is None else float(column.minimum) + (step if column.strict_minimum else 0.0)
    high = np.inf if column.maximum is None else float(column.maximum) - (step if column.strict_maximum else 0.0)
    if column.type == "integer":
        limit = INTEGER_LIMITS.get(column.bits, INTEGER_LIMITS[64])
        low, high = max(low, -limit - 1), min(high, limit)
    if column.type == "decimal" and column.precision is not None:
        largest = 10.0 ** (column.precision - (column.scale or 0)) - 10.0 ** -(column.scale or 0)
        low, high = max(low, -largest), min(high, largest)
    if low > high:
        raise ConfigError(f"Column {column.name!r}: its bounds leave no value ({column.minimum} to {column.maximum}).")
    return low, high


def _datetime(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    default = BIRTH_RANGE if "birth" in column.name.lower() else DATE_RANGE
    low = pd.Timestamp(column.minimum if column.minimum is not None else default[0])
    high = pd.Timestamp(column.maximum if column.maximum is not None else default[1])
    unit = 86_400 if column.type == "date" else 1
    first = int(low.value // 10**9 // unit) + (1 if column.strict_minimum else 0)
    last = int(high.value // 10**9 // unit) - (1 if column.strict_maximum else 0)
    if first > last:
        raise ConfigError(f"Column {column.name!r}: its bounds leave no date ({column.minimum} to {column.maximum}).")
    seconds = rng.integers(first, last + 1, size) * unit
    stamps = pd.Series(pd.to_datetime(seconds, unit="s"))
    return stamps.dt.date.astype(object) if column.type == "date" else stamps


def _time(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    seconds = rng.integers(0, 86_400, size)
    return pd.Series([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in seconds], dtype=object)


def _boolean(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    return pd.Series(rng.random(size) < float(generator.get("share", 0.5)))


def _binary(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    length = column.length or 32
    return pd.Series([rng.bytes(int(n)) for n in rng.integers(1, length + 1, size)], dtype=object)


def _uuid(column: ColumnPlan, generator: dict[str, Any], size: int, rng: np.random.Generator) -> pd.Series:
    return pd.Series([str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(size)], dtype=object)


TYPED = {
    "integer": _integer,
    "decimal": _decimal,
    "float": _decimal,
    "date": _datetime,
    "timestamp": _datetime,
    "time": _time,
    "boolean": _boolean,
    "binary": _binary,
    "uuid": _uuid,
}


def _without_excluded(
    values: pd.Series, excluded: list[Any], column: ColumnPlan, rng: np.random.Generator, faker: Any
) -> pd.Series:
    """Values a CHECK excludes (``<> ''``) replaced by drawn ones that are not."""
    for _ in range(20):
        hit = values.isin(excluded).to_numpy() if excluded else np.zeros(len(values), dtype=bool)
        if not hit.any():
            return values
        plain = ColumnPlan(
            **{**column.__dict__, "generator": {k: v for k, v in (column.generator or {}).items() if k != "excluded"}}
        )
        values = values.copy()
        values[hit] = draw_column(plain, int(hit.sum()), rng, faker).to_numpy()
    raise ConfigError(f"Column {column.name!r}: a CHECK excludes every value it can take.")
