"""Safe text for the site's pages: trusted templates with escaped values, and number formats.

A page is Markdown. Text written by the project (templates, sentence patterns here) is trusted;
every value that comes from data is escaped on its way in. ``Markup`` marks a string as already
safe, so the Jinja environment (see ``transforms.site.templating``) escapes everything else.
"""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup

from transforms.render import escape_html, escape_markdown, plain_number

__all__ = [
    "Markup",
    "fmt_mass",
    "fmt_num",
    "fmt_pct",
    "fmt_pp",
    "fmt_usd",
    "html",
    "md",
    "md_value",
]


def md_value(value: Any) -> Markup:
    """One data value as Markdown-safe text (Markup passes through untouched)."""
    if isinstance(value, Markup):
        return value
    return Markup(escape_markdown("" if value is None else str(value)))


def md(template: str, /, **values: Any) -> Markup:
    """A trusted Markdown sentence pattern filled with escaped values.

    ``md("China mines **{share}** of the world's {mineral}.", share="68%", mineral=name)``:
    the pattern's own Markdown is kept, every value is escaped.
    """
    return Markup(template.format(**{k: md_value(v) for k, v in values.items()}))


def html(template: str, /, **values: Any) -> Markup:
    """A trusted HTML pattern filled with HTML-escaped values."""
    safe = {
        k: v if isinstance(v, Markup) else Markup(escape_html("" if v is None else v))
        for k, v in values.items()
    }
    return Markup(template.format(**safe))


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_pct(share: float | None, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: 0.682 -> "68.2%"; shares under 0.05% read "<0.1%"."""
    if _missing(share):
        return "n/a"
    pct = share * 100
    if 0 < pct < 0.05:
        return "<0.1%"
    return f"{pct:.{digits}f}%"


def fmt_pp(delta: float | None) -> str:
    """A change in a share, in percentage points with its sign: 0.031 -> "+3.1 pp"."""
    if _missing(delta):
        return "n/a"
    return f"{delta * 100:+.1f} pp"


def fmt_num(value: float | None) -> str:
    """A figure with thousands separators; small figures keep three significant digits."""
    if _missing(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return plain_number(value, 3)


_SCALES = ((1e9, "billion"), (1e6, "million"))


def _amount(value: float | None, before: str, after: str) -> str:
    """An amount for running text in billions or millions from a million up, ``before`` and
    ``after`` it the currency sign or unit."""
    if _missing(value):
        return "n/a"
    for scale, word in _SCALES:
        if abs(value) >= scale:
            return f"{before}{plain_number(value / scale, 3)} {word}{after}"
    return f"{before}{fmt_num(value)}{after}"


def fmt_mass(tonnes: float | None) -> str:
    """Metric tons for running text: 1_234_000 -> "1.23 million t", 4_560 -> "4,560 t"."""
    return _amount(tonnes, "", " t")


def fmt_usd(value: float | None) -> str:
    """US dollars for running text: "$1.2 billion", "$340 million", "$12,300"."""
    return _amount(value, "$", "")
