"""UN Comtrade trade rows in the project's tidy layout: built from API answers, read back from CSV.

The connector (``orchestration.upstream.comtrade``) turns each Comtrade+ API answer into rows
of :data:`COMTRADE_COLUMNS` with :func:`tidy_rows` and writes them as
``comtrade/comtrade_<classification>_<period>.csv``; :func:`parse_comtrade` reads such a file
for the snapshot, naming the line and column of any malformed cell.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._guards import read_upstream_bytes

# Output columns of the tidy layout, with the API field each comes from.
COMTRADE_COLUMNS: dict[str, tuple[str, pl.DataType]] = {
    "period": ("refYear", pl.Int16()),
    "reporter_code": ("reporterCode", pl.Int32()),
    "reporter_iso3": ("reporterISO", pl.Utf8()),
    "partner_code": ("partnerCode", pl.Int32()),
    "partner_iso3": ("partnerISO", pl.Utf8()),
    "flow": ("flowCode", pl.Utf8()),
    "hs6": ("cmdCode", pl.Utf8()),
    "classification": ("classificationCode", pl.Utf8()),
    "value_usd": ("primaryValue", pl.Float64()),
    "cif_usd": ("cifvalue", pl.Float64()),
    "fob_usd": ("fobvalue", pl.Float64()),
    "net_weight_kg": ("netWgt", pl.Float64()),
    "quantity": ("qty", pl.Float64()),
    "quantity_unit": ("qtyUnitAbbr", pl.Utf8()),
    "quantity_estimated": ("isQtyEstimated", pl.Boolean()),
    "is_reported": ("isReported", pl.Boolean()),
}


def tidy_rows(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """API rows in the tidy layout (text as published for codes; numbers as numbers)."""
    data = {col: [row.get(field) for row in rows] for col, (field, _) in COMTRADE_COLUMNS.items()}
    frame = pl.DataFrame(
        data, schema={c: t for c, (_, t) in COMTRADE_COLUMNS.items()}, strict=False
    )
    return frame.sort("period", "reporter_code", "partner_code", "flow", "hs6")


def parse_comtrade(path: Path | str) -> pl.DataFrame:
    """Read a tidy Comtrade CSV; malformed cells raise UpstreamFormatError with line and column."""
    path = Path(path)
    data = read_upstream_bytes(path)
    try:
        text = pl.read_csv(io.BytesIO(data), infer_schema=False, null_values=[""])
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise UpstreamFormatError(str(path), f"not a readable CSV: {exc}") from exc
    expected = list(COMTRADE_COLUMNS)
    if text.columns != expected:
        for pos, col in enumerate(expected):
            if pos >= len(text.columns) or text.columns[pos] != col:
                found = text.columns[pos] if pos < len(text.columns) else "(missing)"
                raise UpstreamFormatError(
                    str(path),
                    f"header: expected {col!r} at position {pos + 1}, found {found!r}",
                    line=1,
                    column=col,
                )
        raise UpstreamFormatError(
            str(path), f"header has extra columns {text.columns[len(expected) :]}", line=1
        )
    out = {}
    for col, (_, dtype) in COMTRADE_COLUMNS.items():
        raw = text[col]
        if dtype == pl.Boolean():
            lowered = raw.str.to_lowercase()
            typed = pl.Series(
                col,
                [
                    None if v is None else {"true": True, "false": False}.get(v)
                    for v in lowered.to_list()
                ],
                dtype=pl.Boolean(),
            )
        else:
            typed = raw.cast(dtype, strict=False)
        bad = raw.is_not_null() & typed.is_null()
        if bad.any():
            row = int(bad.arg_max())
            raise UpstreamFormatError(
                str(path), f"not a valid {dtype}", line=row + 2, column=col, value=raw[row]
            )
        out[col] = typed
    return pl.DataFrame(out).with_columns(pl.lit(path.name).alias("file"))
