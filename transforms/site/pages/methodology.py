"""The Methodology page: scope, formulas, the docstring of every module that computes a mart of
this build (``transforms.site.marts.mart_modules``), sections registered for "methodology",
and the scale benchmark's results.
"""

from __future__ import annotations

import inspect
import re

import jinja2
import polars as pl

from transforms.render import escape_html
from transforms.site import figures
from transforms.site.context import SiteFigures
from transforms.site.marts import mart_modules
from transforms.site.model import Page
from transforms.site.pages.data import results_markdown
from transforms.site.text import Markup, fmt_usd

# Docstrings are reStructuredText: ``literal`` and :role:`~pkg.module.name` read as code here.
_RST_ROLE = re.compile(r":(?:func|mod|class|meth|data|attr):`~?([\w.]+)`")
_RST_LITERAL = re.compile(r"``(.+?)``")


_PY_LITERAL = re.compile(r"(?<![\w`])(True|False|None)(?![\w`])")


def _markdown(doc: str) -> Markup:
    """A docstring as Markdown: reStructuredText roles and ``literals`` become code spans, and
    so do Python's True/False/None; HTML characters are escaped (the text is our own code's)."""
    text = _RST_ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", doc)
    text = _PY_LITERAL.sub(r"`\1`", _RST_LITERAL.sub(r"`\1`", text))
    return Markup(escape_html(inspect.cleandoc(text)))


def mart_docs(marts: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """(module name, docstring as Markdown) of every module computing a mart of this build: the
    formulas, as their authors wrote them."""
    return [
        (m.__name__.rsplit(".", 1)[-1], _markdown(m.__doc__.strip()))
        for m in mart_modules(sorted(marts))
        if m.__doc__
    ]


def methodology_page(site: SiteFigures, env: jinja2.Environment) -> Page:
    markdown = env.get_template("methodology.md.j2").render(
        mart_docs=mart_docs(site.data.marts),
        sections=site.sections(site.context("methodology", None, "methodology.md")),
        min_imports=fmt_usd(figures.MIN_IMPORTS_USD),
        benchmark=results_markdown("baci_ingest.md"),
        alliance=[site.economy(c) for c in sorted(site.alliance, key=site.economy)],
    )
    return Page("methodology.md", "Methodology", markdown)
