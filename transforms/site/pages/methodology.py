"""The Methodology page and the Engineering page.

Methodology is for readers: every measure in words, with its formula in plain math, its sources
and its limits (site/templates/methodology.md.j2), the supply-risk mart's measured departures
from the reference implementation (mart ``supply_risk_departures``) and the sections registered
for "methodology". Engineering is for those who rebuild or audit the pipeline: how to reproduce
a build, the scale benchmark, the bad-input gauntlet and each mart module's own documentation.
"""

from __future__ import annotations

import inspect
import re

import jinja2
import polars as pl

from transforms.render import escape_html, plain_number
from transforms.site import figures
from transforms.site.context import SiteFigures
from transforms.site.marts import mart_modules
from transforms.site.model import Page
from transforms.site.pages.data import results_markdown
from transforms.site.render_tables import Num, table
from transforms.site.text import Markup, fmt_pct, fmt_usd

METHODOLOGY_PATH = "methodology.md"
ENGINEERING_PATH = "data/engineering.md"

# Docstrings are reStructuredText: ``literal`` and :role:`~pkg.module.name` read as code here.
_RST_ROLE = re.compile(r":(?:func|mod|class|meth|data|attr):`~?([\w.]+)`")
_RST_LITERAL = re.compile(r"``(.+?)``")
_PY_LITERAL = re.compile(r"(?<![\w`])(True|False|None)(?![\w`])")
# What a departure's compared column is called on the page.
_MEASURE_NAMES = {
    "geopolrisk_score": "GeoPolRisk score",
    "characterisation_factor": "Characterisation factor",
}


def _markdown(doc: str) -> Markup:
    """A docstring as Markdown: reStructuredText roles and ``literals`` become code spans, and
    so do Python's True/False/None; HTML characters are escaped (the text is our own code's)."""
    text = _RST_ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", doc)
    text = _PY_LITERAL.sub(r"`\1`", _RST_LITERAL.sub(r"`\1`", text))
    return Markup(escape_html(inspect.cleandoc(text)))


def mart_docs(marts: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """(module name, docstring as Markdown) of every module computing a mart of this build, for
    the Engineering page."""
    return [
        (m.__name__.rsplit(".", 1)[-1], _markdown(m.__doc__.strip()))
        for m in mart_modules(sorted(marts))
        if m.__doc__
    ]


def departures_table(rows: pl.DataFrame | None, site: SiteFigures) -> Markup | None:
    """The measured departures from geopolrisk-py, with the largest change's row in words."""
    if rows is None or not rows.height:
        return None

    def example(r: dict) -> str:
        if r["example_mineral"] is None:
            return "no row changes"
        return (
            f"{site.mineral_names.get(r['example_mineral'], r['example_mineral'])}, "
            f"{site.economy(r['example_importer'])}, {r['example_year']}: "
            f"{figures_number(r['example_ours'])} here, {figures_number(r['example_reference'])} in the reference"
        )

    framed = rows.with_columns(
        pl.col("measure").replace_strict(_MEASURE_NAMES, default=pl.col("measure")).alias("Score"),
        pl.struct(rows.columns).map_elements(example, return_dtype=pl.Utf8).alias("Largest change"),
    )
    return table(
        framed,
        pl.col("departure").alias("Departure"),
        pl.col("ours").alias("This site"),
        pl.col("reference").alias("Reference implementation"),
        pl.col("Score"),
        Num("rows_changed", lambda v: f"{v:,}", "Rows changed"),
        Num("rows_compared", lambda v: f"{v:,}", "Rows compared"),
        Num("median_change", lambda v: fmt_pct(v, 1), "Median change"),
        pl.col("Largest change"),
    )


def figures_number(value: float | None) -> str:
    """A score to four significant figures, never in scientific notation."""
    return "n/a" if value is None else plain_number(value, 4)


def methodology_page(site: SiteFigures, env: jinja2.Environment) -> Page:
    markdown = env.get_template("methodology.md.j2").render(
        sections=site.sections(site.context("methodology", None, METHODOLOGY_PATH)),
        min_imports=fmt_usd(figures.MIN_IMPORTS_USD),
        alliance=[site.economy(c) for c in sorted(site.alliance, key=site.economy)],
        departures=departures_table(site.data.marts.get("supply_risk_departures"), site),
        engineering_link=ENGINEERING_PATH,
        changelog_link="changelog.md",
    )
    return Page(METHODOLOGY_PATH, "Methodology", markdown)


def engineering_page(site: SiteFigures, env: jinja2.Environment) -> Page:
    markdown = env.get_template("engineering.md.j2").render(
        mart_docs=mart_docs(site.data.marts),
        benchmark=results_markdown("baci_ingest.md"),
        gauntlet=results_markdown("gauntlet.md"),
    )
    # Docstrings name Python's booleans; readers see the values as the data files hold them.
    markdown = re.sub(r"(`+)(True|False)\1", lambda m: f"{m.group(1)}{m.group(2).lower()}{m.group(1)}", markdown)
    return Page(ENGINEERING_PATH, "Engineering", markdown)
