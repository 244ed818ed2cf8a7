"""Rendering helpers shared by the Dagster metadata and the site: tables as escaped Markdown."""

from __future__ import annotations

import polars as pl

# Characters that Markdown would read as syntax inside a table cell (a "#" or "-" only matters
# at the start of a line, which a cell never is). HTML specials become entities afterwards, so
# the entities' own "&" and ";" are not touched by this step.
_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]|~"})
_HTML_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape_markdown(text: str) -> str:
    """Text safe to put in a Markdown table cell: Markdown syntax neutralised, HTML as text."""
    escaped = text.translate(_MD_SPECIAL).translate(_HTML_SPECIAL)
    return " ".join(escaped.splitlines())


def format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}"
    return escape_markdown(str(value))


def frame_to_markdown(df: pl.DataFrame) -> str:
    """A small frame as a GitHub-flavoured Markdown table with every cell escaped."""
    if df.width == 0:
        return "_(no columns)_"
    header = "| " + " | ".join(escape_markdown(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in df.iter_rows()]
    return "\n".join([header, rule, *rows])
