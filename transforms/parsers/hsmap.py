"""Read the raw-material -> HS92 code map (``reference/hs_code_map_scrreen.csv``).

Compiled in GeoPolRisk-py's open data from the EU SCRREEN factsheets: one row per World Mining
Data commodity (``Sheet_name`` is the WMD commodity name) with its supply-chain stage, end-of-life
recycling input rate (EoL-RIR 2023), the main HS92 code and optional complementary codes.
:func:`parse_hs_map` returns every column in snake_case, one row per record:

    sheet_name, category_wmd, reference_id, supply_chain_stage, symbol, geology, reference,
    eol_rir_2023 Float64, hs_code_complementary (as published), hs_codes_complementary
    List[Utf8] (parsed, 6-char), hs_code Utf8 (6-char, null when the cell is not a code),
    hs_code_flag (the published text when it is not a code, e.g. "Not Available"),
    description, file, line Int32 (the line the record starts on).

Quirks kept: the Geology cells span several physical lines (bare LF inside quotes, records end
with CRLF), so ``line`` counts physical lines, not records; 12 commodities have ``HS Code``
"Not Available" (Diamonds, Gallium, Indium, Rhenium, Potash, Salt, ...) and several have
"Not Available" or empty Geology/Reference; complementary codes are ``;``-separated
(``250830;250840``); the same code can serve two commodities (270112 is Coking Coal's code and one
of Steam Coal's complementary codes); ``Diamonds (Gem)`` and ``Diamonds (Ind)`` share
``reference_id`` "Diamonds"; EoL-RIR is 0.0 both for "measured zero" and for rows without a
factsheet, as published.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import check_exact_header, read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE
from transforms.parsers._values import FLOAT_RE

HS_MAP_HEADER: tuple[str, ...] = (
    "Sheet_name",
    "Category - WMD",
    "Reference ID",
    "Supply Chain Stage",
    "Symbol",
    "Geology",
    "Reference",
    "EoL-RIR (2023)",
    "HS Code - Complementary",
    "HS Code",
    "Description",
)

HS_CODE_FLAGS: frozenset[str] = frozenset({"Not Available"})
"""Texts published in the HS code columns instead of a code."""

HS_MAP_SCHEMA: dict[str, pl.DataType] = {
    "sheet_name": pl.Utf8(),
    "category_wmd": pl.Utf8(),
    "reference_id": pl.Utf8(),
    "supply_chain_stage": pl.Utf8(),
    "symbol": pl.Utf8(),
    "geology": pl.Utf8(),
    "reference": pl.Utf8(),
    "eol_rir_2023": pl.Float64(),
    "hs_code_complementary": pl.Utf8(),
    "hs_codes_complementary": pl.List(pl.Utf8()),
    "hs_code": pl.Utf8(),
    "hs_code_flag": pl.Utf8(),
    "description": pl.Utf8(),
    **LINE_PROVENANCE,
}

_CODE_RE = re.compile(r"^[0-9]{4,6}$")


def snake_case(name: str) -> str:
    """``EoL-RIR (2023)`` -> ``eol_rir_2023``; ``Category - WMD`` -> ``category_wmd``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _hs_code(cell: str, file: str, line: int, column: str) -> tuple[str | None, str | None]:
    """(6-char code, None) for a code; (None, flag) for a known flag; null pair for a blank."""
    text = cell.strip()
    if text == "":
        return None, None
    if _CODE_RE.match(text):
        # Spreadsheets drop the leading zero of chapters 01-09; restore it.
        return text.zfill(6), None
    if text in HS_CODE_FLAGS:
        return None, text
    raise UpstreamFormatError(
        file, "not an HS code (4-6 digits) nor a known flag", line=line, column=column, value=cell
    )


def parse_hs_map(path: Path | str) -> pl.DataFrame:
    """The SCRREEN raw-material -> HS92 map, every column kept (see module docstring)."""
    path = Path(path)
    name = path.name
    table = read_csv_file(path, check_header=check_exact_header(name, HS_MAP_HEADER))
    columns = [snake_case(h) for h in HS_MAP_HEADER]
    out: dict[str, list] = {c: [] for c in HS_MAP_SCHEMA}
    for row, line in zip(table.rows, table.lines, strict=True):
        cells = dict(zip(columns, row, strict=True))
        for col in ("sheet_name", "category_wmd", "reference_id", "supply_chain_stage", "symbol"):
            out[col].append(cells[col].strip() or None)
        # Long texts are kept verbatim (line breaks included); only an empty cell becomes null.
        for col in ("geology", "reference", "description"):
            out[col].append(cells[col] if cells[col].strip() else None)

        eol = cells["eol_rir_2023"].strip()
        if eol == "":
            out["eol_rir_2023"].append(None)
        elif FLOAT_RE.match(eol) and math.isfinite(float(eol)) and 0.0 <= float(eol) <= 1.0:
            out["eol_rir_2023"].append(float(eol))
        else:
            raise UpstreamFormatError(
                name,
                "EoL-RIR is not a rate between 0 and 1",
                line=line,
                column="EoL-RIR (2023)",
                value=eol,
            )

        main = cells["hs_code"]
        if ";" in main or "," in main:
            raise UpstreamFormatError(
                name,
                "HS Code holds several codes; only HS Code - Complementary may",
                line=line,
                column="HS Code",
                value=main,
            )
        code, flag = _hs_code(main, name, line, "HS Code")
        out["hs_code"].append(code)
        out["hs_code_flag"].append(flag)

        extra = cells["hs_code_complementary"]
        parsed: list[str] = []
        for part in re.split(r"[;,]", extra):
            if not part.strip():
                continue
            part_code, part_flag = _hs_code(part, name, line, "HS Code - Complementary")
            if part_code is not None:
                parsed.append(part_code)
            elif part_flag is not None and extra.strip() != part_flag:
                raise UpstreamFormatError(
                    name,
                    "a flag mixed with codes",
                    line=line,
                    column="HS Code - Complementary",
                    value=extra,
                )
        out["hs_code_complementary"].append(extra.strip() or None)
        out["hs_codes_complementary"].append(parsed)
        out["file"].append(name)
        out["line"].append(line)
    return pl.DataFrame(out, schema=HS_MAP_SCHEMA)
