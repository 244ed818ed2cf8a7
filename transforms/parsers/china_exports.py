"""Read the monthly Chinese export extract (UN Comtrade, China as reporter) and its HS map.

``trade-extra/china_exports_hs6_monthly_2017_2024.csv`` (extracted by
qennis/ChinaCriticalMineralComtrade): ``period_dt,partner_name,hs6,val,qty,uv``, one row per
month, partner and HS6 code, 2017-01 to 2024-12; partners are **English names**, not codes
("USA", "UAE", "South Korea", "Hong Kong"); ``val`` is USD, ``qty`` kilograms, ``uv`` their
ratio — ``inf`` where ``qty`` is 0 (the quantity was not reported, the value was).
:func:`parse_china_exports` returns

    month Date (the first of the month), partner_name, hs6, value_usd Float64, quantity_kg
    Float64, unit_value Float64 (null where the file has ``inf``), file, line.

``china_exports_hs_map.csv`` (``hs6,material,group,notes``; despite its header the codes are
China's 8-digit national lines) tells which lines stand behind each six-digit group:
:func:`parse_china_hs_map` returns hs8, hs6 (its first six digits), material, group, notes,
file, line.

Refused with file, line and column: anything :func:`read_csv_rows` refuses, a wrong header, a
period that is not the first of a month, an HS code of the wrong length, a value or quantity
that is not a non-negative number, a unit value other than ``inf`` where the quantity is 0.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.metadata import dtypes
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._rows import append_row, empty_columns
from transforms.parsers._values import non_negative

CHINA_EXPORTS_FILE = "china_exports_hs6_monthly_2017_2024.csv"
CHINA_HS_MAP_FILE = "china_exports_hs_map.csv"
CHINA_EXPORTS_HEADER = ("period_dt", "partner_name", "hs6", "val", "qty", "uv")
CHINA_HS_MAP_HEADER = ("hs6", "material", "group", "notes")
# The snapshot tables' columns and types are declared once, in the metadata registry.
CHINA_EXPORTS_SCHEMA: dict[str, pl.DataType] = dtypes("china_exports_hs6_monthly")
CHINA_HS_MAP_SCHEMA: dict[str, pl.DataType] = dtypes("china_exports_hs_map")
_MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-01$")
_HS6_RE = re.compile(r"^[0-9]{6}$")
_HS8_RE = re.compile(r"^[0-9]{8}$")


def parse_china_exports(path: Path | str) -> pl.DataFrame:
    """The monthly export extract as a typed table (see module)."""
    path = Path(path)
    table = read_csv_file(path, check_header=check_exact_header(path.name, CHINA_EXPORTS_HEADER))
    out = empty_columns(CHINA_EXPORTS_SCHEMA)
    for row, line in zip(table.rows, table.lines, strict=True):
        period, partner, hs6, val, qty, uv = (cell.strip() for cell in row)
        match = _MONTH_RE.match(period)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise UpstreamFormatError(
                path.name,
                "period is not the first of a month (YYYY-MM-01)",
                line=line,
                column="period_dt",
                value=period,
            )
        if not _HS6_RE.match(hs6):
            raise UpstreamFormatError(
                path.name, "not a six-digit HS code", line=line, column="hs6", value=hs6
            )
        if not partner:
            raise UpstreamFormatError(
                path.name, "empty partner name", line=line, column="partner_name"
            )
        value = non_negative(val, path.name, line, "val")
        quantity = non_negative(qty, path.name, line, "qty")
        if quantity == 0:
            if uv != "inf" and not (value == 0 and uv in ("nan", "")):
                raise UpstreamFormatError(
                    path.name,
                    "quantity 0 but unit value is not 'inf'",
                    line=line,
                    column="uv",
                    value=uv,
                )
            unit_value = None
        else:
            unit_value = non_negative(uv, path.name, line, "uv")
        append_row(
            out,
            month=dt.date(int(match.group(1)), int(match.group(2)), 1),
            partner_name=partner,
            hs6=hs6,
            value_usd=value,
            quantity_kg=quantity,
            unit_value=unit_value,
            file=path.name,
            line=line,
        )
    return pl.DataFrame(out, schema=CHINA_EXPORTS_SCHEMA)


def parse_china_hs_map(path: Path | str) -> pl.DataFrame:
    """China's 8-digit lines behind the extract's HS6 groups (see module)."""
    path = Path(path)
    table = read_csv_file(path, check_header=check_exact_header(path.name, CHINA_HS_MAP_HEADER))
    rows = []
    for row, line in zip(table.rows, table.lines, strict=True):
        hs8, material, group, notes = (cell.strip() for cell in row)
        if not _HS8_RE.match(hs8):
            raise UpstreamFormatError(
                path.name, "not an 8-digit national line", line=line, column="hs6", value=hs8
            )
        rows.append((hs8, hs8[:6], material, group, notes or None, path.name, line))
    return pl.DataFrame(rows, schema=CHINA_HS_MAP_SCHEMA, orient="row")
