"""The checks every BACI row must pass, in two forms: on a row's text fields (second pass,
which names the column and says why) and as a polars expression over typed rows (fast path).

Both say the same: integer ``t``/``i``/``j`` within range, an HS6 code in ``k``, numbers in
``v`` and ``q`` that are finite, not negative and not absurd, and, when BACI's code tables are
known, ``i``, ``j`` and ``k`` in them.
"""

from __future__ import annotations

import math
import re

import polars as pl

from transforms.parsers._values import FLOAT_RE
from transforms.parsers.baci.layout import (
    _COLUMN_LABEL,
    _HS6_PATTERN,
    _HS6_RE,
    _INT_RANGE,
    _INT_RE,
    BACI_COLUMNS,
    MAX_QUANTITY_T,
    MAX_VALUE_KUSD,
    QUANTITY_MISSING,
    BaciSource,
    Checks,
)


def _check_number(raw: str, col: str, *, integer: bool) -> str | None:
    """Why ``raw`` is not a valid BACI value of column ``col``, or None if it is."""
    if raw == "":
        return f"{_COLUMN_LABEL[col]} is empty"
    if integer:
        if not _INT_RE.match(raw):
            return f"{_COLUMN_LABEL[col]} is not an integer"
        low, high = _INT_RANGE[col]
        if not low <= int(raw) <= high:
            return f"{_COLUMN_LABEL[col]} is out of range ({low} to {high})"
        return None
    if not FLOAT_RE.match(raw):
        return f"{_COLUMN_LABEL[col]} is not a number"
    return _check_amount(float(raw), col)


def _check_amount(value: float, col: str) -> str | None:
    if not math.isfinite(value):
        return f"{_COLUMN_LABEL[col]} is not finite"
    if value < 0:
        return f"{_COLUMN_LABEL[col]} is negative"
    limit = MAX_VALUE_KUSD if col == "v" else MAX_QUANTITY_T
    if value > limit:
        return f"{_COLUMN_LABEL[col]} is absurd (above {limit:,.0f}): not a real trade flow"
    return None


def _check_codes(t: str, i: str, j: str, k: str, checks: Checks) -> tuple[str, str, str] | None:
    """(column, message, value) for a code missing from BACI's tables, else None."""
    codes = checks.codes
    if codes is None:
        return None
    for col, raw in (("i", i), ("j", j)):
        if int(raw) not in codes.countries:
            return (
                col,
                f"{_COLUMN_LABEL[col]} {int(raw)} is not in BACI's country table "
                f"{codes.countries_file}",
                raw,
            )
    if k.zfill(6) not in codes.products:
        return "k", f"{_COLUMN_LABEL['k']} is not in BACI's product table {codes.products_file}", k
    return None


def _row_problem(fields: list[str], checks: Checks) -> tuple[str, str, str] | None:
    """(column, message, value) of the first problem in a data row, or None."""
    if len(fields) != len(BACI_COLUMNS):
        if len(fields) < len(BACI_COLUMNS):
            missing = BACI_COLUMNS[len(fields)]
            return (
                missing,
                f"row has {len(fields)} fields, BACI rows have 6 (missing {missing})",
                ",".join(fields),
            )
        return "q", f"row has {len(fields)} fields, BACI rows have 6", ",".join(fields)
    # Spaces only, as the fast path strips them (Python's strip() also takes \x1c-\x1f).
    values = [f.strip(" ") for f in fields]
    t, i, j, k, v, q = values
    wanted = checks.hs6_filter
    if not _HS6_RE.match(k):
        if wanted is None:
            return "k", f"{_COLUMN_LABEL['k']} is not an HS6 code (up to 6 digits)", fields[3]
        return None  # a row the filter drops is never cast by the fast path
    if wanted is not None and k.zfill(6) not in wanted:
        return None
    for col, raw in (("t", t), ("i", i), ("j", j)):
        why = _check_number(raw, col, integer=True)
        if why:
            return col, why, fields[BACI_COLUMNS.index(col)]
    why = _check_number(v, "v", integer=False)
    if why:
        return "v", why, fields[4]
    if q not in QUANTITY_MISSING:
        why = _check_number(q, "q", integer=False)
        if why:
            return "q", why, fields[5]
    return _check_codes(t, i, j, k, checks)


def _good_row_problem(match: re.Match[str], checks: Checks) -> tuple[str, str, str] | None:
    """The checks a well-formed row still needs: filter, bounds, codes."""
    t, i, j, k, v, q = match.groups()
    if checks.hs6_filter is not None and k.zfill(6) not in checks.hs6_filter:
        return None
    why = _check_number(t, "t", integer=True)
    if why:
        return "t", why, t
    why = _check_amount(float(v), "v")
    if why:
        return "v", why, v
    if q not in (None, "NA"):
        why = _check_amount(float(q), "q")
        if why:
            return "q", why, q
    return _check_codes(t, i, j, k, checks)


def _byte_column(raw: bytes, exc: UnicodeDecodeError) -> str:
    """The BACI column a byte offset of a line falls in."""
    return BACI_COLUMNS[min(raw[: exc.start].count(b","), len(BACI_COLUMNS) - 1)]


_INT_TEXT = r"^[+-]?[0-9]+$"


def _bad_rows(checks: Checks) -> pl.Expr:
    """True for a typed row (year..quantity_t) that fails any check of the fast path."""
    v, q = pl.col("value_kusd"), pl.col("quantity_t")
    bad = (
        pl.any_horizontal(
            pl.col(c).is_null() for c in ("year", "exporter_code", "importer_code", "value_kusd")
        )
        | ~pl.col("hs6").str.contains(_HS6_PATTERN).fill_null(False)
        | ~pl.col("year").is_between(*_INT_RANGE["t"])
        | ~v.is_finite()
        | (v < 0)
        | (v > MAX_VALUE_KUSD)
        | (q.is_not_null() & (~q.is_finite() | (q < 0) | (q > MAX_QUANTITY_T)))
    )
    codes = checks.codes
    if codes is not None:
        countries = sorted(codes.countries)
        bad = (
            bad
            | ~pl.col("exporter_code").is_in(countries)
            | ~pl.col("importer_code").is_in(countries)
            | ~pl.col("hs6").str.zfill(6).is_in(sorted(codes.products))
        )
    return bad.fill_null(True)


def _parquet_typed(lf: pl.LazyFrame, source: BaciSource) -> pl.LazyFrame:
    """A Parquet trade table's six columns cast to the output types (k and q may be text)."""
    schema = lf.collect_schema()
    # Integer codes lost their leading zeros (zfill restores them); text codes may be padded.
    k = pl.col("k").cast(pl.Utf8)
    if not schema["k"].is_integer():
        k = k.str.strip_chars(" ")
    q = pl.col("q")
    if schema["q"] in (pl.Utf8, pl.String):
        text = q.str.strip_chars(" ")
        q = pl.when(text.is_in(list(QUANTITY_MISSING))).then(None).otherwise(text)
    return lf.select(
        year=pl.col("t").cast(pl.Int16, strict=True),
        exporter_code=pl.col("i").cast(pl.Int32, strict=True),
        importer_code=pl.col("j").cast(pl.Int32, strict=True),
        hs6=k,
        value_kusd=pl.col("v").cast(pl.Float64, strict=True),
        quantity_t=q.cast(pl.Float64, strict=True),
    )
