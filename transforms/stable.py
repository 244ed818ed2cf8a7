"""Sums that give the same bits on every run, whatever the thread count or row order.

Polars adds a group's floats in per-thread chunks and combines them in the order the threads
finish, so the last digit of a grouped float sum differs from run to run (31.6 % vs 31.7 % once
rounded, different CSV and Parquet bytes, ties ranked differently). Floating-point addition is
not associative, so the fix is one canonical order: :func:`stable_sum` sorts each group's values
and adds them in that order, which makes the total a function of the values alone (not of the
row order or the threads), at full float precision.
"""

from __future__ import annotations

import polars as pl


def stable_sum(expr: pl.Expr | str) -> pl.Expr:
    """The sum of ``expr`` (nulls skipped, 0 when all are null; NaN if any value is NaN),
    identical on every run: the values are added in sorted order."""
    expr = pl.col(expr) if isinstance(expr, str) else expr
    return expr.sort().sum()
