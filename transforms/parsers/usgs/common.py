"""What the USGS MCS world and salient parsers share: unit tokens and their meanings, reading a
spreadsheet-saved CSV as text (:class:`_Table`), file-name and ``Source`` checks, cell
classification (number, flag, or an error naming file, line and column), the folder walk and
the origin columns every output row starts with (:data:`ORIGIN_SCHEMA`, :func:`_finish`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import read_csv_rows
from transforms.parsers._guards import check_folder, check_upstream_file, read_upstream_bytes
from transforms.parsers._provenance import LINE_PROVENANCE
from transforms.parsers._text import (
    UnknownCellText,
    parse_cell,
)

# --- units ------------------------------------------------------------------------------

#: Unit tokens of the world tables' headers: token -> (meaning, metric tons per unit).
#: The factor is None where the unit is not a mass (carats, cubic meters).
WORLD_UNITS: dict[str, tuple[str, float | None]] = {
    "t": ("metric tons", 1.0),
    "kt": ("thousand metric tons", 1e3),
    # Upper-case M = mega: FGDC attrunit "million metric tons" (mcs2023-feore Reserves_Mt,
    # mcs2023/2024-feste Prod_Mt).
    "Mt": ("million metric tons", 1e6),
    # NOT metric tons: mcs2024-feore_world.csv prints "Reserves_mt" for the column its FGDC
    # metadata calls "Reserves_Mt" (attrunit "million metric tons"); the reserve figures
    # (Australia 58,000) and the notes ("Crude ore, million metric tons") agree.
    "mt": ("million metric tons", 1e6),
    # mcs2024-feste Prod_mmt/Reserves_mmt; FGDC attrunit "million metric tons".
    "mmt": ("million metric tons", 1e6),
    "kg": ("kilograms", 1e-3),
    "mct": ("million carats", None),
    "kct": ("thousand carats", None),
    "mcm": ("million cubic meters", None),
}

#: Unit tokens of the salient tables' headers (the suffix after the last "_", or glued to
#: the statistic as in "USprod_Minet"), from a survey of every 2023 and 2024 header checked
#: against the FGDC ``attrunit`` of each attribute.
SALIENT_UNIT_MEANINGS: dict[str, str] = {
    "t": "metric tons",
    "kt": "thousand metric tons",
    "mmt": "million metric tons",
    "kg": "kilograms",
    "mcm": "million cubic meters",
    # Also printed on mcs2024-diamo *_Price_Imports_mct, whose values are dollars per carat.
    "mct": "million carats",
    "num": "number (employees)",
    "pct": "percent",
    "dt": "dollars per metric ton",
    "dkg": "dollars per kilogram",
    "dlb": "dollars per pound",
    "ctslb": "cents per pound",
    "dst": "dollars per short ton",
    "dto": "dollars per troy ounce",
    "dtoz": "dollars per troy ounce",
    "dg": "dollars per gram",
    "dct": "dollars per carat",
    "mdol": "million dollars",
    "msqft": "million square feet",
}

_PRICE_UNITS = frozenset({"dt", "dkg", "dlb", "ctslb", "dst", "dto", "dtoz", "dg", "dct", "mdol"})

#: Unit tokens seen in salient headers whose meaning is not taken at face value: they are
#: kept as published with ``unit_meaning`` null. Why, for each:
SALIENT_UNITS_UNINTERPRETED: dict[str, str] = {
    "g": "mcs2024-galli Exports_g/Consump_g/Stocks_g: same figures as the 2023 file's *_kg",
    "ct": "NIR_ct (mcs2023-sandi, mcs2024-stond, mcs2024-tungs): a truncated 'pct'",
    "um": "Employment_um (coppe 2023, plati 2024, stond 2024): a truncated 'num'",
    "m": "Employment_m (mcs2024-raree): a truncated 'num'",
    "df": "Price_Imports_df (mcs2024-mercu); the 2023 file has Price_Imports_dkg",
    "dt dlb (both used)": "mcs2024-nicke Price columns, printed twice with the same header",
}

_MEASURES = {"prod": "production", "cap": "capacity", "reserves": "reserves"}

# --- reading ----------------------------------------------------------------------------

# Case-insensitive because of "MCS2024-bismu_world.csv"; the dash is optional because of
# "mcs2023tellu_salient.csv".
_FILE_RE = re.compile(
    r"^mcs(?P<edition>\d{4})-?(?P<code>[a-z0-9][a-z0-9-]*)_(?P<kind>world|salient)\.csv$",
    re.IGNORECASE,
)
_SOURCE_RE = re.compile(r"^MCS\s*(\d{4})$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^([0-9]{4})\s*(e?)$")


@dataclass(frozen=True)
class _Table:
    """A CSV read as text: stripped header names, and body columns ``c0..cN`` plus ``line``."""

    name: str
    header: list[str]
    raw_header: list[str]
    body: pl.DataFrame

    def col(self, index: int) -> str:
        return f"c{index}"


def _read_table(path: Path) -> _Table:
    name = path.name
    data = read_upstream_bytes(path)
    # Text-level checks first (UTF-8, stray byte-order marks, quotes, markup, empty file), each
    # naming line and column; then every data row must be as wide as the header.
    checked = read_csv_rows(name, data, check_width=False)
    width = len(checked.header)
    if width == 1 and checked.rows:
        _refuse_other_delimiter(name, checked.header[0])
    for row, line in zip(checked.rows, checked.lines, strict=True):
        if len(row) > width:
            raise UpstreamFormatError(
                name,
                f"row has more fields than the header ({len(row)} > {width})",
                line=line,
                column=f"column {width + 1}",
                value=",".join(row)[:200],
            )
        if len(row) < width:
            missing = checked.header[len(row)].strip() or f"column {len(row) + 1}"
            raise UpstreamFormatError(
                name,
                f"row has {len(row)} fields, fewer than the header's {width} "
                "(a file cut off inside this row?)",
                line=line,
                column=missing,
                value=",".join(row)[:200],
            )
    try:
        raw = pl.read_csv(io.BytesIO(data), has_header=False, infer_schema=False, encoding="utf8")
    except pl.exceptions.PolarsError as exc:
        ragged = _first_ragged_line(path)
        if ragged is not None:
            raise UpstreamFormatError(
                name, "row has more fields than the header", line=ragged
            ) from exc
        raise UpstreamFormatError(name, f"cannot be read as CSV: {exc}") from exc
    if raw.height == 0:
        raise UpstreamFormatError(name, "is empty (no header row)", line=1)
    raw = raw.rename({c: f"c{i}" for i, c in enumerate(raw.columns)})
    # Spreadsheet padding: trailing columns with neither header nor any text (up to ~40 of
    # them in the 2024 files). Dropped here so that the per-column checks stay cheap.
    filled = raw.select(
        (pl.col(c).str.strip_chars().fill_null("") != "").any() for c in raw.columns
    ).row(0)
    keep = max((i for i, f in enumerate(filled) if f), default=0) + 1
    raw = raw.select(raw.columns[:keep])
    cols = raw.columns
    # A quoted cell may hold a line break: count them so that `line` is the physical line.
    breaks = pl.sum_horizontal(pl.col(c).str.count_matches("\n").fill_null(0) for c in cols)
    raw = raw.with_columns(
        line=(pl.int_range(pl.len(), dtype=pl.Int64) + 1 + breaks.cum_sum() - breaks).cast(pl.Int32)
    )
    raw_header = ["" if h is None else h for h in raw.row(0)[: len(cols)]]
    if raw_header:
        raw_header[0] = raw_header[0].lstrip("\ufeff")
    header = [h.strip() for h in raw_header]
    body = raw.slice(1)
    blank = pl.all_horizontal(
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cols
    )
    body = body.filter(~blank)
    return _Table(name=name, header=header, raw_header=raw_header, body=body)


def _refuse_other_delimiter(name: str, header: str) -> None:
    """A one-cell header holding ';', tab or '|' is a file separated by that, not by commas."""
    for delimiter in (";", "\t", "|"):
        if delimiter in header:
            first = header.lstrip("\ufeff").split(delimiter)[0].strip()
            raise UpstreamFormatError(
                name,
                f"the header is one cell with {delimiter!r} in it: the file is separated by "
                f"{delimiter!r}, not by commas",
                line=1,
                column=first or "column 1",
                value=header[:200],
            )


def _first_ragged_line(path: Path) -> int | None:
    """Line of the first row wider than the header, to say where polars gave up."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            width = len(next(reader, []))
            for row in reader:
                if len(row) > width:
                    return reader.line_num
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _open_mcs_file(path: Path, kind: str) -> tuple[int, str, _Table]:
    """Edition, commodity code and text of ``mcs<edition>-<code>_<kind>.csv`` (name checked)."""
    match = _FILE_RE.match(path.name)
    if match is None or match["kind"].lower() != kind:
        raise UpstreamFormatError(
            path.name, f"file name is not of the form mcs<edition>-<code>_{kind}.csv"
        )
    return int(match["edition"]), match["code"].lower(), _read_table(path)


def _refuse_rows(
    bad: pl.DataFrame,
    file: str,
    message: str,
    *,
    column: str | None = None,
    value: str | None = None,
) -> None:
    """If there are ``bad`` rows, an error naming the first one's ``line``, the ``column`` and
    its cell (the column ``value`` of ``bad``, as text)."""
    if not bad.height:
        return
    cell = None if value is None else bad[value][0]
    raise UpstreamFormatError(
        file,
        message,
        line=int(bad["line"][0]),
        column=column,
        value=cell if cell is None or isinstance(cell, str) else str(cell),
    )


def _check_empty_columns(table: _Table, indexes: list[int]) -> None:
    """Columns without a header are spreadsheet padding; one holding data is an error."""
    for i in indexes:
        filled = table.body.filter(pl.col(table.col(i)).str.strip_chars() != "")
        _refuse_rows(
            filled, table.name, f"column {i + 1} has no header but holds data", value=table.col(i)
        )


def _classify_cells(long: pl.DataFrame, file: str, tonnes: dict[str, float | None]) -> pl.DataFrame:
    """Add ``value`` and ``value_flag`` from ``value_text`` (and ``unit`` for odd bounds)."""
    records: list[tuple[str | None, str | None, float | None, str | None]] = []
    for text, unit in long.select("value_text", "unit").unique().iter_rows():
        carats = {"mct": 1e6, "kct": 1e3}.get(unit or "")
        try:
            value, flag = parse_cell(
                text, tonnes_per_unit=tonnes.get(unit or ""), carats_per_unit=carats
            )
        except UnknownCellText:
            # `long` is in file order (line, then column), so this is the first occurrence.
            first = long.filter(pl.col("value_text") == text).row(0, named=True)
            raise UpstreamFormatError(
                file,
                "text in a numeric column that the parser does not know",
                line=first["line"],
                column=first["column"],
                value=text,
            ) from None
        records.append((text, unit, value, flag))
    lookup = pl.DataFrame(
        records,
        schema={
            "value_text": pl.String(),
            "unit": pl.String(),
            "value": pl.Float64(),
            "value_flag": pl.String(),
        },
        orient="row",
    )
    return long.join(
        lookup, on=["value_text", "unit"], how="left", nulls_equal=True, maintain_order="left"
    )


def _value_cells(
    wide: pl.DataFrame,
    value_vars: list[str],
    meta: pl.DataFrame,
    order: str,
    file: str,
    tonnes: dict[str, float | None],
) -> pl.DataFrame:
    """The cells of a table's value columns, one row per (data row x value column).

    ``wide``: the data rows, the ``value_vars`` columns beside the row's own columns;
    ``meta``: what each value column means, keyed by ``_var``. Cells come trimmed, in file
    order (``line``, then ``order``), with ``value`` and ``value_flag`` (:func:`_classify_cells`).
    """
    long = (
        wide.unpivot(
            on=value_vars,
            index=[c for c in wide.columns if c not in value_vars],
            variable_name="_var",
            value_name="value_text",
        )
        .join(meta, on="_var", how="left")
        .with_columns(value_text=_trimmed(pl.col("value_text")))
        .sort("line", order)
    )
    return _classify_cells(long, file, tonnes)


def _trimmed(expr: pl.Expr) -> pl.Expr:
    out = expr.str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


def _refuse_repeated_rows(rows: pl.DataFrame, file: str, key: list[str]) -> None:
    """A key printed on two rows (a pasted-twice row) would be counted twice downstream.

    Only for the tidy tables no clean table validates (MCS 2026 salient and import sources);
    the world and salient tables keep repeated rows as published, and the clean tables' unique
    keys refuse them with file and line.
    """
    repeated = rows.with_columns(
        _n=pl.int_range(pl.len()).over(key), _first=pl.col("line").min().over(key)
    ).filter(pl.col("_n") > 0)
    if repeated.height:
        row = repeated.sort("line").row(0, named=True)
        raise UpstreamFormatError(
            file,
            f"the same {' and '.join(key)} as line {row['_first']}: a row printed twice",
            line=row["line"],
            column=key[0],
            value=" | ".join(str(row[k]) for k in key),
        )


def _check_source(table: _Table, source_i: int, edition: int) -> None:
    """The Source column ("MCS2024", "MCS 2024", or blank) must agree with the file name."""
    sources = (
        table.body.select("line", _trimmed(pl.col(table.col(source_i))).alias("s"))
        .drop_nulls("s")
        .unique("s", keep="first", maintain_order=True)
    )
    for line, text in sources.iter_rows():
        match = _SOURCE_RE.match(text)
        if match is None or int(match[1]) != edition:
            raise UpstreamFormatError(
                table.name,
                f"Source does not match the edition {edition} of the file name",
                line=line,
                column="Source",
                value=text,
            )


def _csv_files(directory: str | Path, suffix: str) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise UpstreamFormatError(str(directory), "is not a directory")
    check_folder(directory, directory.parent)
    # Every entry with the suffix must be a readable file: a folder, a dangling link or an
    # unreadable file under a data file's name would otherwise drop that commodity silently.
    files = sorted((p for p in directory.iterdir() if p.name.lower().endswith(suffix)), key=lambda p: p.name)
    for path in files:
        check_upstream_file(path, directory.parent)
    if not files:
        raise UpstreamFormatError(str(directory), f"holds no *{suffix} files")
    return files


# --- output -----------------------------------------------------------------------------

#: The leading columns of the world and salient tables: edition, commodity file code, file, line.
ORIGIN_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.Int16(),
    "commodity_code": pl.String(),
    **LINE_PROVENANCE,
}


def _finish(
    long: pl.DataFrame,
    schema: dict[str, pl.DataType],
    *,
    edition: int,
    code: str,
    file: str,
    **columns: pl.Expr,
) -> pl.DataFrame:
    """``long`` with its origin columns and ``columns`` set, as ``schema``'s columns and types."""
    return long.with_columns(
        edition=pl.lit(edition, dtype=pl.Int16),
        commodity_code=pl.lit(code),
        file=pl.lit(file),
        **columns,
    ).select([pl.col(c).cast(t) for c, t in schema.items()])
