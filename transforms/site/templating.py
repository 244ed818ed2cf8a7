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
        size=fmt_bytes,
        html=lambda v: Markup(escape_html("" if v is None else v)),
    )
    return env
