"""USGS MCS 2023/2024 salient statistics (``mcs<edition>-<code>_salient.csv``): US production,
trade, consumption, prices and employment by year, one output row per data row and value
column, as published.

Each header is a statistic with a unit token (``USprod_t``, ``Price_dlb``; see
:data:`~transforms.parsers.usgs.common.SALIENT_UNIT_MEANINGS`); files whose header is shifted
by a known publication error are repaired by name, and a world table saved under a salient
file name is recognised (:func:`parse_salient_dir` may skip it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._text import normalise_space
from transforms.parsers.usgs.common import (
    _PRICE_UNITS,
    _YEAR_RE,
    ORIGIN_SCHEMA,
    SALIENT_UNIT_MEANINGS,
    SALIENT_UNITS_UNINTERPRETED,
    _check_empty_columns,
    _csv_files,
    _finish,
    _open_mcs_file,
    _refuse_rows,
    _Table,
    _trimmed,
    _value_cells,
)

SALIENT_SCHEMA: dict[str, pl.DataType] = {
    **ORIGIN_SCHEMA,
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
    edition, code, table = _open_mcs_file(path, "salient")
    table = _repair_shift(table)
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
    _refuse_rows(
        bad_year,
        name,
        "Year is not a four-digit year (optionally followed by 'e')",
        column="Year",
        value="year_text",
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
    wide = body.select(
        "line",
        normalise_space(pl.col(table.col(ds_i))).alias("data_source"),
        normalise_space(pl.col(table.col(com_i))).alias("commodity"),
        "year_text",
        *[table.col(i) for i in stat_cols],
    )
    tonnes: dict[str, float | None] = {"t": 1.0, "kt": 1e3, "mmt": 1e6, "kg": 1e-3}
    long = _value_cells(wide, [table.col(i) for i in stat_cols], meta, "column_number", name, tonnes)
    year_parts = pl.col("year_text").str.extract_groups(_YEAR_RE.pattern)
    return _finish(
        long,
        SALIENT_SCHEMA,
        edition=edition,
        code=code,
        file=name,
        year=year_parts.struct.field("1").cast(pl.Int16),
        is_estimate=(year_parts.struct.field("2") == "e")
        | (pl.col("value_flag") == "e").fill_null(False),
    )


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
