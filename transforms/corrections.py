"""Corrections of known upstream errors, read from ``data/reference/corrections.yaml``.

Row fixes (drop a row, set a value) are applied to snapshot tables before the clean layer
reads them; each must match at least one row, so a correction that no longer applies (the
publisher fixed the file) fails loudly instead of lingering. Accepted discrepancies mark
check results that exceed a tolerance for a documented upstream reason.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import yaml

from transforms.reference import REFERENCE_DIR

CORRECTIONS_FILE = REFERENCE_DIR / "corrections.yaml"
ACTIONS = ("drop", "set")


class CorrectionError(ValueError):
    """A correction is malformed or no longer matches the data."""


@cache
def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    for i, entry in enumerate(data.get("rows") or []):
        where = f"{path.name}: rows[{i}]"
        for key in ("table", "where", "action", "reason"):
            if not entry.get(key):
                raise CorrectionError(f"{where}: missing {key!r}")
        if entry["action"] not in ACTIONS:
            raise CorrectionError(f"{where}: action must be one of {ACTIONS}, not {entry['action']!r}")
        if entry["action"] == "set" and not entry.get("set"):
            raise CorrectionError(f"{where}: action 'set' needs a 'set' mapping")
    for i, entry in enumerate(data.get("accepted") or []):
        for key in ("check", "reason"):
            if not entry.get(key):
                raise CorrectionError(f"{path.name}: accepted[{i}]: missing {key!r}")
    return data


def row_corrections(table: str, path: Path = CORRECTIONS_FILE) -> list[dict]:
    return [e for e in (_load(Path(path)).get("rows") or []) if e["table"] == table]


def accepted(check: str, path: Path = CORRECTIONS_FILE) -> list[dict]:
    return [e for e in (_load(Path(path)).get("accepted") or []) if e["check"] == check]


def _match(df: pl.DataFrame, where: dict, table: str) -> pl.Expr:
    missing = [c for c in where if c not in df.columns]
    if missing:
        raise CorrectionError(f"correction for {table}: column(s) {missing} not in the table")
    expr = pl.lit(True)
    for column, value in where.items():
        expr = expr & (pl.col(column) == pl.lit(value).cast(df.schema[column]))
    return expr


def apply_row_corrections(df: pl.DataFrame, table: str, path: Path = CORRECTIONS_FILE) -> pl.DataFrame:
    """Apply every row correction listed for ``table``; fail if one matches no row."""
    for entry in row_corrections(table, path):
        hit = _match(df, entry["where"], table)
        if df.filter(hit).height == 0:
            raise CorrectionError(
                f"correction for {table} where {entry['where']} matches no row: "
                "remove it from corrections.yaml if the publisher fixed the data"
            )
        if entry["action"] == "drop":
            df = df.filter(~hit)
        else:
            df = df.with_columns(
                pl.when(hit).then(pl.lit(v).cast(df.schema[c])).otherwise(pl.col(c)).alias(c)
                for c, v in entry["set"].items()
            )
    return df


def mark_accepted(df: pl.DataFrame, check: str, key: list[str], path: Path = CORRECTIONS_FILE) -> pl.DataFrame:
    """Add ``accepted_reason``: the corrections file's reason where it accepts a row of a check."""
    entries = accepted(check, path)
    if not entries:
        return df.with_columns(pl.lit(None, pl.Utf8).alias("accepted_reason"))
    corr = pl.DataFrame([{k: e.get(k) for k in key} | {"accepted_reason": e["reason"]} for e in entries])
    corr = corr.with_columns(pl.col(k).cast(df.schema[k]) for k in key)
    return df.join(corr, on=key, how="left", nulls_equal=True)
