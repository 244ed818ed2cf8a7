"""Sums that give the same bits on every run, whatever the thread count or row order.

Polars adds a group's floats in per-thread chunks and combines them in the order the threads
finish, so the last digit of a grouped float sum differs from run to run (31.6 % vs 31.7 % once
rounded, different CSV and Parquet bytes, ties ranked differently). Floating-point addition is
not associative; integer addition is. :func:`exact_sum` adds the values as 128-bit decimals
(exact, so in any order) and converts the total back to a float once; figures below 1 are first
scaled by a power of two, so that 12 decimal places are 12 significant digits at any magnitude.
Sums of squares (concentration indices) go through :func:`exact_sum_of_squares`, which scales by
the largest value first so that tiny values keep their precision too.
"""

from __future__ import annotations

import polars as pl

EXACT = pl.Decimal(38, 12)


def exact_sum(expr: pl.Expr | str) -> pl.Expr:
    """The sum of ``expr`` (nulls skipped, 0 when all are null), identical on every run.

    Like a float sum, a NaN or infinite value makes the total NaN (decimals cannot hold them).
    """
    expr = pl.col(expr) if isinstance(expr, str) else expr
    # Values below 1 are first multiplied by a power of two (exact in binary floating point) that
    # brings the largest to [0.5, 1), so the 12 decimals are 12 significant digits of tiny figures
    # too (6.1e-05 t stays exact); figures of 1 and more are summed as they are.
    largest = expr.abs().max()
    power = pl.when(largest < 1).then(-largest.log(2).floor()).otherwise(pl.lit(0.0))
    scale = pl.lit(2.0).pow(power)
    scaled = (expr * scale).cast(EXACT, strict=False).sum().cast(pl.Float64) / scale
    finite = pl.when(largest > 0).then(scaled).otherwise(pl.lit(0.0))
    return pl.when(expr.is_finite().all()).then(finite).otherwise(float("nan"))


def exact_sum_of_squares(expr: pl.Expr) -> pl.Expr:
    """Σ expr², identical on every run: Σ (expr / m)² · m² with m the largest absolute value,
    so each scaled square lies in [0, 1] and keeps 12 significant decimals (a single value
    gives exactly its square)."""
    scale = expr.abs().max()
    return pl.when(scale > 0).then(exact_sum((expr / scale) ** 2) * scale**2).otherwise(exact_sum(expr**2))
