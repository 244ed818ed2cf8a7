"""The fast path: one BACI trade table as a lazy, typed, guarded polars scan.

Each file is scanned lazily with t, i, j and v parsed by the CSV reader itself and k and q as
text, and the HS6 filter drops rows on the raw code text before anything else is computed.
Every kept row passes the checks of :mod:`.checks` inside a batch guard; a batch that fails
hands over to the second pass (:mod:`.locate`), which names the line. Polars' reader fills a
row that is short of fields with nulls, which for a missing q would look like a blank
quantity, so the file's commas and line ends are also counted (:mod:`.sources`, in a thread
beside the scan) and a count that does not come to six fields a line sends the file to the
second pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers.baci.checks import _bad_rows, _parquet_typed
from transforms.parsers.baci.layout import (
    _HS6_RE,
    _READ_SCHEMA,
    BACI_COLUMNS,
    KEY_COLUMNS,
    QUANTITY_MISSING,
    BaciBatchProblem,
    BaciSource,
    Checks,
    TableData,
)
from transforms.parsers.baci.locate import baci_errors, find_baci_problem, find_duplicate_line
from transforms.parsers.baci.sources import _count_fields, _empty_lines, _fields_add_up

T = TypeVar("T")


def _guard(s: pl.Series) -> pl.Series:
    """A batch guard for the streaming engine: passes a batch of good rows through or raises.

    ``s`` is a struct of the year and the row's ``_bad`` flag; returning the year makes every
    output row depend on the guard, so the optimiser cannot drop it.
    """
    if s.struct.field("_bad").any():
        raise BaciBatchProblem("row check")
    return s.struct.field("year")


def _with_checks(lf: pl.LazyFrame, checks: Checks, source: BaciSource) -> pl.LazyFrame:
    """Typed rows (year..quantity_t) -> the output columns, guarded by every row check."""
    guarded = pl.struct(pl.col("year"), _bad_rows(checks).alias("_bad")).map_batches(
        _guard, return_dtype=pl.Int16, is_elementwise=True
    )
    return lf.select(
        year=guarded,
        exporter_code="exporter_code",
        importer_code="importer_code",
        hs6=pl.col("hs6").str.zfill(6),
        value_kusd="value_kusd",
        quantity_t="quantity_t",
        file=pl.lit(source.name, dtype=pl.Utf8),
    )


def _hs6_prefilter(k: pl.Expr, wanted: frozenset[str]) -> pl.Expr:
    """Rows whose raw k text can be one of ``wanted``: exact codes, codes that lost their
    leading zeros, and (to be stripped and looked at again) any text that is not 6 bytes."""
    exact = sorted(wanted | {c.lstrip("0") or "0" for c in wanted})
    return k.is_in(exact) | (k.str.len_bytes() != 6)


def _scan_csv_one(
    source: BaciSource,
    path: TableData,
    checks: Checks,
    years: frozenset[int] | None,
    *,
    typed: bool = True,
) -> pl.LazyFrame:
    """The lazy scan of one CSV trade table.

    ``typed``: the CSV reader parses t, i, j and v itself (fastest), but then a bad value in
    *any* row, even one the HS6 filter drops, fails the scan; the text scan reads every column
    as text and casts only the rows it keeps. :func:`_collect_one` tries the first, then the
    second.
    """
    # quote_char None: BACI never quotes, and a stray quote must fail a check rather than
    # silently join fields.
    schema = _READ_SCHEMA if typed else dict.fromkeys(BACI_COLUMNS, pl.Utf8())
    # The header was checked already (quoted names too); its cells are renamed, so polars reads
    # rows by position only.
    lf = pl.scan_csv(
        path,
        has_header=True,
        new_columns=list(BACI_COLUMNS),
        schema_overrides=schema,
        encoding="utf8",
        quote_char=None,
    )
    # An empty line (or one of bare commas) carries no data; polars reads it as an all-null row.
    lf = lf.filter(~pl.all_horizontal(pl.col(c).is_null() for c in BACI_COLUMNS))
    k = pl.col("k")
    if checks.hs6_filter is not None:
        # Drop rows of other products on the raw text, before anything else is computed; a bad
        # value in a dropped row is never looked at (by the text scan), as in the slow pass.
        lf = lf.filter(_hs6_prefilter(k, checks.hs6_filter))
        lf = lf.with_columns(k.str.strip_chars(" "))
        lf = lf.filter(k.str.zfill(6).is_in(sorted(checks.hs6_filter)))
    else:
        lf = lf.with_columns(k.str.strip_chars(" "))

    def number(col: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(col) if typed else pl.col(col).str.strip_chars(" ").cast(dtype, strict=True)

    if years is not None:
        lf = lf.filter(number("t", pl.Int16()).is_in(sorted(years)))
    q = pl.col("q").str.strip_chars(" ")
    lf = lf.select(
        year=number("t", pl.Int16()),
        exporter_code=number("i", pl.Int32()),
        importer_code=number("j", pl.Int32()),
        hs6=k,
        value_kusd=number("v", pl.Float64()),
        quantity_t=pl.when(q.is_in(list(QUANTITY_MISSING)))
        .then(None)
        .otherwise(q)
        .cast(pl.Float64, strict=True),
    )
    return _with_checks(lf, checks, source)


def _scan_parquet_one(
    source: BaciSource, checks: Checks, years: frozenset[int] | None
) -> pl.LazyFrame:
    lf = pl.scan_parquet(source.path)
    schema = lf.collect_schema()
    if checks.hs6_filter is not None:
        k = pl.col("k")
        if schema["k"].is_integer():
            codes = sorted({int(c) for c in checks.hs6_filter if c.isascii() and c.isdigit()})
            lf = lf.filter(k.is_in(codes))
        else:
            lf = lf.filter(_hs6_prefilter(k, checks.hs6_filter))
    lf = _parquet_typed(lf, source)
    if checks.hs6_filter is not None:
        lf = lf.filter(pl.col("hs6").str.zfill(6).is_in(sorted(checks.hs6_filter)))
    if years is not None:
        lf = lf.filter(pl.col("year").is_in(sorted(years)))
    return _with_checks(lf, checks, source)


def _normalise_filter(hs6_filter: Iterable[str] | None) -> frozenset[str] | None:
    if hs6_filter is None:
        return None
    raw = [str(c).strip() for c in hs6_filter]
    bad = sorted(c for c in raw if not _HS6_RE.match(c))
    if bad:
        raise ValueError(f"hs6_filter holds codes that are not 6-digit HS codes: {bad[:5]}")
    return frozenset(c.zfill(6) for c in raw)


def _fields_ok(source: BaciSource, path: TableData) -> bool:
    if source.is_parquet:
        return True
    return _fields_add_up(path, (source.member or source.path.name).lower().endswith(".gz"))


def _precheck(
    source: BaciSource, path: TableData, checks: Checks, *, fields_ok: bool | None = None
) -> None:
    """Six fields on every line (see module docstring), or the second pass says where not."""
    if fields_ok is None:
        fields_ok = _fields_ok(source, path)
    if fields_ok:
        return
    problem = find_baci_problem(
        source, hs6_filter=checks.hs6_filter, code_tables=checks.codes, path=path, exhaustive=False
    )
    if problem is not None:
        raise problem
    # Nothing found by the fast search: either empty lines (harmless) or a row short of only
    # its last field, which only the line-by-line pass can tell from a blank quantity.
    counted = _count_fields(path, (source.member or source.path.name).lower().endswith(".gz"))
    if counted is not None and counted[0] == 5 * (counted[1] - _empty_lines(source)):
        return
    problem = find_baci_problem(source, hs6_filter=checks.hs6_filter, code_tables=checks.codes)
    if problem is not None:
        raise problem


def _lazy_one(
    source: BaciSource,
    path: TableData,
    checks: Checks,
    years: frozenset[int] | None,
    *,
    typed: bool,
) -> pl.LazyFrame:
    if source.is_parquet:
        return _scan_parquet_one(source, checks, years)
    return _scan_csv_one(source, path, checks, years, typed=typed)


def _typed_else_text(
    source: BaciSource,
    path: TableData,
    checks: Checks,
    years: frozenset[int] | None,
    run: Callable[[pl.LazyFrame], T],
) -> T:
    """``run`` (collect, sink) on the typed scan of one table, or on its text scan where the
    typed one fails to parse (CSV only); a failure becomes an error naming file and line."""
    with baci_errors(
        [source],
        hs6_filter=checks.hs6_filter,
        code_tables=checks.codes,
        paths={source.name: path},
    ):
        try:
            return run(_lazy_one(source, path, checks, years, typed=True))
        except pl.exceptions.ComputeError:
            if source.is_parquet:
                raise
            return run(_lazy_one(source, path, checks, years, typed=False))


def _collect_one(
    source: BaciSource, path: TableData, checks: Checks, years: frozenset[int] | None
) -> pl.DataFrame:
    """One trade table, collected: typed scan first, text scan if that one fails to parse.

    The field count runs in a thread meanwhile (polars and numpy both release the GIL), so it
    costs CPU the scan leaves idle rather than wall time; its verdict is applied before the
    frame is returned.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        counted = pool.submit(_fields_ok, source, path)
        frame = _typed_else_text(
            source, path, checks, years, lambda lf: lf.collect(engine="streaming")
        )
        _precheck(source, path, checks, fields_ok=counted.result())
    return frame


def _reject_duplicates(frame: pl.DataFrame, source: BaciSource) -> None:
    if frame.select(pl.struct(KEY_COLUMNS).n_unique()).item() == frame.height:
        return  # the usual case, and cheaper to establish than which rows repeat
    duplicated = frame.filter(pl.struct(KEY_COLUMNS).is_duplicated())
    keys = set(duplicated.select(KEY_COLUMNS).unique().iter_rows())
    problem = find_duplicate_line(source, keys)
    if problem is None:  # pragma: no cover - the fast path and the second pass disagree
        key = next(iter(keys))
        problem = UpstreamFormatError(
            source.name, f"duplicated key t,i,j,k = {key}", column="k", value=str(key)
        )
    raise problem
