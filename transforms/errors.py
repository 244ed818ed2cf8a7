"""Errors raised by the transforms, each naming where in which input the problem is.

Every parser and validator raises :class:`UpstreamFormatError` for input it cannot read
as published, so that a user sees the file, the 1-based line (the header is line 1) and the
column, never a bare polars exception from deep inside a transform.
"""

from __future__ import annotations


class UpstreamFormatError(ValueError):
    """An upstream file does not have the shape or content its parser expects."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.file = str(file)
        self.line = line
        self.column = column
        self.value = value
        self.message = message
        where = [f"file {self.file}"]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        text = ", ".join(where) + f": {message}"
        if value is not None:
            text += f" (value {value!r})"
        super().__init__(text)
