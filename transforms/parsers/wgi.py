"""Read the World Bank WGI "Political Stability and Absence of Violence/Terrorism" files.

Three wide files share one layout, ``Country/Territory,Code,1996,1998,2000,2002,...,2024,country_code``:
``wgi_political_stability_estimate.csv`` (-2.5 weak .. 2.5 strong), ``..._stderr.csv`` and
``..._normalized.csv``. :func:`parse_wgi` joins them line by line into one long table:

    wb_code (the ISO3-like Code, as published), country_name, country_code Int32 (the numeric
    code the compiler attached, BACI-style: 328 Guyana, 849 US Misc. Pacific Isds; null where the
    file says NA), year Int16, estimate Float64, stderr Float64, normalized Float64, file, line.

What the files hold, and the rules kept here:

- Years are 1996, 1998, 2000 and 2002-2024: the WGI was biennial before 2002, so 1997, 1999 and
  2001 are absent (not missing values). No year is invented.
- Missing values are written ``nan`` (and ``None`` for US Misc. Pacific Isds in 2023-2024); both
  become null.
- ``normalized`` is ``(2.5 - estimate) / 5`` clipped to [0, 1]: a *risk* score, 0 most stable,
  1 least (72 values of estimates below -2.5 sit at 1.0). Where the estimate is missing the file
  has ``0.0`` for most economies (170 cells; ``nan`` for the other 53), which would read as "most
  stable". Rule: ``normalized`` is null wherever ``estimate`` is null.
- ``GUY`` appears twice (lines 81 and 83) with different series up to 2022 and equal 2023-2024
  values; line 81's positive series looks like another territory (probably French Guiana) filed
  under Guyana's code. Both rows are kept, told apart by ``line``; the files agree line by line.

Refused, with file, line and column: anything :func:`transforms.parsers._csv.read_csv_rows`
refuses (non-UTF-8 bytes, a stray byte-order mark, markup, rows of the wrong width), a wrong
header, text that is not a number, values outside :data:`WGI_RANGES`, and a normalised score
that does not follow from its estimate (:data:`NORMALIZED_TOLERANCE`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import read_csv_file
from transforms.parsers._provenance import LINE_PROVENANCE
from transforms.parsers._rows import append_row, empty_columns
from transforms.parsers._values import FLOAT_RE

WGI_MEASURES: tuple[str, ...] = ("estimate", "stderr", "normalized")
WGI_FILE_PATTERN = "wgi_political_stability_{measure}.csv"
WGI_MISSING: frozenset[str] = frozenset({"", "nan", "NaN", "None", "NA", ".."})
"""Cell texts that mean "no value" in these files."""

WGI_SCHEMA: dict[str, pl.DataType] = {
    "wb_code": pl.Utf8(),
    "country_name": pl.Utf8(),
    "country_code": pl.Int32(),
    "year": pl.Int16(),
    "estimate": pl.Float64(),
    "stderr": pl.Float64(),
    "normalized": pl.Float64(),
    **LINE_PROVENANCE,
}

_YEAR_RE = re.compile(r"^[0-9]{4}$")
_LEAD = ("Country/Territory", "Code")
_TAIL = "country_code"


def _read_wide(path: Path) -> tuple[list[int], list[list[str]], list[int]]:
    """Year columns, data rows and the line each row starts on, of one WGI wide file."""
    if not path.is_file():
        raise UpstreamFormatError(str(path), "WGI file not found")

    def check_header(cells: list[str]) -> None:
        header = [h.strip() for h in cells]
        if len(header) < 4 or tuple(header[:2]) != _LEAD or header[-1] != _TAIL:
            column = next(
                (
                    want
                    for want, got in zip(
                        (*_LEAD, _TAIL), (*header[:2], header[-1] if header else ""), strict=False
                    )
                    if want != got
                ),
                None,
            )
            raise UpstreamFormatError(
                path.name,
                f"expected header {','.join(_LEAD)},<years>,{_TAIL}",
                line=1,
                column=column,
                value=",".join(header)[:200],
            )
        for col in header[2:-1]:
            if not _YEAR_RE.match(col):
                raise UpstreamFormatError(
                    path.name,
                    "column between Code and country_code is not a year",
                    line=1,
                    column=col,
                )

    table = read_csv_file(path, check_header=check_header)
    header = [h.strip() for h in table.header]
    years = [int(col) for col in header[2:-1]]
    return years, table.rows, table.lines


WGI_RANGES: dict[str, tuple[float, float]] = {
    # Standard-normal units: published estimates run from about -3.3 to 2.0; beyond +-5 a cell
    # is corrupt, not an extreme country.
    "estimate": (-5.0, 5.0),
    "stderr": (0.0, 5.0),
    "normalized": (0.0, 1.0),
}
"""Range of each measure; a value outside is refused with its place."""


def _number(cell: str, file: str, line: int, column: str, measure: str) -> float | None:
    text = cell.strip()
    if text in WGI_MISSING:
        return None
    if not FLOAT_RE.match(text):
        raise UpstreamFormatError(file, "not a number", line=line, column=column, value=cell)
    value = float(text)
    if not math.isfinite(value):
        raise UpstreamFormatError(file, "not a finite number", line=line, column=column, value=cell)
    low, high = WGI_RANGES[measure]
    if not low <= value <= high:
        raise UpstreamFormatError(
            file, f"{measure} outside {low:g}..{high:g}", line=line, column=column, value=cell
        )
    return value


NORMALIZED_TOLERANCE = 1e-6
"""The published scores equal ``(2.5 - estimate) / 5`` clipped to [0, 1] to 1e-16 (2024 files);
a score further off than this belongs to another economy or year, or was rescaled."""


def _check_normalized(estimate: float, normalized: float, file: str, line: int, year: int) -> None:
    expected = min(max((2.5 - estimate) / 5, 0.0), 1.0)
    if abs(normalized - expected) > NORMALIZED_TOLERANCE:
        raise UpstreamFormatError(
            file,
            f"normalised score {normalized:g} does not follow from the estimate {estimate:g} "
            f"(expected (2.5 - estimate) / 5 = {expected:.4f})",
            line=line,
            column=str(year),
            value=f"{normalized:g}",
        )


def parse_wgi(directory: Path | str) -> pl.DataFrame:
    """The three WGI political-stability files of ``directory`` as one long table (see module)."""
    directory = Path(directory)
    paths = {m: directory / WGI_FILE_PATTERN.format(measure=m) for m in WGI_MEASURES}
    wide = {m: _read_wide(p) for m, p in paths.items()}
    ref_years, ref_rows, ref_lines = wide["estimate"]
    ref_name = paths["estimate"].name
    for measure in ("stderr", "normalized"):
        years, rows, lines = wide[measure]
        name = paths[measure].name
        if years != ref_years:
            raise UpstreamFormatError(name, f"year columns differ from {ref_name}", line=1)
        if len(rows) != len(ref_rows):
            raise UpstreamFormatError(
                name, f"{len(rows)} economies, {ref_name} has {len(ref_rows)}"
            )
        for row, ref, line, ref_line in zip(rows, ref_rows, lines, ref_lines, strict=True):
            # Codes repeat (GUY), so the files can only be joined by position; check they line up.
            if (
                line != ref_line
                or row[0].strip() != ref[0].strip()
                or row[1].strip() != ref[1].strip()
            ):
                raise UpstreamFormatError(
                    name,
                    f"economy differs from {ref_name} line {ref_line} ({ref[1]})",
                    line=line,
                    column="Code",
                    value=row[1],
                )

    file_label = WGI_FILE_PATTERN.format(measure="{" + ",".join(WGI_MEASURES) + "}")
    out = empty_columns(WGI_SCHEMA)
    for index, (ref, line) in enumerate(zip(ref_rows, ref_lines, strict=True)):
        code_text = ref[-1].strip()
        if code_text.isascii() and code_text.isdigit() and int(code_text) < 2**31:
            country_code: int | None = int(code_text)
        elif code_text in WGI_MISSING:
            country_code = None
        else:
            raise UpstreamFormatError(
                ref_name,
                "country_code is not a number (0 to 2^31-1)",
                line=line,
                column=_TAIL,
                value=ref[-1],
            )
        for offset, year in enumerate(ref_years, start=2):
            values = {
                m: _number(wide[m][1][index][offset], paths[m].name, line, str(year), m)
                for m in WGI_MEASURES
            }
            if values["estimate"] is None:
                values["normalized"] = (
                    None  # the file's 0.0 placeholder would read as "most stable"
                )
            elif values["normalized"] is not None:
                _check_normalized(values["estimate"], values["normalized"], paths["normalized"].name, line, year)
            append_row(
                out,
                wb_code=ref[1].strip(),
                country_name=ref[0].strip(),
                country_code=country_code,
                year=year,
                **values,
                file=file_label,
                line=line,
            )
    return pl.DataFrame(out, schema=WGI_SCHEMA)
