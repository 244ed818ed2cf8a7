"""Source lines in words a reader can follow, as plain text: "mart supply_risk" becomes the
table's title (every table is downloadable from the Data page) and a repository path such as
data/reference/policy/price_floors.yaml "the briefing's price floors list".

Used by the templates' ``cite`` filter (which also makes web addresses links) and by chart
captions, which are plain text inside the SVG's figure.
"""

from __future__ import annotations

import re

from transforms.metadata import TABLES

# Names as they reach a template: underscores may already be escaped for Markdown ("\\_").
NAME = r"[a-z][a-z0-9]*(?:\\?_[a-z0-9]+)+"
_MART = re.compile(rf"\bmarts? ({NAME}|[a-z]+)((?:(?:, | and )(?:{NAME}))*)\b")
_REFERENCE_FILE = re.compile(rf"\bdata/reference/(?:[a-z\\_]+/)*({NAME}|[a-z]+)\.(?:yaml|csv)")


def unescaped(name: str) -> str:
    return name.replace("\\_", "_")


def _title(name: str, quote) -> str | None:
    meta = TABLES.get(unescaped(name))
    return f"the table “{quote(meta.title)}”" if meta else None


def cite_words(text: str, quote=lambda s: s) -> str:
    """``text`` with mart names ("mart x", "marts x and y") as table titles and reference-file
    paths as list names; ``quote`` escapes a title for the output format."""

    def tables(m: re.Match) -> str:
        names = [m.group(1), *re.findall(NAME, m.group(2) or "")]
        titles = [_title(n, quote) for n in names]
        if any(t is None for t in titles):
            return m.group(0)
        return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]

    text = _MART.sub(tables, text)
    return _REFERENCE_FILE.sub(
        lambda m: f"the briefing's {unescaped(m.group(1)).replace('_', ' ')} list", text
    )
