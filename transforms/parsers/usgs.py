"""Parsers for the USGS Mineral Commodity Summaries (MCS) files, into long tables as published.

Three inputs:

* the MCS 2023 and 2024 data releases (doi:10.5066/P9WCYUI6, doi:10.5066/P144BA54): per
  commodity ``mcs<edition>-<code>_world.csv`` (world production, capacity and reserves by
  country) and ``..._salient.csv`` (US salient statistics by year). They are spreadsheets
  saved as CSV: UTF-8 byte-order marks, CRLF, trailing empty rows and columns, no-break
  spaces and footnote digits glued to names, flags (W, NA, XX, >75, E, ...) in numeric
  columns, and units that live in the header names and differ by file and column;
* the tidy CSVs of MCS 2026 (``mcs2026/*.csv``), which only need typing.

The world and salient parsers return one row per (data row x value column), keeping the cell
text (``value_text``), its number in the published unit (``value``) and its flag
(``value_flag``, see :data:`transforms.parsers._text.FLAG_MEANINGS`). Unit tokens are kept as
published; :data:`WORLD_UNITS` and :data:`SALIENT_UNIT_MEANINGS` say what each one means. Text
that no rule knows raises :class:`UpstreamFormatError` naming file, line and column, so a new
upstream marker cannot turn into a silent null.
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
from transforms.parsers._text import (
    MAX_PLAUSIBLE_RESERVES_TONNES,
    MAX_PLAUSIBLE_TONNES,
    UnknownCellText,
    clean_name,
    normalise_space,
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

# --- output schemas ---------------------------------------------------------------------

WORLD_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.Int16(),
    "commodity_code": pl.String(),
    "file": pl.String(),
    "line": pl.Int32(),
    "country_raw": pl.String(),
    "country": pl.String(),
    "type": pl.String(),
    "column": pl.String(),
    "measure": pl.String(),
    "qualifier": pl.String(),
    "unit": pl.String(),
    "unit_factor_t": pl.Float64(),
    "year": pl.Int16(),
    "is_estimate": pl.Boolean(),
    "value_text": pl.String(),
    "value": pl.Float64(),
    "value_flag": pl.String(),
    "notes": pl.String(),
}

SALIENT_SCHEMA: dict[str, pl.DataType] = {
    "edition": pl.Int16(),
    "commodity_code": pl.String(),
    "file": pl.String(),
    "line": pl.Int32(),
    "data_source": pl.String(),
    "commodity": pl.String(),
    "year": pl.Int16(),
    "year_text": pl.String(),
    "is_estimate": pl.Boolean(),
    "column": pl.String(),
    # Needed because some headers are printed twice (mcs2024-mica "USprod_Flake_t").
    "column_number": pl.Int16(),
    "statistic": pl.String(),
    "unit": pl.String(),
    "unit_meaning": pl.String(),
    "value_text": pl.String(),
    "value": pl.Float64(),
    "value_flag": pl.String(),
}

MCS2026_WORLD_COLUMNS: dict[str, pl.DataType] = {
    "commodity": pl.String(),
    "commodity_name": pl.String(),
    "country": pl.String(),
    "stage": pl.String(),
    "stage_label": pl.String(),
    "product": pl.String(),
    "unit": pl.String(),
    "year": pl.Int16(),
    "production": pl.Float64(),
    "production_is_estimate": pl.Boolean(),
    "value_text": pl.String(),
    "note_flag": pl.String(),
    "reserves": pl.Float64(),
    "reserves_text": pl.String(),
    "reserves_unit": pl.String(),
    "capacity": pl.Float64(),
    # A footnote marker ("8"), not a quantity.
    "footnote": pl.String(),
    "source_commit": pl.String(),
    "qa_flag": pl.String(),
}

MCS2026_SALIENT_COLUMNS: dict[str, pl.DataType] = {
    "commodity": pl.String(),
    "commodity_name": pl.String(),
    "year": pl.Int16(),
    "is_estimate": pl.Boolean(),
    "statistic": pl.String(),
    "section": pl.String(),
    "subsection": pl.String(),
    "label": pl.String(),
    "unit": pl.String(),
    "value": pl.Float64(),
    "value_text": pl.String(),
    "footnote": pl.String(),
    "source_commit": pl.String(),
    "qa_flag": pl.String(),
}

MCS2026_IMPORT_SOURCES_COLUMNS: dict[str, pl.DataType] = {
    "commodity": pl.String(),
    "commodity_name": pl.String(),
    # "2021-24" / "2021-2024": a period label, kept as text.
    "period": pl.String(),
    "category": pl.String(),
    "partner_country": pl.String(),
    "share_pct": pl.Float64(),
    "source_commit": pl.String(),
    "qa_flag": pl.String(),
}

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
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UpstreamFormatError(name, f"cannot be opened: {exc}") from exc
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


def _file_parts(path: Path, kind: str) -> tuple[int, str]:
    match = _FILE_RE.match(path.name)
    if match is None or match["kind"].lower() != kind:
        raise UpstreamFormatError(
            path.name, f"file name is not of the form mcs<edition>-<code>_{kind}.csv"
        )
    return int(match["edition"]), match["code"].lower()


def _check_empty_columns(table: _Table, indexes: list[int]) -> None:
    """Columns without a header are spreadsheet padding; one holding data is an error."""
    for i in indexes:
        filled = table.body.filter(pl.col(table.col(i)).str.strip_chars() != "")
        if filled.height:
            raise UpstreamFormatError(
                table.name,
                f"column {i + 1} has no header but holds data",
                line=int(filled["line"][0]),
                value=filled[table.col(i)][0],
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


def _trimmed(expr: pl.Expr) -> pl.Expr:
    out = expr.str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


# --- world tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class _ValueColumn:
    index: int
    header: str
    measure: str
    qualifier: str | None
    unit: str
    year: int | None
    is_estimate: bool


def _measure_of(header: str) -> str | None:
    return _MEASURES.get(header.split("_", 1)[0].lower()) if "_" in header else None


def _is_notes_header(header: str) -> bool:
    parts = header.split("_")
    return len(parts) == 2 and parts[1].lower() in ("notes", "note")


def _value_column(file: str, index: int, header: str) -> _ValueColumn:
    """Read e.g. Prod_kt_Est_2023, Cap_Sponge_t_2022, Reserves_ore_K2O_equiv_kt."""
    tokens = header.split("_")
    measure = _MEASURES[tokens[0].lower()]
    rest = tokens[1:]
    year = int(rest.pop()) if rest and re.fullmatch(r"\d{4}", rest[-1]) else None
    is_estimate = bool(rest) and rest[-1].lower() == "est"
    if is_estimate:
        rest.pop()
    if not rest or rest[-1] not in WORLD_UNITS:
        token = rest[-1] if rest else ""
        raise UpstreamFormatError(
            file,
            f"value column header has no known unit token (got {token!r}; known: "
            f"{', '.join(WORLD_UNITS)})",
            line=1,
            column=header,
        )
    unit = rest.pop()
    return _ValueColumn(index, header, measure, "_".join(rest) or None, unit, year, is_estimate)


def _find_type_column(table: _Table, country_i: int, claimed: set[int]) -> int:
    if "Type" in table.header:
        return table.header.index("Type")
    # mcs2024-fluor_world.csv: the Type header was overwritten by its only value,
    # "Mine production, fluorspar". Accept a column after Country whose cells all repeat
    # its own header; anything else is a missing Type column.
    candidate = country_i + 1
    if candidate < len(table.header) and candidate not in claimed and table.header[candidate]:
        cells = table.body[table.col(candidate)].drop_nulls().str.strip_chars()
        if cells.len() and (cells == table.header[candidate]).all():
            return candidate
    raise UpstreamFormatError(table.name, "required column is missing", line=1, column="Type")


def _notes_for_measures(
    table: _Table, value_cols: list[_ValueColumn], notes_cols: dict[int, str]
) -> dict[str, int]:
    """Which notes column belongs to each measure (Prod_notes/Prod_note -> production, ...)."""
    by_measure: dict[str, int] = {}
    for i, measure in notes_cols.items():
        if measure in by_measure:
            raise UpstreamFormatError(
                table.name, f"two notes columns for {measure}", column=table.header[i]
            )
        by_measure[measure] = i
    measures = {v.measure for v in value_cols}
    orphans = [m for m in by_measure if m not in measures]
    without = sorted(measures - set(by_measure))
    # mcs2024-abras_world.csv has only Cap_* values but a "Prod_notes" column whose notes
    # are about capacity: a notes column without values goes to the one measure without notes.
    if orphans:
        if len(orphans) == 1 and len(without) == 1:
            by_measure[without[0]] = by_measure.pop(orphans[0])
        else:
            column = table.header[by_measure[orphans[0]]]
            raise UpstreamFormatError(
                table.name, "notes column for a measure that has no value column", column=column
            )
    return by_measure


def parse_world_file(path: str | Path) -> pl.DataFrame:
    """One MCS world table (``*_world.csv``) as a long table; columns as :data:`WORLD_SCHEMA`.

    One row per (data row x value column). Fully empty rows are not data and are skipped.
    ``country`` is ``country_raw`` with spaces normalised and glued footnote digits removed
    (a glued "e" estimate marker, as in "Japane", is kept for the country-name table to
    resolve). ``is_estimate`` is true when the header says "_est"/"_Est" or the cell carries
    the "e" marker ("e5,000", mcs2024-sandi). Raises :class:`UpstreamFormatError` for a
    missing Country/Type/value column, an unknown header or unit, or unknown cell text.
    """
    path = Path(path)
    edition, code = _file_parts(path, "world")
    table = _read_table(path)
    name, header = table.name, table.header

    if "Country" not in header:
        raise UpstreamFormatError(name, "required column is missing", line=1, column="Country")
    country_i = header.index("Country")
    source_i = header.index("Source") if "Source" in header else None

    value_cols: list[_ValueColumn] = []
    notes_cols: dict[int, str] = {}
    empty_cols: list[int] = []
    claimed = {country_i} | ({source_i} if source_i is not None else set())
    for i, h in enumerate(header):
        if i in claimed:
            continue
        if h == "":
            empty_cols.append(i)
        elif _measure_of(h) and _is_notes_header(h):
            notes_cols[i] = _MEASURES[h.split("_", 1)[0].lower()]
        elif _measure_of(h):
            value_cols.append(_value_column(name, i, h))
    claimed |= {v.index for v in value_cols} | set(notes_cols) | set(empty_cols)
    type_i = _find_type_column(table, country_i, claimed)
    claimed.add(type_i)
    for i, h in enumerate(header):
        if i not in claimed:
            raise UpstreamFormatError(name, "unrecognised column header", line=1, column=h)
    if not value_cols:
        raise UpstreamFormatError(
            name, "no value columns (Prod_*, Cap_*, Reserves_*)", line=1, column="Prod_*"
        )
    notes_of = _notes_for_measures(table, value_cols, notes_cols)
    body = _fold_spill_over(table, empty_cols, sorted(notes_of.values()))
    no_country = body.filter(
        pl.col(table.col(country_i)).is_null()
        | (pl.col(table.col(country_i)).str.strip_chars() == "")
    )
    if no_country.height:
        raise UpstreamFormatError(
            name, "data row without a country", line=int(no_country["line"][0]), column="Country"
        )
    if source_i is not None:
        _check_source(table, source_i, edition)

    notes_names = {m: f"notes_{m}" for m in _MEASURES.values()}
    meta = pl.DataFrame(
        {
            "_var": [table.col(v.index) for v in value_cols],
            "_col": [v.index for v in value_cols],
            "column": [v.header for v in value_cols],
            "measure": [v.measure for v in value_cols],
            "qualifier": [v.qualifier for v in value_cols],
            "unit": [v.unit for v in value_cols],
            "unit_factor_t": [WORLD_UNITS[v.unit][1] for v in value_cols],
            "year": [v.year for v in value_cols],
            "header_estimate": [v.is_estimate for v in value_cols],
        },
        schema_overrides={
            "_col": pl.Int32,
            "qualifier": pl.String,
            "unit_factor_t": pl.Float64,
            "year": pl.Int16,
        },
    )
    wide = body.select(
        pl.col("line"),
        pl.col(table.col(country_i)).alias("country_raw"),
        normalise_space(pl.col(table.col(type_i))).alias("type"),
        *[
            (
                _trimmed(pl.col(table.col(notes_of[m])))
                if m in notes_of
                else pl.lit(None, dtype=pl.String)
            ).alias(notes_names[m])
            for m in _MEASURES.values()
        ],
        *[pl.col(table.col(v.index)) for v in value_cols],
    )
    long = (
        wide.unpivot(
            on=[table.col(v.index) for v in value_cols],
            index=["line", "country_raw", "type", *notes_names.values()],
            variable_name="_var",
            value_name="value_text",
        )
        .join(meta, on="_var", how="left")
        .with_columns(
            value_text=_trimmed(pl.col("value_text")),
            notes=pl.coalesce(
                pl.when(pl.col("measure") == m).then(pl.col(n)) for m, n in notes_names.items()
            ),
        )
    )
    long = long.sort("line", "_col")
    tonnes = {unit: factor for unit, (_, factor) in WORLD_UNITS.items()}
    long = _classify_cells(long, name, tonnes)
    _check_world_values(long, name)
    return long.with_columns(
        edition=pl.lit(edition, dtype=pl.Int16),
        commodity_code=pl.lit(code),
        file=pl.lit(name),
        country=clean_name(pl.col("country_raw")),
        is_estimate=pl.col("header_estimate") | (pl.col("value_flag") == "e").fill_null(False),
    ).select([pl.col(c).cast(t) for c, t in WORLD_SCHEMA.items()])


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


def _check_world_values(long: pl.DataFrame, file: str) -> None:
    """World tables hold production, capacity and reserves: never negative, never absurd."""
    tonnes = pl.col("value") * pl.col("unit_factor_t")
    limit = (
        pl.when(pl.col("measure") == "reserves")
        .then(MAX_PLAUSIBLE_RESERVES_TONNES)
        .otherwise(MAX_PLAUSIBLE_TONNES)
    )
    for bad, why in (
        (pl.col("value") < 0, "a negative quantity: production, capacity and reserves are >= 0"),
        (
            tonnes > limit,
            f"an absurd quantity (above {MAX_PLAUSIBLE_TONNES:.0e} t a year, or "
            f"{MAX_PLAUSIBLE_RESERVES_TONNES:.0e} t of reserves)",
        ),
    ):
        found = long.filter(bad.fill_null(False))
        if found.height:
            row = found.row(0, named=True)
            raise UpstreamFormatError(
                file, why, line=row["line"], column=row["column"], value=row["value_text"]
            )


def _fold_spill_over(table: _Table, empty_cols: list[int], notes_cols: list[int]) -> pl.DataFrame:
    """Append text found in header-less columns to the nearest notes column on its left.

    Two 2024 world tables have cells beyond their last header: mcs2024-barit repeats the
    reserves figures there, mcs2024-vermi has numbers in Reserves_notes and the note text one
    column further right. Neither can be re-aligned with confidence, so the stray cells are
    kept, verbatim, in the notes (joined with " | ") rather than dropped; a stray cell with no
    notes column to its left is an error.
    """
    body = table.body
    for i in empty_cols:
        filled = body.filter(pl.col(table.col(i)).str.strip_chars() != "")
        if not filled.height:
            continue
        left = [n for n in notes_cols if n < i]
        if not left:
            raise UpstreamFormatError(
                table.name,
                f"column {i + 1} has no header but holds data",
                line=int(filled["line"][0]),
                value=filled[table.col(i)][0],
            )
        target = table.col(left[-1])
        body = body.with_columns(
            pl.concat_str(
                [_trimmed(pl.col(target)), _trimmed(pl.col(table.col(i)))],
                separator=" | ",
                ignore_nulls=True,
            ).alias(target)
        )
    return body


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
    files = sorted(
        (p for p in directory.iterdir() if p.is_file() and p.name.lower().endswith(suffix)),
        key=lambda p: p.name,
    )
    if not files:
        raise UpstreamFormatError(str(directory), f"holds no *{suffix} files")
    return files


def parse_world_dir(directory: str | Path) -> pl.DataFrame:
    """All ``*_world.csv`` of one edition folder, sorted by file name, concatenated."""
    frames = [parse_world_file(p) for p in _csv_files(directory, "_world.csv")]
    return pl.concat(frames, how="vertical")


# --- salient statistics -----------------------------------------------------------------

_WORLD_HEADER = ["Source", "Country", "Type"]


class _WorldTableInSalient(UpstreamFormatError):
    """A ``*_salient.csv`` that holds a world table; :func:`parse_salient_dir` may skip it."""


def _split_salient_header(header: str) -> tuple[str, str | None]:
    """``(statistic, unit)`` of a salient header: "NIR_pct" -> ("NIR", "pct").

    Units glued to the statistic ("USprod_Minet", "Price_WO3dt", "Grade-A-Salesmcm") are
    split off when the last "_" segment does not start lower-case; a lower-case segment that
    is no known token is an odd unit kept as published ("um", "df"). Headers without a unit
    ("Exports_Total", "Price_Index", "Consump_") give unit None.
    """
    stem, sep, last = header.rpartition("_")
    if sep and (
        last in SALIENT_UNIT_MEANINGS
        or last in SALIENT_UNITS_UNINTERPRETED
        or re.match(r"^[a-z]", last)
    ):
        return stem, last
    segment = last if sep else header
    # "Consump_Reportedt" is t, "Price_WO3dt" is dt: only price columns take price units.
    is_price = header.startswith("Price") or "_Price" in header
    tokens = [t for t in SALIENT_UNIT_MEANINGS if (t in _PRICE_UNITS) == is_price]
    for token in sorted(tokens, key=len, reverse=True):
        if segment.endswith(token) and len(segment) > len(token):
            return header[: -len(token)], token
    return (stem if sep and last == "" else header), None


@dataclass(frozen=True)
class _ShiftRepair:
    """A salient file whose data rows carry one extra blank cell that shifts values right.

    Recognised by its exact published header; applied only if the cell at ``blank_column``
    (0-based) is blank on every data row, else the file has changed and parsing fails.
    """

    published_header: tuple[str, ...]
    blank_column: int
    # The header to read the values with, when the published one is wrong too.
    header: tuple[str, ...] | None
    why: str


def _fields(header_line: str) -> tuple[str, ...]:
    return tuple(header_line.split(","))


_FLUOR_2024_HEADER = _fields(
    "DataSource,Commodity,Year,USprod_Metallurgical_kt,USprod_H2SiF6_kt,Imports_Acid_kt,"
    "Imports_Metallurgical_kt,Imports_Total_Fl_kt,Imports_HF_kt,Imports_AlF3_kt,"
    "Exports_Cryolite_kt,Consump_All_kt,Price_dt,Price_Acid_dt,Employment_Metallurgical_num,"
    "NIR_Mine_pct,,,,,"
)
# The attribute labels of mcs2024-fluor_meta.xml, which match the values: with them the
# 2019-2021 rows equal those of mcs2023-fluor_salient.csv cell for cell.
_FLUOR_2024_META_HEADER = _fields(
    "DataSource,Commodity,Year,USprod_Metallurgical_kt,USprod_H2SiF6_kt,Imports_Acid_kt,"
    "Imports_Metallurgical_kt,Imports_Total_Fl_kt,Imports_HF_kt,Imports_AlF3_kt,"
    "Imports_Cryolite_kt,Exports_All_kt,Consump_kt,Price_Acid_dt,Price_Metallurgical_dt,"
    "Employment_Mine_num,NIR_pct,,,"
)
_FELDS_2024_HEADER = _fields(
    "DataSource,Commodity,Year,USprod_Feldspar_kt,Imports_Feldspar_kt,"
    "Imports_Nepheline_syenite_kt,Exports_Feldspar_kt,Consump_Feldspar_kt,"
    "Consump_Felds-plus-neph_kt,Price_Feldspar_dt,Price_Nepheline_syenite_dt,Employment_num,"
    "NIR_Feldspar_pct,NIR_Nepheline_syenite_pct,"
)

_SALIENT_REPAIRS: dict[str, _ShiftRepair] = {
    "mcs2024-fluor_salient.csv": _ShiftRepair(
        published_header=_FLUOR_2024_HEADER,
        blank_column=3,
        header=_FLUOR_2024_META_HEADER,
        why="a blank cell before the first value, and a 13-name header over 14 values",
    ),
    "mcs2024-felds_salient.csv": _ShiftRepair(
        published_header=_FELDS_2024_HEADER,
        blank_column=7,
        header=None,
        why="a blank cell under Consump_Feldspar_kt pushes the last 7 values one column right",
    ),
}


def _named(header: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The header without its trailing empty names (padding is trimmed at read time)."""
    names = list(header)
    while names and names[-1] == "":
        names.pop()
    return tuple(names)


def _repair_shift(table: _Table) -> _Table:
    repair = _SALIENT_REPAIRS.get(table.name.lower())
    if repair is None or _named(table.header) != _named(repair.published_header):
        return table
    k = repair.blank_column
    cells = table.body[table.col(k)].str.strip_chars()
    if cells.is_not_null().any() and (cells.fill_null("") != "").any():
        raise UpstreamFormatError(
            table.name,
            f"known misalignment ({repair.why}) no longer matches the file: "
            f"column {k + 1} is not blank on every row",
            column=table.header[k] or None,
        )
    width = len(table.header)
    shifted = table.body.drop(table.col(k)).rename(
        {table.col(j): table.col(j - 1) for j in range(k + 1, width)}
    )
    shifted = shifted.with_columns(
        pl.lit(None, dtype=pl.String).alias(table.col(width - 1))
    ).select([table.col(j) for j in range(width)] + ["line"])
    # Only the values move; the header stays, unless it is itself wrong (fluor).
    header, raw = table.header, table.raw_header
    if repair.header is not None:
        names = _named(repair.header)
        header = raw = [*names, *[""] * (width - len(names))]
    return _Table(name=table.name, header=header, raw_header=raw, body=shifted)


def parse_salient_file(path: str | Path) -> pl.DataFrame:
    """One MCS salient-statistics table as a long table; columns as :data:`SALIENT_SCHEMA`.

    One row per (data row x statistic column); fully empty rows and header-less empty
    columns are skipped. ``is_estimate`` is true when the year is printed with an "e"
    ("2023e") or the cell carries the "e" marker ("e150"); the 2023/2024 CSVs do not mark
    estimated years (their FGDC metadata says, per attribute, which years are estimated).
    A file holding a world table instead (Source, Country, Type header: mcs2024 gypsu and
    kyani) raises :class:`UpstreamFormatError`, as do missing columns and unknown cell text.
    """
    path = Path(path)
    edition, code = _file_parts(path, "salient")
    table = _repair_shift(_read_table(path))
    name, header = table.name, table.header
    if header[:3] == _WORLD_HEADER:
        raise _WorldTableInSalient(
            name, "holds a world production table (Source, Country, Type), not salient statistics"
        )
    for required in ("DataSource", "Commodity", "Year"):
        if required not in header:
            raise UpstreamFormatError(name, "required column is missing", line=1, column=required)
    ds_i, com_i, year_i = (header.index(c) for c in ("DataSource", "Commodity", "Year"))
    fixed = {ds_i, com_i, year_i}
    stat_cols = [i for i, h in enumerate(header) if i not in fixed and h != ""]
    _check_empty_columns(table, [i for i, h in enumerate(header) if i not in fixed and h == ""])
    if not stat_cols:
        raise UpstreamFormatError(name, "no statistic columns after DataSource, Commodity, Year")

    body = table.body.with_columns(year_text=_trimmed(pl.col(table.col(year_i))))
    bad_year = body.filter(
        pl.col("year_text").is_null() | ~pl.col("year_text").str.contains(_YEAR_RE.pattern)
    )
    if bad_year.height:
        raise UpstreamFormatError(
            name,
            "Year is not a four-digit year (optionally followed by 'e')",
            line=int(bad_year["line"][0]),
            column="Year",
            value=bad_year["year_text"][0],
        )

    split = [_split_salient_header(header[i]) for i in stat_cols]
    meta = pl.DataFrame(
        {
            "_var": [table.col(i) for i in stat_cols],
            "column": [table.raw_header[i] for i in stat_cols],
            "column_number": [i + 1 for i in stat_cols],
            "statistic": [st for st, _ in split],
            "unit": [u for _, u in split],
            "unit_meaning": [SALIENT_UNIT_MEANINGS.get(u or "") for _, u in split],
        },
        schema_overrides={
            "column_number": pl.Int16,
            "unit": pl.String,
            "unit_meaning": pl.String,
        },
    )
    long = (
        body.select(
            "line",
            normalise_space(pl.col(table.col(ds_i))).alias("data_source"),
            normalise_space(pl.col(table.col(com_i))).alias("commodity"),
            "year_text",
            *[table.col(i) for i in stat_cols],
        )
        .unpivot(
            on=[table.col(i) for i in stat_cols],
            index=["line", "data_source", "commodity", "year_text"],
            variable_name="_var",
            value_name="value_text",
        )
        .join(meta, on="_var", how="left")
        .with_columns(value_text=_trimmed(pl.col("value_text")))
    )
    long = long.sort("line", "column_number")
    tonnes: dict[str, float | None] = {"t": 1.0, "kt": 1e3, "mmt": 1e6, "kg": 1e-3}
    long = _classify_cells(long, name, tonnes)
    year_parts = pl.col("year_text").str.extract_groups(_YEAR_RE.pattern)
    return long.with_columns(
        edition=pl.lit(edition, dtype=pl.Int16),
        commodity_code=pl.lit(code),
        file=pl.lit(name),
        year=year_parts.struct.field("1").cast(pl.Int16),
        is_estimate=(year_parts.struct.field("2") == "e")
        | (pl.col("value_flag") == "e").fill_null(False),
    ).select([pl.col(c).cast(t) for c, t in SALIENT_SCHEMA.items()])


def parse_salient_dir(directory: str | Path) -> pl.DataFrame:
    """All ``*_salient.csv`` of one edition folder, sorted by file name, concatenated.

    A salient file that holds a world table (mcs2024 cobal, gypsu and kyani: USGS uploaded
    the world table under the salient name; gypsu and kyani byte for byte, cobal an earlier
    draft with wrong year labels) is skipped when the commodity's own world table exists in
    ``../world``, which :func:`parse_world_dir` reads; without one it raises. The 2023
    release's ``.xlsx`` salient files (quartz, stond) are not CSV and are not read.
    """
    frames = []
    for path in _csv_files(directory, "_salient.csv"):
        try:
            frames.append(parse_salient_file(path))
        except _WorldTableInSalient:
            stem = path.name[: -len("_salient.csv")]
            if not (path.parent.parent / "world" / f"{stem}_world.csv").is_file():
                raise
    return pl.concat(frames, how="vertical")


# --- MCS 2026 tidy CSVs -----------------------------------------------------------------

_TRUE_FALSE = {"true": True, "false": False}
# The tidy CSVs print plain numbers only; anything else (e.g. "1,000") is an error.
_PLAIN_NUMBER = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"


def _parse_tidy(
    path: str | Path,
    columns: dict[str, pl.DataType],
    *,
    key: tuple[str, ...] = (),
    non_negative: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Type a tidy CSV: every published column kept (unknown ones as text), plus file, line.

    ``key``: columns that identify a row (a repeated key is an error); ``non_negative``:
    quantity columns that may not be negative.
    """
    path = Path(path)
    table = _read_table(path)
    name, header = table.name, table.header
    for required in columns:
        if required not in header:
            raise UpstreamFormatError(name, "required column is missing", line=1, column=required)
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise UpstreamFormatError(name, "column header appears twice", line=1, column=h)
        seen.add(h)
    empties = [i for i, h in enumerate(header) if h == ""]
    _check_empty_columns(table, empties)
    out = table.body.select(
        [pl.col(table.col(i)).alias(h) for i, h in enumerate(header) if h != ""] + ["line"]
    )
    typed = []
    for h in out.columns:
        if h == "line":
            continue
        dtype = columns.get(h, pl.String())
        typed.append(_typed_column(out, name, h, dtype))
    frame = out.with_columns(typed)
    if key:
        _refuse_repeated_rows(frame.select("line", *key), name, list(key))
    for column in non_negative:
        negative = frame.filter(pl.col(column) < 0)
        if negative.height:
            raise UpstreamFormatError(
                name,
                "a negative quantity",
                line=int(negative["line"][0]),
                column=column,
                value=str(negative[column][0]),
            )
    return frame.with_columns(file=pl.lit(name)).select(
        [h for h in out.columns if h != "line"] + ["file", "line"]
    )


def _typed_column(df: pl.DataFrame, file: str, column: str, dtype: pl.DataType) -> pl.Series:
    if dtype == pl.String():
        return df[column]
    text = pl.col(column).str.strip_chars()
    text = pl.when(text == "").then(None).otherwise(text)
    if dtype == pl.Boolean():
        typed = text.str.to_lowercase().replace_strict(
            _TRUE_FALSE, default=None, return_dtype=pl.Boolean
        )
    elif dtype == pl.Int16():
        typed = pl.when(text.str.contains(r"^[0-9]{4}$")).then(text.cast(pl.Int16, strict=False))
    else:
        typed = pl.when(text.str.contains(_PLAIN_NUMBER)).then(text.cast(pl.Float64, strict=False))
    checked = df.select(
        "line", pl.col(column).alias("raw"), text.alias("text"), typed.alias("typed")
    )
    bad = checked.filter(pl.col("text").is_not_null() & pl.col("typed").is_null())
    if bad.height:
        raise UpstreamFormatError(
            file,
            f"not a valid {dtype}",
            line=int(bad["line"][0]),
            column=column,
            value=bad["raw"][0],
        )
    return checked["typed"].alias(column)


def parse_mcs2026_world(path: str | Path) -> pl.DataFrame:
    """``mcs2026/world_production_reserves.csv`` typed as :data:`MCS2026_WORLD_COLUMNS`.

    Quantities not negative. A repeated key is left to the clean tables' unique-key checks,
    which name the file and both lines.
    """
    return _parse_tidy(
        path, MCS2026_WORLD_COLUMNS, non_negative=("production", "reserves", "capacity")
    )


def parse_mcs2026_salient(path: str | Path) -> pl.DataFrame:
    """``mcs2026/us_salient.csv`` typed as :data:`MCS2026_SALIENT_COLUMNS`.

    One row per commodity, year and statistic (values may be negative: stock changes).
    """
    return _parse_tidy(path, MCS2026_SALIENT_COLUMNS, key=("commodity", "year", "statistic"))


#: The shares of one commodity, period and category are integers that USGS rounds one by one,
#: so their sum may pass 100 by up to half a point per partner listed.
SHARE_ROUNDING_PER_ROW = 0.5


def parse_mcs2026_import_sources(path: str | Path) -> pl.DataFrame:
    """``mcs2026/us_import_sources.csv`` typed as :data:`MCS2026_IMPORT_SOURCES_COLUMNS`.

    Each ``share_pct`` is a percentage (0-100), one row per commodity, period, category and
    partner, and the shares of a category sum to at most 100 (plus rounding, see
    :data:`SHARE_ROUNDING_PER_ROW`).
    """
    frame = _parse_tidy(
        path,
        MCS2026_IMPORT_SOURCES_COLUMNS,
        key=("commodity", "period", "category", "partner_country"),
        non_negative=("share_pct",),
    )
    name = Path(path).name
    over = frame.filter(pl.col("share_pct") > 100)
    if over.height:
        raise UpstreamFormatError(
            name,
            "a share above 100%",
            line=int(over["line"][0]),
            column="share_pct",
            value=str(over["share_pct"][0]),
        )
    group = ["commodity", "period", "category"]
    sums = (
        frame.group_by(group, maintain_order=True)
        .agg(
            pl.col("share_pct").sum().alias("total"),
            pl.len().alias("rows"),
            pl.col("line").max().alias("last_line"),
        )
        .filter(pl.col("total") > 100 + SHARE_ROUNDING_PER_ROW * pl.col("rows"))
    )
    if sums.height:
        row = sums.row(0, named=True)
        raise UpstreamFormatError(
            name,
            f"the shares of {row['commodity']} / {row['category']} ({row['period']}) sum to "
            f"{row['total']:g}%, more than 100% plus rounding",
            line=row["last_line"],
            column="share_pct",
            value=f"{row['total']:g}",
        )
    return frame
