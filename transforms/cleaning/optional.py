"""Clean transforms of optional snapshot tables: an empty table when the snapshot lacks an input.

The snapshot tables of the sources added on 2026-11-30 are optional (an upstream folder without
them, such as the test gauntlet's, still builds). Their clean tables are then empty frames with
the registry's columns and dtypes, so the blocking schema check and everything downstream see
the table's real shape rather than a missing asset.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import polars as pl

from transforms.metadata import dtypes


def when_present(table: str, clean: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
    """``clean``, or an empty ``table`` (registry dtypes) when any input frame is None."""

    @wraps(clean)
    def run(**frames: pl.DataFrame | None) -> pl.DataFrame:
        if any(frame is None for frame in frames.values()):
            return pl.DataFrame(schema=dtypes(table))
        return clean(**frames)

    return run
