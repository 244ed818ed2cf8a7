"""Cell-level number checks shared by the parsers: the text of a decimal number, non-negative values."""

from __future__ import annotations

import math
import re

from transforms.errors import UpstreamFormatError

# A decimal number as upstream files write it (sign, digits, point, exponent); no NaN or inf.
FLOAT_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
FLOAT_RE = re.compile(FLOAT_TEXT)


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
