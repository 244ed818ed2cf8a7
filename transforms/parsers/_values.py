"""Cell-level number checks shared by the parsers of the new CSV sources."""

from __future__ import annotations

import math

from transforms.errors import UpstreamFormatError


def non_negative(text: str, file: str, line: int, column: str) -> float:
    """A non-negative finite number, or an error naming file, line and column."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise UpstreamFormatError(
            file, "not a non-negative number", line=line, column=column, value=text
        )
    return value
