"""The Data section: the downloads page (CSV, Parquet and ``datapackage.json`` of every table),
the sources and citations page, and the data-quality page.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2

from transforms.site import datapackage, quality
from transforms.site.context import SiteFigures
from transforms.site.model import Page

# What the footer of every page states about this build (date, version); the publish step hands
# it to MkDocs as extra.briefing (orchestration/publish.py).
SITE_META_FILE = ".site.json"
BENCHMARK_RESULTS = Path(__file__).resolve().parents[3] / "benchmarks" / "results"


def results_markdown(name: str) -> str | None:
    """A results table the benchmark or gauntlet script wrote, without its own title line
    (the page gives it a heading), or None before the script has run."""
    path = BENCHMARK_RESULTS / name
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    # Demote the file's own section headings below the page's.
    return "\n".join("###" + ln[2:] if ln.startswith("## ") else ln for ln in lines).strip()


def data_pages(
    site: SiteFigures, env: jinja2.Environment, docs_dir: Path
) -> tuple[list[Page], list[dict]]:
    """The three pages of the Data section, and the downloads written under ``docs_dir/data``."""
    data = site.data
    downloads = datapackage.write_downloads(
        data.clean,
        data.marts,
        docs_dir / "data",
        data.manifests,
        data.build_date,
        reference=data.reference_tables,
    )
    write_site_meta(docs_dir, data.build_date.isoformat())
    index = Page(
        "data/index.md",
        "Data",
        env.get_template("data_index.md.j2").render(
            downloads=downloads, build_date=data.build_date
        ),
    )
    sources = Page(
        "data/sources.md",
        "Sources and citations",
        env.get_template("data_sources.md.j2").render(
            manifests=[data.manifests[k] for k in sorted(data.manifests)],
            references=data.reference_sources,
        ),
    )
    return [index, sources, quality_page(site, env)], downloads


def briefing_version() -> str:
    """The version of the briefing's code (the project's package version)."""
    try:
        return version("critical-minerals-briefing")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unreleased"


def write_site_meta(docs_dir: Path, as_of: str) -> None:
    """The build's date and version, for the footer's "as of" and citation."""
    meta = {"as_of": as_of, "version": briefing_version()}
    (Path(docs_dir) / SITE_META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def quality_page(site: SiteFigures, env: jinja2.Environment) -> Page:
    data = site.data
    markdown = env.get_template("data_quality.md.j2").render(
        checks=quality.checks(data.clean, data.check_results),
        tables=quality.tables(data.clean, site.mineral_names, site.names),
        flags=quality.flag_counts(data.clean),
        quarantine=quality.quarantine(data.clean, data.marts),
    )
    return Page("data/quality.md", "Data quality", markdown)
