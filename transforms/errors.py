"""Errors raised by the transforms, each naming where in which input the problem is.

Every parser and validator raises :class:`UpstreamFormatError` for input it cannot read
as published, so that a user sees the file, the 1-based line (the header is line 1) and the
column, never a bare polars exception from deep inside a transform.
"""

from __future__ import annotations

import re

EXCERPT_CHARS = 120
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def excerpt(text: str | bytes, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable excerpt of file content for a message (control bytes as '?'): an error
    quotes the cell it is about, never a file's content at length (a linked /etc/passwd)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _CONTROL.sub("?", text.replace("\r", "").replace("\n", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        self.value = None if value is None else excerpt(value)
        self.message = message
        where = [f"file {self.file}"]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        text = ", ".join(where) + f": {message}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        super().__init__(text)
