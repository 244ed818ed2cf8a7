"""USGS MCS 2023/2024 world tables (``mcs<edition>-<code>_world.csv``): production, capacity
and reserves by country, one output row per data row and value column, as published.

Units live in the header names (``Prod_t_2022``, ``Reserves_kt``; see
:data:`~transforms.parsers.usgs.common.WORLD_UNITS`); notes columns are attached to the
measure they annotate; a row that spilled over into the next columns is folded back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._text import (
    MAX_PLAUSIBLE_RESERVES_TONNES,
    MAX_PLAUSIBLE_TONNES,
    clean_name,
    normalise_space,
)
from transforms.parsers.usgs import common

# --- output schemas ---------------------------------------------------------------------

WORLD_SCHEMA: dict[str, pl.DataType] = {
    **common.ORIGIN_SCHEMA,
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
    return common._MEASURES.get(header.split("_", 1)[0].lower()) if "_" in header else None


def _is_notes_header(header: str) -> bool:
    parts = header.split("_")
    return len(parts) == 2 and parts[1].lower() in ("notes", "note")


def _value_column(file: str, index: int, header: str) -> _ValueColumn:
    """Read e.g. Prod_kt_Est_2023, Cap_Sponge_t_2022, Reserves_ore_K2O_equiv_kt."""
    tokens = header.split("_")
    measure = common._MEASURES[tokens[0].lower()]
    rest = tokens[1:]
    year = int(rest.pop()) if rest and re.fullmatch(r"\d{4}", rest[-1]) else None
    is_estimate = bool(rest) and rest[-1].lower() == "est"
    if is_estimate:
        rest.pop()
    if not rest or rest[-1] not in common.WORLD_UNITS:
        token = rest[-1] if rest else ""
        raise UpstreamFormatError(
            file,
            f"value column header has no known unit token (got {token!r}; known: "
            f"{', '.join(common.WORLD_UNITS)})",
            line=1,
            column=header,
        )
    unit = rest.pop()
    return _ValueColumn(index, header, measure, "_".join(rest) or None, unit, year, is_estimate)


def _find_type_column(table: common._Table, country_i: int, claimed: set[int]) -> int:
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
    table: common._Table, value_cols: list[_ValueColumn], notes_cols: dict[int, str]
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
    edition, code, table = common._open_mcs_file(path, "world")
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
            notes_cols[i] = common._MEASURES[h.split("_", 1)[0].lower()]
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
    common._refuse_rows(no_country, name, "data row without a country", column="Country")
    if source_i is not None:
        common._check_source(table, source_i, edition)

    notes_names = {m: f"notes_{m}" for m in common._MEASURES.values()}
    meta = pl.DataFrame(
        {
            "_var": [table.col(v.index) for v in value_cols],
            "_col": [v.index for v in value_cols],
            "column": [v.header for v in value_cols],
            "measure": [v.measure for v in value_cols],
            "qualifier": [v.qualifier for v in value_cols],
            "unit": [v.unit for v in value_cols],
            "unit_factor_t": [common.WORLD_UNITS[v.unit][1] for v in value_cols],
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
                common._trimmed(pl.col(table.col(notes_of[m])))
                if m in notes_of
                else pl.lit(None, dtype=pl.String)
            ).alias(notes_names[m])
            for m in common._MEASURES.values()
        ],
        *[pl.col(table.col(v.index)) for v in value_cols],
    )
    tonnes = {unit: factor for unit, (_, factor) in common.WORLD_UNITS.items()}
    long = common._value_cells(wide, [table.col(v.index) for v in value_cols], meta, "_col", name, tonnes)
    long = long.with_columns(
        notes=pl.coalesce(
            pl.when(pl.col("measure") == m).then(pl.col(n)) for m, n in notes_names.items()
        ),
    )
    _check_world_values(long, name)
    return common._finish(
        long,
        WORLD_SCHEMA,
        edition=edition,
        code=code,
        file=name,
        country=clean_name(pl.col("country_raw")),
        is_estimate=pl.col("header_estimate") | (pl.col("value_flag") == "e").fill_null(False),
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
            f"an absurd quantity (above {MAX_PLAUSIBLE_TONNES:,.0f} t a year, or "
            f"{MAX_PLAUSIBLE_RESERVES_TONNES:,.0f} t of reserves)",
        ),
    ):
        found = long.filter(bad.fill_null(False))
        if found.height:
            row = found.row(0, named=True)
            raise UpstreamFormatError(
                file, why, line=row["line"], column=row["column"], value=row["value_text"]
            )


def _fold_spill_over(table: common._Table, empty_cols: list[int], notes_cols: list[int]) -> pl.DataFrame:
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
            common._refuse_rows(
                filled,
                table.name,
                f"column {i + 1} has no header but holds data",
                value=table.col(i),
            )
        target = table.col(left[-1])
        body = body.with_columns(
            pl.concat_str(
                [common._trimmed(pl.col(target)), common._trimmed(pl.col(table.col(i)))],
                separator=" | ",
                ignore_nulls=True,
            ).alias(target)
        )
    return body


def parse_world_dir(directory: str | Path) -> pl.DataFrame:
    """All ``*_world.csv`` of one edition folder, sorted by file name, concatenated."""
    frames = [parse_world_file(p) for p in common._csv_files(directory, "_world.csv")]
    return pl.concat(frames, how="vertical")
