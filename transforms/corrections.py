"""Corrections of known upstream errors (``data/reference/corrections.yaml``) applied to frames.

Row fixes (drop a row, set a value) are applied to snapshot tables before the clean layer
reads them; each must match at least one row, so a correction that no longer applies (the
publisher fixed the file) fails loudly instead of lingering. Accepted discrepancies mark
check results that exceed a tolerance for a documented upstream reason. The file itself is
loaded and checked by :mod:`transforms.reference.corrections`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from transforms.reference.corrections import CORRECTIONS_FILE, accepted, row_corrections


class CorrectionError(ValueError):
    """A correction no longer matches the data."""


def _match(df: pl.DataFrame, where: dict[str, Any], table: str) -> pl.Expr:
    missing = [c for c in where if c not in df.columns]
    if missing:
        raise CorrectionError(f"correction for {table}: column(s) {missing} not in the table")
    expr = pl.lit(True)
    for column, value in where.items():
        expr = expr & (pl.col(column) == pl.lit(value).cast(df.schema[column]))
    return expr


def apply_row_corrections(
    df: pl.DataFrame, table: str, path: Path = CORRECTIONS_FILE
) -> pl.DataFrame:
    """Apply every row correction listed for ``table``; fail if one matches no row."""
    for fix in row_corrections(table, path):
        hit = _match(df, fix.where, table)
        if df.filter(hit).height == 0:
            raise CorrectionError(
                f"correction for {table} where {fix.where} matches no row: "
                "remove it from corrections.yaml if the publisher fixed the data"
            )
        if fix.action == "drop":
            df = df.filter(~hit)
        else:
            df = df.with_columns(
                pl.when(hit).then(pl.lit(v).cast(df.schema[c])).otherwise(pl.col(c)).alias(c)
                for c, v in (fix.set or {}).items()
            )
    return df


def mark_accepted(
    df: pl.DataFrame, check: str, key: list[str], path: Path = CORRECTIONS_FILE
) -> pl.DataFrame:
    """Add ``accepted_reason``: the corrections file's reason where it accepts a row of a check."""
    entries = accepted(check, path)
    if not entries:
        return df.with_columns(pl.lit(None, pl.Utf8).alias("accepted_reason"))
    corr = pl.DataFrame(
        [{k: e.key.get(k) for k in key} | {"accepted_reason": e.reason} for e in entries]
    )
    corr = corr.with_columns(pl.col(k).cast(df.schema[k]) for k in key)
    return df.join(corr, on=key, how="left", nulls_equal=True)


def correction_hits(df: pl.DataFrame, table: str, path: Path = CORRECTIONS_FILE) -> pl.DataFrame:
    """The rows of ``df`` that the row corrections for ``table`` match, before they are applied,
    each with its correction's reason in ``correction_reason`` (a row fixed twice appears twice)."""
    frames = [
        df.filter(_match(df, fix.where, table)).with_columns(pl.lit(fix.reason).alias("correction_reason"))
        for fix in row_corrections(table, path)
    ]
    empty = df.clear().with_columns(pl.lit(None, pl.Utf8).alias("correction_reason"))
    return pl.concat([empty, *frames])
