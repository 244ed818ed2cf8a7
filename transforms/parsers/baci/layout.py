"""BACI's trade-table layout and the records the other modules share.

The six columns ``t,i,j,k,v,q``, the output schema, the plausibility limits, the regular
expressions a value must match, and the small records that name a trade table
(:class:`BaciSource`), BACI's code sets (:class:`BaciCodeTables`) and what a row check needs
(:class:`Checks`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

BACI_COLUMNS: tuple[str, ...] = ("t", "i", "j", "k", "v", "q")
"""BACI's own header, in order."""

BACI_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int16(),
    "exporter_code": pl.Int32(),
    "importer_code": pl.Int32(),
    "hs6": pl.Utf8(),
    "value_kusd": pl.Float64(),
    "quantity_t": pl.Float64(),
    "file": pl.Utf8(),
}
"""Output schema of :func:`scan_baci` and :func:`read_baci`."""

# BACI writes a missing quantity as NA (right-aligned with spaces in the official per-year files);
# the project's subset leaves it blank. Both mean "no quantity reported", never zero.
QUANTITY_MISSING = ("", "NA")

MAX_QUANTITY_T = 1e10
"""A flow heavier than this (10 Gt, more than all the coal mined on Earth in a year) is a
corrupt figure, not trade. The largest real flow, Australian iron ore to China, is ~0.75 Gt."""
MAX_VALUE_KUSD = 1e9
"""A flow worth more than this (USD 1 trillion for one product between two economies in a year)
is a corrupt figure: the largest real flows are near USD 0.1 trillion."""

KEY_COLUMNS = ("year", "exporter_code", "importer_code", "hs6")
"""BACI publishes one row per year, exporter, importer and product."""

_COLUMN_LABEL = {
    "t": "t (year)",
    "i": "i (exporter)",
    "j": "j (importer)",
    "k": "k (HS6 product)",
    "v": "v (value, thousand USD)",
    "q": "q (quantity, t)",
}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
# HS6 codes are digits that may have lost leading zeros; BACI also publishes a legacy non-WCO
# code of six letters and digits (9999AA, "commodities not specified") which is kept as is.
_HS6_PATTERN = r"^([0-9]{1,6}|[0-9A-Z]{6})$"
_HS6_RE = re.compile(_HS6_PATTERN)
_NUM = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# A row that matches this is well formed (non-negative numbers, codes within Int16/Int32
# range); the second pass still checks its bounds, codes and key, but skips the field parsing.
_GOOD_ROW_RE = re.compile(  # ASCII only: \d would take any script's digits
    rf"^ *(\d{{1,4}}) *, *(\d{{1,9}}) *, *(\d{{1,9}}) *, *(\d{{1,6}}|[0-9A-Z]{{6}}) *, *({_NUM}) *,"
    rf" *({_NUM}|NA)? *$",
    re.ASCII,
)
_YEAR_IN_NAME = re.compile(r"_Y(\d{4})_")
FIRST_TRADE_YEAR, LAST_TRADE_YEAR = 1988, 2035
"""BACI's years: HS codes exist from 1988 (BACI HS92 starts in 1995), and no release reaches a
decade past its publication; a year outside is a corrupt cell, refused with its line (a year
2099 would otherwise become a trade partition of its own)."""
_INT_RANGE = {"t": (FIRST_TRADE_YEAR, LAST_TRADE_YEAR), "i": (-(2**31), 2**31 - 1), "j": (-(2**31), 2**31 - 1)}
# What the CSV reader parses itself; k stays text (leading zeros, 9999AA) and so does q (NA).
_READ_SCHEMA = {
    "t": pl.Int16(),
    "i": pl.Int32(),
    "j": pl.Int32(),
    "k": pl.Utf8(),
    "v": pl.Float64(),
    "q": pl.Utf8(),
}
_TRADE_SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class BaciSource:
    """One BACI trade table: a CSV, CSV.gz or Parquet file, or a CSV member of a release zip."""

    name: str
    """Name used in the ``file`` column and in errors (``release.zip/member.csv`` for members)."""
    path: Path
    """The file on disk (for a zip member: the zip)."""
    member: str | None = None
    """The member name inside the zip, if any."""

    @property
    def year(self) -> int | None:
        """The year in a per-year file name (``..._Y2022_...``), else None."""
        m = _YEAR_IN_NAME.search(self.name.rsplit("/", 1)[-1])
        return int(m.group(1)) if m else None

    @property
    def is_parquet(self) -> bool:
        return (self.member or self.path.name).lower().endswith(".parquet")


@dataclass(frozen=True)
class BaciCodeTables:
    """BACI's country and product code tables, as the sets of codes a trade table may use."""

    countries: frozenset[int]
    products: frozenset[str]
    countries_file: str
    products_file: str


BaciPaths = Iterable[Path | str] | Path | str
"""What the readers take: BACI trade tables, release zips or folders of them, one or several."""

CodeTablesOption = BaciCodeTables | Literal["auto"] | None
"""The code tables a reader checks i/j/k against: found next to the files ("auto"), given, or
none (no check)."""


class BaciBatchProblem(Exception):
    """Raised inside a polars batch guard; turned into an UpstreamFormatError by a second pass."""


@dataclass(frozen=True)
class Checks:
    """What the row checks need besides the row: the filter and the code tables."""

    hs6_filter: frozenset[str] | None = None
    codes: BaciCodeTables | None = None


TableData = Path | bytes
"""Where a trade table's bytes are read from: its file on disk, or a zip member held in memory
(a parser manages no temporary folders; a caller that wants members on disk passes a folder)."""
