"""The Methodology page: scope, formulas, the docstring of every module that computes a mart of
this build (``transforms.site.marts.mart_modules``), sections registered for "methodology",
and the scale benchmark's results.
"""

from __future__ import annotations

import jinja2
import polars as pl

from transforms.site import figures
from transforms.site.context import SiteFigures
from transforms.site.marts import mart_modules
from transforms.site.model import Page
from transforms.site.pages.data import results_markdown
from transforms.site.text import fmt_usd


def mart_docs(marts: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """(module name, docstring) of every module computing a mart of this build: the formulas,
    as their authors wrote them."""
    return [
        (m.__name__.rsplit(".", 1)[-1], m.__doc__.strip())
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
