"""The tidy CSVs of USGS MCS 2026 (``mcs2026/*.csv``): world production and reserves, US
salient statistics and US import sources. They need typing only: every column is checked
against its declared type, and text that is not a plain number is an error naming the file,
the line and the column.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._text import MAX_PLAUSIBLE_RESERVES_TONNES
from transforms.parsers.usgs.common import (
    _check_empty_columns,
    _read_table,
    _refuse_repeated_rows,
    _refuse_rows,
)

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
        _refuse_rows(negative, name, "a negative quantity", column=column, value=column)
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
    _refuse_rows(bad, file, f"not a valid {dtype}", column=column, value="raw")
    if dtype == pl.Float64():
        # A run of extra digits or "1e300" is refused here, with its cell, not by a later check.
        absurd = checked.filter(~pl.col("typed").abs().le(MAX_PLAUSIBLE_RESERVES_TONNES).fill_null(True) & pl.col("typed").is_not_null())
        _refuse_rows(absurd, file, f"an absurd number (above {MAX_PLAUSIBLE_RESERVES_TONNES:,.0f} in any unit)", column=column, value="raw")
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
    _refuse_rows(over, name, "a share above 100%", column="share_pct", value="share_pct")
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
