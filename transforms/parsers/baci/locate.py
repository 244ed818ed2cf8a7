"""The second pass: find the first bad line of a BACI trade table, only after the fast path
failed, and turn the failure into an error naming the file, the line and the column.

A vectorised search over the file as text finds most problems in seconds; a line-by-line read
(~25 s for an 11M-row year) decides what that search cannot (a row short of its last field, a
truncated gzip stream). Correct files never pay for either.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._values import FLOAT_TEXT
from transforms.parsers.baci.checks import (
    _INT_TEXT,
    _bad_rows,
    _byte_column,
    _good_row_problem,
    _parquet_typed,
    _row_problem,
)
from transforms.parsers.baci.codes import codes_for
from transforms.parsers.baci.layout import (
    _GOOD_ROW_RE,
    _HS6_PATTERN,
    _INT_RANGE,
    BACI_COLUMNS,
    KEY_COLUMNS,
    MAX_QUANTITY_T,
    MAX_VALUE_KUSD,
    BaciBatchProblem,
    BaciSource,
    Checks,
    CodeTablesOption,
    TableData,
)
from transforms.parsers.baci.sources import (
    _check_header_line,
    _open_lines,
    _validate_parquet_columns,
    baci_sources,
)


def _locate_with_polars(
    source: BaciSource, path: TableData, checks: Checks
) -> UpstreamFormatError | None:
    """The first data line that fails a check, by one vectorised pass over the file as text.

    Every line is a row (no quoting, lossy UTF-8), so the row index gives the line. None when
    no row fails or polars cannot read the file as six text columns (a row with more fields,
    a truncated gzip stream): the line-by-line pass decides those.
    """
    cols = BACI_COLUMNS
    text = {c: pl.col(c).str.strip_chars(" ") for c in cols}

    def integer(e: pl.Expr, col: str) -> pl.Expr:
        low, high = _INT_RANGE[col]
        return e.str.contains(_INT_TEXT) & e.cast(pl.Int64, strict=False).is_between(low, high)

    def amount(e: pl.Expr, limit: float) -> pl.Expr:
        x = e.cast(pl.Float64, strict=False)
        return e.str.contains(FLOAT_TEXT) & x.is_finite() & (x >= 0) & (x <= limit)

    t, i, j, k, v, q = (text[c] for c in cols)
    hs_ok = k.str.contains(_HS6_PATTERN).fill_null(False)
    kept = hs_ok
    if checks.hs6_filter is not None:
        kept = hs_ok & k.str.zfill(6).is_in(sorted(checks.hs6_filter))
    row_ok = (
        integer(t, "t")
        & integer(i, "i")
        & integer(j, "j")
        & amount(v, MAX_VALUE_KUSD)
        & (q.is_null() | q.is_in(["", "NA"]) | amount(q, MAX_QUANTITY_T))
    )
    if checks.codes is not None:
        countries = sorted(checks.codes.countries)
        row_ok = (
            row_ok
            & i.cast(pl.Int64, strict=False).is_in(countries)
            & j.cast(pl.Int64, strict=False).is_in(countries)
            & k.str.zfill(6).is_in(sorted(checks.codes.products))
        )
    empty = pl.all_horizontal(pl.col(c).is_null() for c in cols)
    odd = pl.any_horizontal(
        pl.col(c).str.contains('"', literal=True) | pl.col(c).str.contains("\ufffd", literal=True)
        for c in cols
    ).fill_null(False)
    bad = ~empty & (odd | (kept & ~row_ok.fill_null(False)))
    if checks.hs6_filter is None:
        bad = bad | (~empty & ~hs_ok)
    try:
        found = (
            pl.scan_csv(
                path,
                has_header=True,
                new_columns=list(cols),
                schema_overrides=dict.fromkeys(cols, pl.Utf8()),
                quote_char=None,
                encoding="utf8-lossy",
            )
            .with_row_index("_row")
            .filter(bad)
            .head(1)
            .collect(engine="streaming")
        )
    except (pl.exceptions.PolarsError, OSError):
        return None
    if found.height == 0:
        return None
    row = found.row(0, named=True)
    line = int(row["_row"]) + 2  # 0-based row after the header line
    fields = ["" if row[c] is None else row[c] for c in cols]
    raw = ",".join(fields)
    for c, f in zip(cols, fields, strict=True):
        if "\ufffd" in f:
            return UpstreamFormatError(
                source.name, "line is not UTF-8 text", line=line, column=c, value=raw[:200]
            )
        if '"' in f:
            return UpstreamFormatError(
                source.name, "unexpected quote character", line=line, column=c, value=raw[:200]
            )
    problem = _row_problem(fields, checks)
    if problem is None:
        return None  # the two passes disagree: let the line-by-line pass decide
    col, why, value = problem
    return UpstreamFormatError(source.name, why, line=line, column=col, value=value)


def find_baci_problem(
    source: BaciSource | Path | str,
    *,
    hs6_filter: Iterable[str] | None = None,
    code_tables: CodeTablesOption = None,
    path: TableData | None = None,
    exhaustive: bool = True,
) -> UpstreamFormatError | None:
    """Find the first bad line of a BACI trade table; an error naming it, or None.

    This is the slow path behind every BACI error message; it checks what the fast path checks
    (header, field count, numbers, non-negative and plausible v/q, HS6 codes, codes in BACI's
    tables when given, gzip integrity) and returns None for a good file. Duplicated keys are
    located by :func:`find_duplicate_line`. A vectorised search over the file as text finds
    most problems in seconds (``path``: the table's data, for a zip member its bytes or copy);
    the line-by-line pass (~25 s for an 11M-row year) runs only when that search finds nothing
    and ``exhaustive`` is true.
    """
    if not isinstance(source, BaciSource):
        for one in baci_sources(source):
            problem = find_baci_problem(one, hs6_filter=hs6_filter, code_tables=code_tables)
            if problem is not None:
                return problem
        return None
    if source.is_parquet:
        return _find_parquet_problem(source, hs6_filter=hs6_filter, code_tables=code_tables)
    checks = Checks(
        frozenset(hs6_filter) if hs6_filter is not None else None,
        codes_for(source, code_tables),
    )
    on_disk = path if path is not None else (source.path if source.member is None else None)
    if on_disk is not None:
        problem = _locate_with_polars(source, on_disk, checks)
        if problem is not None or not exhaustive:
            return problem
    name = source.name
    line_no = 0
    try:
        with _open_lines(source) as lines:
            for raw in lines:
                line_no += 1
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return UpstreamFormatError(
                        name,
                        f"line is not UTF-8 text: {exc.reason}",
                        line=line_no,
                        column=_byte_column(raw, exc),
                        value=raw.decode("utf-8", errors="replace").rstrip("\r\n")[:200],
                    )
                if line_no == 1:
                    try:
                        _check_header_line(name, raw)
                    except UpstreamFormatError as err:
                        return err
                    continue
                text = text.rstrip("\r\n")
                if text.replace(",", "").strip(" ") == "" and text.count(",") in (0, 5):
                    continue  # as in the fast path: no data, nothing to check
                good = _GOOD_ROW_RE.match(text)
                if good is not None:
                    problem = _good_row_problem(good, checks)
                    if problem is not None:
                        col, why, value = problem
                        return UpstreamFormatError(name, why, line=line_no, column=col, value=value)
                    continue
                fields = text.split(",")
                quoted = [c for c, f in zip(BACI_COLUMNS, fields, strict=False) if '"' in f]
                if quoted:
                    # BACI never quotes; a quote would make a CSV reader join fields or lines,
                    # so point at it rather than guess. (Beyond the sixth field, the field
                    # count is the problem to report.)
                    return UpstreamFormatError(
                        name,
                        "unexpected quote character",
                        line=line_no,
                        column=quoted[0],
                        value=text,
                    )
                problem = _row_problem(fields, checks)
                if problem is not None:
                    col, why, value = problem
                    return UpstreamFormatError(name, why, line=line_no, column=col, value=value)
    except EOFError as exc:
        partial = exc.args[1] if len(exc.args) > 1 else b""
        if partial:
            fields = partial.decode("utf-8", errors="replace").rstrip("\r").split(",")
            column = BACI_COLUMNS[min(len(fields), len(BACI_COLUMNS)) - 1]
            return UpstreamFormatError(
                name,
                "gzip stream is truncated: the file ends inside this line",
                line=line_no + 1,
                column=column,
                value=partial.decode("utf-8", errors="replace")[:200],
            )
        return UpstreamFormatError(
            name,
            f"gzip stream is truncated after line {line_no}",
            line=line_no + 1,
            column=BACI_COLUMNS[0],
        )
    except (OSError, zlib.error, zipfile.BadZipFile) as exc:
        return UpstreamFormatError(name, f"cannot read the file: {exc}", line=line_no + 1)
    if line_no == 0:
        return UpstreamFormatError(name, "file is empty, expected a t,i,j,k,v,q header", line=1)
    return None


def find_duplicate_line(
    source: BaciSource, keys: Iterable[tuple[int, int, int, str]]
) -> UpstreamFormatError | None:
    """The first line that repeats an earlier row's t, i, j, k, among the given keys.

    ``keys`` are the duplicated keys the fast path found, so only those are remembered.
    """
    wanted = set(keys)
    seen: dict[tuple[int, int, int, str], int] = {}
    if source.is_parquet:
        frame = (
            _parquet_typed(pl.scan_parquet(source.path), source)
            .with_row_index("_row", offset=1)
            .collect()
        )
        for row, *key in frame.select("_row", *KEY_COLUMNS).iter_rows():
            key_t = tuple(key)
            if key_t in wanted:
                if key_t in seen:
                    return _duplicate_error(source.name, None, key_t, seen[key_t], row)
                seen[key_t] = row
        return None
    with _open_lines(source) as lines:
        for line_no, raw in enumerate(lines, start=1):
            if line_no == 1:
                continue
            fields = raw.decode("utf-8", errors="replace").strip().split(",")
            if len(fields) != len(BACI_COLUMNS):
                continue
            try:
                key = (
                    int(fields[0]),
                    int(fields[1]),
                    int(fields[2]),
                    fields[3].strip().zfill(6),
                )
            except ValueError:
                continue
            if key in wanted:
                if key in seen:
                    return _duplicate_error(source.name, line_no, key, seen[key], None)
                seen[key] = line_no
    return None


def _duplicate_error(
    name: str, line: int | None, key: tuple, first: int, row: int | None
) -> UpstreamFormatError:
    where = f"line {first}" if line is not None else f"row {first}"
    return UpstreamFormatError(
        name,
        f"duplicated key t,i,j,k = {','.join(map(str, key))}: BACI has one row per year, "
        f"exporter, importer and product, and {where} already holds it"
        + (f" (Parquet row {row})" if row is not None else ""),
        line=line,
        column="k",
        value=",".join(map(str, key)),
    )


@contextmanager
def baci_errors(
    sources: Iterable[BaciSource],
    *,
    hs6_filter: Iterable[str] | None = None,
    code_tables: CodeTablesOption = "auto",
    paths: dict[str, TableData] | None = None,
) -> Iterator[None]:
    """Turn a failure while collecting BACI frames into an UpstreamFormatError with a line.

    ``paths`` maps a source's name to its data where that is not ``source.path`` (a zip
    member's bytes or copy), so the fast search can read it.

    On failure every source is re-read line by line (:func:`find_baci_problem`); the first bad
    line becomes the error. If the files are all fine the original exception propagates, since
    it did not come from them.

    Use around ``collect``/``sink_*`` of a :func:`scan_baci` frame::

        with baci_errors(baci_sources(paths)):
            scan_baci(paths).sink_parquet(out)
    """
    sources = list(sources)
    try:
        yield
    except UpstreamFormatError:
        raise
    except (pl.exceptions.PolarsError, BaciBatchProblem, OSError, EOFError, zlib.error) as exc:
        for source in sources:
            problem = find_baci_problem(
                source,
                hs6_filter=hs6_filter,
                code_tables=code_tables,
                path=(paths or {}).get(source.name),
            )
            if problem is not None:
                raise problem from exc
        if not isinstance(exc, BaciBatchProblem):
            raise  # the files are fine: the failure is not theirs (memory, disk, a caller's query)
        names = ", ".join(s.name for s in sources) or "(no files)"
        raise UpstreamFormatError(names, f"BACI column {exc} failed its check") from exc


def _find_parquet_problem(
    source: BaciSource,
    *,
    hs6_filter: Iterable[str] | None = None,
    code_tables: CodeTablesOption = None,
) -> UpstreamFormatError | None:
    """The first bad row of a Parquet trade table (rows are 1-based; Parquet has no header)."""
    _validate_parquet_columns(source)
    checks = Checks(
        frozenset(hs6_filter) if hs6_filter is not None else None,
        codes_for(source, code_tables),
    )
    raw = pl.scan_parquet(source.path).select(BACI_COLUMNS).with_row_index("_row", offset=1)
    try:
        # Where the columns cast cleanly, the typed checks find the first bad row at once.
        bad_rows = (
            _parquet_typed(pl.scan_parquet(source.path), source)
            .with_row_index("_row", offset=1)
            .filter(_bad_rows(checks))
        )
        if checks.hs6_filter is not None:
            bad_rows = bad_rows.filter(pl.col("hs6").str.zfill(6).is_in(sorted(checks.hs6_filter)))
        candidates: list[int] | None = bad_rows.select("_row").head(1).collect()["_row"].to_list()
    except pl.exceptions.PolarsError:
        candidates = None  # a column does not even cast: look at every row as text
    text = raw.select("_row", *[pl.col(c).cast(pl.Utf8) for c in BACI_COLUMNS])
    if candidates is not None:
        if not candidates:
            return None
        text = text.filter(pl.col("_row") == candidates[0])
    for row, *fields in text.collect().iter_rows():
        cells = ["" if f is None else f for f in fields]
        problem = _row_problem(cells, checks)
        if problem is None and candidates:
            problem = ("v", "value or quantity is not a finite number", ",".join(cells))
        if problem is not None:
            col, why, value = problem
            return UpstreamFormatError(
                source.name, f"Parquet row {row}: {why}", column=col, value=value
            )
    return None
