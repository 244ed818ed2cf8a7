"""Parsers for the USGS Mineral Commodity Summaries 2025 data release (doi:10.5066/P13XCP3R).

Two inputs, into the long tables of the 2023/2024 releases (:data:`WORLD_SCHEMA` and
:data:`SALIENT_SCHEMA` of :mod:`transforms.parsers.usgs`), so that the clean layer reads the
2025 edition like the earlier ones:

* ``world/MCS2025_World_Data.csv``: unlike 2023/2024 (one file per commodity, units in the
  header names), one file for all commodities with the unit in a ``UNIT_MEAS`` column and
  value headers such as ``PROD_EST_ 2024`` (a space inside), behind a byte-order mark.
  Commodities are named ("Iron Ore", "Gemanium" sic), not coded: :data:`COMMODITY_CODES` gives
  the code of the per-commodity files of earlier editions;
* ``salient/mcs2025-<code>_salient.csv``: 84 of the 85 files read with the 2023/2024 parser
  as they are. The odd ones: ``mcs2025-bauxi`` is headed ``Source`` instead of ``DataSource``
  and prints ``Alumina_Price_kt`` for the column its metadata calls ``Alumina_Price_dt``; and
  three file names carry a code unlike earlier editions' (``lithium``, ``rareee``, ...), see
  :data:`SALIENT_CODE_ALIASES`.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers import usgs
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._text import (
    MAX_PLAUSIBLE_RESERVES_TONNES,
    MAX_PLAUSIBLE_TONNES,
    UnknownCellText,
    clean_name,
    parse_cell,
    squash,
)
from transforms.parsers.usgs import (
    SALIENT_SCHEMA,
    SALIENT_UNIT_MEANINGS,
    WORLD_SCHEMA,
    WORLD_UNITS,
)

EDITION = 2025

WORLD_HEADER = (
    "SOURCE",
    "COMMODITY",
    "COUNTRY",
    "TYPE",
    "UNIT_MEAS",
    "PROD_2023",
    "PROD_EST_ 2024",
    "PROD_NOTES",
    "CAP_2023",
    "CAP_EST_ 2024",
    "CAP_NOTES",
    "RESERVES_2024",
    "RESERVE_NOTES",
)

#: COMMODITY of the 2025 world file (compared without case) -> code of the earlier editions'
#: ``mcs<edition>-<code>_world.csv``, so that the registry's ``usgs_types`` apply.
COMMODITY_CODES: dict[str, str] = {
    "abrasives": "abras", "aluminum": "alumi", "antimony": "antim", "arsenic": "arsen",
    "asbestos": "asbes", "barite": "barit", "bauxite": "bauxi", "beryllium": "beryl",
    "bismuth": "bismu", "boron": "boron", "bromine": "bromi", "cadmium": "cadmi",
    "cement": "cemen", "chromium": "chrom", "clays": "clays", "cobalt": "cobal",
    "copper": "coppe", "diamond (industrial)": "diamo", "diatomite": "diato",
    "feldspar": "felds", "fluorspar": "fluor", "gallium": "galli",
    "garnet (industrial)": "garne",
    "gemanium": "germa",  # sic, germanium
    "gemstones": "gemst", "gold": "gold", "graphite": "graph", "gypsum": "gypsu",
    "helium": "heliu", "indium": "indiu", "iodine": "iodin", "iron ore": "feore",
    "iron and steel": "feste", "iron oxide pigments": "fepig",
    "kyanite and related minerals": "kyani", "lead": "lead", "lime": "lime",
    "lithium": "lithi", "magnesium compounds": "mgcomp", "magnesium metal": "mgmet",
    "manganese": "manga", "mercury": "mercu", "mica (natural)": "mica",
    "molybdenum": "molyb", "nickel": "nicke", "niobium": "niobi",
    "nitrogen(fixed) - ammonia": "nitro", "peat": "peat", "perlite": "perli",
    "phosphate rock": "phosp", "platinum-group metals": "plati", "potash": "potas",
    "pumice & pumicite": "pumic", "rare earths": "raree", "rhenium": "rheni", "salt": "salt",
    "sand and gravel (industrial)": "sandi", "selenium": "selen", "silicon": "simet",
    "silver": "silve", "soda ash": "sodaa", "strontium": "stron", "sulfur": "sulfu",
    "talc and pyrophyllite": "talc", "talc, crude": "talc", "tantalum": "tanta",
    "tellurium": "tellu", "tin": "tin", "titanium & titanium dioxide": "titan",
    "titanium mineral concentrates": "timin", "tungsten": "tungs", "vanadium": "vanad",
    "vermiculite": "vermi", "wollastonite": "wolla", "zeolites (natural)": "zeoli",
    "zinc": "zinc", "zirconium and hafnium": "zirco",
}  # fmt: skip

#: UNIT_MEAS text -> unit token of :data:`transforms.parsers.usgs.WORLD_UNITS`. Dry tons are
#: metric tons of dried bauxite (the 2024 type text says "dry tons"), so "kt" as a mass.
UNIT_TOKENS: dict[str, str] = {
    "metric tons": "t",
    "thousand metric tons": "kt",
    "thousand metric dry tons": "kt",
    "million metric tons": "Mt",
    "kilograms": "kg",
    "million carats": "mct",
    "thousand carats": "kct",
    "million cubic meters": "mcm",
}

#: Salient file codes of 2025 that name a commodity differently from 2023/2024.
SALIENT_CODE_ALIASES: dict[str, str] = {
    "lithium": "lithi",  # its metadata file is mcs2025-lithi_meta.xml
    "rareee": "raree",
    "quart": "quartz",
    "stonc": "stonec",
}

# (header, measure, notes header) of each value column; the year and "EST" are in the header.
_VALUE_COLUMNS = (
    ("PROD_2023", "production", "PROD_NOTES"),
    ("PROD_EST_ 2024", "production", "PROD_NOTES"),
    ("CAP_2023", "capacity", "CAP_NOTES"),
    ("CAP_EST_ 2024", "capacity", "CAP_NOTES"),
    ("RESERVES_2024", "reserves", "RESERVE_NOTES"),
)
_HEADER_YEAR = re.compile(r"(\d{4})$")


def parse_world_2025(path: str | Path) -> pl.DataFrame:
    """``MCS2025_World_Data.csv`` as a long table; columns as :data:`WORLD_SCHEMA`.

    One row per (data row x value column) whose cell or notes hold text. ``column`` keeps the
    header as published ("PROD_EST_ 2024"); ``unit`` is the token of ``UNIT_MEAS``. Raises
    :class:`UpstreamFormatError` for a changed header, an unknown commodity or unit, a
    ``Source`` other than MCS2025, or unknown text in a value column.
    """
    path = Path(path)
    name = path.name
    rows = read_csv_file(path, check_header=check_exact_header(name, WORLD_HEADER))
    index = {h: i for i, h in enumerate(WORLD_HEADER)}
    shared = _shared_units(rows.rows, index)
    records = []
    for row, line in zip(rows.rows, rows.lines, strict=True):
        cell = {h: row[i] for h, i in index.items()}
        if squash(cell["SOURCE"]) != f"MCS{EDITION}":
            raise UpstreamFormatError(
                name,
                f"Source is not MCS{EDITION}",
                line=line,
                column="SOURCE",
                value=cell["SOURCE"],
            )
        commodity = squash(cell["COMMODITY"])
        code = COMMODITY_CODES.get(commodity.casefold())
        if code is None:
            raise UpstreamFormatError(
                name,
                "commodity without a code in COMMODITY_CODES",
                line=line,
                column="COMMODITY",
                value=commodity,
            )
        # One row (Sierra Leone rutile, line 1132) has no UNIT_MEAS: it takes the unit every
        # other row of its commodity and type has.
        unit_text = squash(cell["UNIT_MEAS"]) or shared.get((commodity, squash(cell["TYPE"])), "")
        unit = UNIT_TOKENS.get(unit_text)
        factor = WORLD_UNITS[unit][1] if unit else None
        for header, measure, notes_header in _VALUE_COLUMNS:
            text, notes = squash(cell[header]), squash(cell[notes_header])
            if not text and not notes:
                continue
            if text and unit is None:
                raise UpstreamFormatError(
                    name,
                    "a value without a known UNIT_MEAS",
                    line=line,
                    column="UNIT_MEAS",
                    value=unit_text,
                )
            try:
                value, flag = parse_cell(
                    text,
                    tonnes_per_unit=factor,
                    carats_per_unit={"mct": 1e6, "kct": 1e3}.get(unit or ""),
                )
            except UnknownCellText:
                raise UpstreamFormatError(
                    name,
                    "text in a numeric column that the parser does not know",
                    line=line,
                    column=header,
                    value=text,
                ) from None
            _check_quantity(name, line, header, text, value, factor, measure)
            year = _HEADER_YEAR.search(header)
            records.append(
                {
                    "edition": EDITION,
                    "commodity_code": code,
                    "file": name,
                    "line": line,
                    "country_raw": cell["COUNTRY"],
                    "type": squash(cell["TYPE"]) or None,
                    "column": header,
                    "measure": measure,
                    "qualifier": None,
                    "unit": unit,
                    "unit_factor_t": factor,
                    "year": int(year[1]) if year else None,
                    "is_estimate": "_EST_" in header or flag == "e",
                    "value_text": text or None,
                    "value": value,
                    "value_flag": flag,
                    "notes": notes or None,
                }
            )
    frame = pl.DataFrame(records, schema={**WORLD_SCHEMA, "country": pl.String()})
    return frame.with_columns(country=clean_name(pl.col("country_raw"))).select(
        [pl.col(c).cast(t) for c, t in WORLD_SCHEMA.items()]
    )


def _check_quantity(
    name: str,
    line: int,
    header: str,
    text: str,
    value: float | None,
    factor: float | None,
    measure: str,
) -> None:
    """Production, capacity and reserves are never negative, never beyond any real figure."""
    if value is None:
        return
    limit = MAX_PLAUSIBLE_RESERVES_TONNES if measure == "reserves" else MAX_PLAUSIBLE_TONNES
    if value < 0 or (factor is not None and value * factor > limit):
        raise UpstreamFormatError(
            name, "a negative or absurd quantity", line=line, column=header, value=text
        )


def _shared_units(rows: list[list[str]], index: dict[str, int]) -> dict[tuple[str, str], str]:
    """(commodity, type) -> UNIT_MEAS, where all the rows of that pair that give one agree."""
    units: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        key = (squash(row[index["COMMODITY"]]), squash(row[index["TYPE"]]))
        unit = squash(row[index["UNIT_MEAS"]])
        if unit:
            units.setdefault(key, set()).add(unit)
    return {key: next(iter(found)) for key, found in units.items() if len(found) == 1}


# --- salient ------------------------------------------------------------------------------

#: The headers of salient files headed "Source" (not "DataSource") that are printed wrong, with
#: the header their FGDC metadata gives: header -> (corrected header, why).
_SALIENT_HEADER_REPAIRS: dict[str, tuple[str, str]] = {
    "Alumina_Price_kt": (
        "Alumina_Price_dt",
        "mcs2025-bauxi_meta.xml: 'Alumina_Price_dt ... dollars per metric ton'; values 394-570",
    ),
}


def _parse_source_headed_salient(path: Path, code: str) -> pl.DataFrame:
    """A salient file headed ``Source,Commodity,Year`` (mcs2025-bauxi), every header ``<stat>_<unit>``."""
    name = path.name
    rows = read_csv_file(path)
    header = [h.strip() for h in rows.header]
    records = []
    for col, raw in enumerate(header[3:], start=3):
        if not raw:
            continue
        fixed = _SALIENT_HEADER_REPAIRS.get(raw, (raw, ""))[0]
        statistic, _, unit = fixed.rpartition("_")
        if unit not in SALIENT_UNIT_MEANINGS:
            raise UpstreamFormatError(
                name, "salient header without a known unit token", line=1, column=raw
            )
        for row, line in zip(rows.rows, rows.lines, strict=True):
            year_text = squash(row[2])
            if not re.fullmatch(r"\d{4}", year_text):
                raise UpstreamFormatError(
                    name, "Year is not a four-digit year", line=line, column="Year", value=row[2]
                )
            text = squash(row[col])
            try:
                value, flag = parse_cell(text)
            except UnknownCellText:
                raise UpstreamFormatError(
                    name,
                    "text in a numeric column that the parser does not know",
                    line=line,
                    column=raw,
                    value=text,
                ) from None
            records.append(
                {
                    "edition": EDITION,
                    "commodity_code": code,
                    "file": name,
                    "line": line,
                    "data_source": squash(row[0]),
                    "commodity": squash(row[1]),
                    "year": int(year_text),
                    "year_text": year_text,
                    "is_estimate": flag == "e",
                    "column": raw,
                    "column_number": col + 1,
                    "statistic": statistic,
                    "unit": unit,
                    "unit_meaning": SALIENT_UNIT_MEANINGS[unit],
                    "value_text": text or None,
                    "value": value,
                    "value_flag": flag,
                }
            )
    return pl.DataFrame(records, schema=SALIENT_SCHEMA).sort("line", "column_number")


def parse_salient_2025_file(path: str | Path) -> pl.DataFrame:
    """One MCS 2025 salient file; columns as :data:`SALIENT_SCHEMA`, code as in earlier editions."""
    path = Path(path)
    match = re.fullmatch(r"mcs2025-([a-z]+)_salient\.csv", path.name, re.IGNORECASE)
    if match is None:
        raise UpstreamFormatError(path.name, "file name is not mcs2025-<code>_salient.csv")
    code = SALIENT_CODE_ALIASES.get(match[1].lower(), match[1].lower())
    first = read_csv_file(path, check_width=False).header[:3]
    if [h.strip() for h in first] == ["Source", "Commodity", "Year"]:
        return _parse_source_headed_salient(path, code)
    return usgs.parse_salient_file(path).with_columns(commodity_code=pl.lit(code))


def parse_salient_2025_dir(directory: str | Path) -> pl.DataFrame:
    """Every ``mcs2025-*_salient.csv`` of ``directory``, sorted by file name, concatenated."""
    files = sorted(Path(directory).glob("*_salient.csv"), key=lambda p: p.name)
    if not files:
        raise UpstreamFormatError(str(directory), "holds no *_salient.csv files")
    return pl.concat([parse_salient_2025_file(p) for p in files], how="vertical")


# --- one entry point per snapshot table ---------------------------------------------------

_EDITION = re.compile(r"^mcs(\d{4})", re.IGNORECASE)
_WORLD_DATA = re.compile(r"^MCS\d{4}_World_Data\.csv$", re.IGNORECASE)


def parse_world_files(files: list[Path]) -> pl.DataFrame:
    """The ``usgs_world`` snapshot table from files of any edition: the 2025 single file
    (``MCS2025_World_Data.csv``) and the 2023/2024 per-commodity ``*_world.csv``."""
    frames = [
        parse_world_2025(f) if _WORLD_DATA.match(f.name) else usgs.parse_world_file(f)
        for f in sorted(files, key=lambda p: (p.parent.name, p.name))
    ]
    return pl.concat(frames, how="vertical")


def parse_salient_files(files: list[Path]) -> pl.DataFrame:
    """The ``usgs_salient`` snapshot table from the salient folders of any edition, one folder
    at a time (the 2024 folder's misfiled world tables are recognised per folder)."""
    frames = []
    for folder in sorted({f.parent for f in files}):
        editions = {
            m[1] for f in files if f.parent == folder for m in [_EDITION.match(f.name)] if m
        }
        parse = parse_salient_2025_dir if editions == {str(EDITION)} else usgs.parse_salient_dir
        frames.append(parse(folder))
    return pl.concat(frames, how="vertical")
