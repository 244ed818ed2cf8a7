"""Parsers for the USGS Mineral Commodity Summaries (MCS) files, into long tables as published.

Three inputs:

* the MCS 2023 and 2024 data releases (doi:10.5066/P9WCYUI6, doi:10.5066/P144BA54): per
  commodity ``mcs<edition>-<code>_world.csv`` (world production, capacity and reserves by
  country; :mod:`.world`) and ``..._salient.csv`` (US salient statistics by year;
  :mod:`.salient`). They are spreadsheets saved as CSV: UTF-8 byte-order marks, CRLF, trailing
  empty rows and columns, no-break spaces and footnote digits glued to names, flags (W, NA,
  XX, >75, E, ...) in numeric columns, and units that live in the header names and differ by
  file and column (:mod:`.common` holds what the two share);
* the tidy CSVs of MCS 2026 (``mcs2026/*.csv``; :mod:`.mcs2026`), which only need typing.

The world and salient parsers return one row per (data row x value column), keeping the cell
text (``value_text``), its number in the published unit (``value``) and its flag
(``value_flag``, see :data:`transforms.parsers._text.FLAG_MEANINGS`). Unit tokens are kept as
published; :data:`WORLD_UNITS` and :data:`SALIENT_UNIT_MEANINGS` say what each one means. Text
that no rule knows raises :class:`UpstreamFormatError` naming file, line and column, so a new
upstream marker cannot turn into a silent null.
"""

from transforms.parsers.usgs.common import (
    SALIENT_UNIT_MEANINGS,
    SALIENT_UNITS_UNINTERPRETED,
    WORLD_UNITS,
)
from transforms.parsers.usgs.mcs2026 import (
    MCS2026_IMPORT_SOURCES_COLUMNS,
    MCS2026_SALIENT_COLUMNS,
    MCS2026_WORLD_COLUMNS,
    SHARE_ROUNDING_PER_ROW,
    parse_mcs2026_import_sources,
    parse_mcs2026_salient,
    parse_mcs2026_world,
)
from transforms.parsers.usgs.salient import SALIENT_SCHEMA, parse_salient_dir, parse_salient_file
from transforms.parsers.usgs.world import WORLD_SCHEMA, parse_world_dir, parse_world_file

__all__ = [
    "MCS2026_IMPORT_SOURCES_COLUMNS",
    "MCS2026_SALIENT_COLUMNS",
    "MCS2026_WORLD_COLUMNS",
    "SALIENT_SCHEMA",
    "SALIENT_UNITS_UNINTERPRETED",
    "SALIENT_UNIT_MEANINGS",
    "SHARE_ROUNDING_PER_ROW",
    "WORLD_SCHEMA",
    "WORLD_UNITS",
    "parse_mcs2026_import_sources",
    "parse_mcs2026_salient",
    "parse_mcs2026_world",
    "parse_salient_dir",
    "parse_salient_file",
    "parse_world_dir",
    "parse_world_file",
]
