"""The Jinja environment the pages are rendered with, and its filters.

Escaping: the environment escapes every ``{{ value }}`` for Markdown unless the value is
``Markup`` (trusted text built with ``transforms.site.text.md``/``html`` or a rendered chart or
table), so data can never inject Markdown, HTML or attributes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from transforms.render import escape_html, escape_markdown
from transforms.site.citations import NAME, cite_words, unescaped
from transforms.site.text import Markup, fmt_mass, fmt_num, fmt_pct, fmt_pp, fmt_usd, md_value

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO_ROOT / "site" / "templates"


def _finalize(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    return escape_markdown(str(value))


_SAFE_URL = re.compile(r"^(https?://[^\s<>\"'`()\\]+|[A-Za-z0-9_./#-]+)$")


def safe_url(value: Any) -> Markup:
    """A link target: kept when it is an http(s) URL or a relative path, else replaced by "#"
    (so ``javascript:`` or a target that would break out of ``(...)`` never becomes a link)."""
    text = "" if value is None else str(value)
    return Markup(text) if _SAFE_URL.match(text) else Markup("#")


# A bare web address in text (not already the target of a Markdown or HTML link), without the
# punctuation that ends the sentence or list around it.
_BARE_URL = re.compile(
    r"(?<![<(\[\"'=])\bhttps?://(?:(?!&[lg]t;)[^\s<>()\"'\]])*(?<![.,;:!?])(?<!&[lg]t;)"
)


def links(value: Any) -> Markup | None:
    """Text whose bare web addresses are made links (Markdown autolinks), so a reader can open a
    source instead of copying it."""
    if value is None:
        return None
    text = value if isinstance(value, Markup) else Markup(_finalize(value))
    # Inside an autolink Markdown escapes are not undone, and no web address holds a backslash.
    return Markup(_BARE_URL.sub(lambda m: f"<{m.group(0).replace(chr(92), '')}>", str(text)))


_NAME = NAME
_CODE_NAME = re.compile(rf"(?<![\w./<>`\\-])({_NAME})(?![\w.<`-])")
_unescaped = unescaped


def cite(value: Any) -> Markup | None:
    """A source line in words a reader can follow (``transforms.site.citations.cite_words``),
    with web addresses as links."""
    text = links(value)
    if text is None:
        return None
    return Markup(cite_words(str(text), escape_markdown))


_BACKTICKED = re.compile(r"`([^`]+)`")


def code_names(value: Any) -> Markup | None:
    """Text whose snake_case names (columns, tables), bare or `backticked`, are set as code, not
    as words."""
    if value is None:
        return None
    if isinstance(value, Markup):
        text = str(value)
    else:  # escape the words, and set each `span` as code
        parts = _BACKTICKED.split(str(value))
        text = "".join(
            f"<code>{escape_html(p)}</code>" if i % 2 else _finalize(p) for i, p in enumerate(parts)
        )
    return Markup(_CODE_NAME.sub(lambda m: f"<code>{_unescaped(m.group(1))}</code>", text))


def fmt_bytes(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


def environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The Jinja environment: Markdown-escapes every value that is not Markup."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pct=fmt_pct,
        pp=fmt_pp,
        num=fmt_num,
        usd=fmt_usd,
        mass=fmt_mass,
        md=md_value,
        url=safe_url,
        links=links,
        cite=cite,
        code_names=code_names,
        size=fmt_bytes,
        html=lambda v: Markup(escape_html("" if v is None else v)),
    )
    return env
