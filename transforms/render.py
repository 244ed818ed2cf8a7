"""Rendering helpers shared by the Dagster metadata and the site: escaped text and tables.

Everything that comes from data (a country name, a note, a statistic's label) passes through
``escape_markdown`` before it reaches a Markdown page, or ``escape_html`` before it reaches raw
HTML, so a value such as ``<script>``, ``**bold**`` or ``[x](javascript:...)`` is shown as the
text it is and never becomes markup, a link or an attribute.
"""

from __future__ import annotations

import html
import math
import re

import polars as pl

# Characters that Markdown (with the attr_list and tables extensions) would read as syntax:
# emphasis, code, links and images, table pipes, strikethrough, attribute lists "{: onclick=...}"
# and heading marks. Python-Markdown honours a backslash before each of them. HTML specials
# become entities afterwards, so the entities' own "&" and ";" are not touched by this step.
# "~" (GitHub strikethrough) has no backslash escape in Python-Markdown, so it becomes an entity,
# which both GitHub-flavoured Markdown and Python-Markdown show as "~".
_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]|{}#"})
_HTML_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape_markdown(text: str) -> str:
    """Text safe to put in Markdown (a paragraph, heading or table cell): syntax neutralised,
    HTML shown as text, line breaks folded into spaces so a value cannot start a new block."""
    escaped = str(text).translate(_MD_SPECIAL).translate(_HTML_SPECIAL).replace("~", "&#126;")
    return " ".join(escaped.splitlines())


def escape_html(text: str) -> str:
    """Text safe inside raw HTML, element content or a quoted attribute value."""
    return html.escape(str(text), quote=True)


def plain_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant figures with thousands separators and never in
    scientific notation (0.0000305, not 3.05e-05; 1,200,000,000, not 1.2e+09)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else "n/a"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    text = f"{round(value, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# A figure's fact marker (transforms/site/facts.py): the parts of its key are joined by "|",
# written "&#124;" so the marker cannot split a Markdown table row. A cell made of markers — an
# attribute without quotes or tags — and text already escaped (no tag, no bare Markdown syntax)
# is kept as it is; anything else in a cell is escaped.
FACT_SEPARATOR = "|"
_ESCAPED = r"(?:[^<>\\`*_\[\]|{}#~]|\\[\\`*_\[\]|{}#])*"
FACT_CELL = re.compile(rf'{_ESCAPED}(?:<span data-fact="[^"<>]*">{_ESCAPED}</span>{_ESCAPED})+')


def format_cell(value: object) -> str:
    """A table cell as readers see it: empty for null, yes/no for booleans, plain numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return plain_number(value, 6)
    if isinstance(value, str) and FACT_CELL.fullmatch(value):
        return value
    return escape_markdown(str(value))


def frame_to_markdown(df: pl.DataFrame, align: dict[str, str] | None = None) -> str:
    """A small frame as a GitHub-flavoured Markdown table with every cell escaped.

    ``align`` maps column names to "left" or "right" (numbers read best right-aligned).
    """
    if df.width == 0:
        return "_(no columns)_"
    align = align or {}
    rules = {"left": ":---", "right": "---:"}
    header = "| " + " | ".join(escape_markdown(c) for c in df.columns) + " |"
    rule = "|" + "|".join(rules.get(align.get(c, ""), "---") for c in df.columns) + "|"
    rows = ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in df.iter_rows()]
    return "\n".join([header, rule, *rows])
