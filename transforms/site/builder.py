"""Render the briefing's pages from the clean tables and the marts into a docs folder.

``build_site(data, docs_dir)`` writes every page as Markdown (Jinja templates in
``site/templates``, environment in ``transforms.site.templating``), the site's CSS and
JavaScript, the data downloads with their Frictionless descriptor, the headline state and the
changelog, and a ``.nav.json`` that the publish step hands to MkDocs. Each page kind has its
module in ``transforms.site.pages``; their sections are registered in
``transforms.site.sections``. Pure apart from writing into ``docs_dir``: no Dagster, no network.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from transforms.site import changes, figures
from transforms.site.context import SiteFigures, country_slug
from transforms.site.model import Page
from transforms.site.pages import changelog, country, home, methodology, mineral, scenarios
from transforms.site.pages.data import data_pages
from transforms.site.templating import REPO_ROOT, TEMPLATES_DIR, environment

ASSETS_DIR = REPO_ROOT / "site" / "assets"


T4_URL = "https://doi.org/10.5066/P13XCP3R"


def end_uses(table: pl.DataFrame) -> dict[str, dict]:
    """What each mineral is used for, quoted from USGS MCS 2025 table T4 (clean
    ``mineral_end_uses``): one entry per mineral with ``text``, ``source`` and ``url``. Rare
    earths and platinum-group metals list each element as T4 does ("Cerium: ..."); minerals T4
    does not cover get no entry rather than an unsourced paraphrase."""
    out: dict[str, dict] = {}
    for (slug,), rows in table.sort("mineral", "usgs_mineral").group_by(
        "mineral", maintain_order=True
    ):
        items = rows.select("usgs_mineral", "end_uses").rows()
        text = (
            items[0][1]
            if len(items) == 1
            else "; ".join(f"{name}: {uses.rstrip('.')}" for name, uses in items) + "."
        )
        out[slug] = {"text": text, "source": rows["source"][0], "url": T4_URL}
    return out


@dataclass
class SiteData:
    """Everything the site is built from."""

    clean: dict[str, pl.DataFrame]
    marts: dict[str, pl.DataFrame]
    minerals: list[dict[str, Any]]
    economies: pl.DataFrame
    alliance: list[str]
    china: list[str]
    eu27: list[str]
    manifests: dict[str, dict]
    build_date: date
    # What each mineral is used for, in USGS's words (clean mineral_end_uses; see end_uses()).
    uses: dict[str, dict] = field(default_factory=dict)
    previous_state: dict | None = None
    changelog: list[dict] = field(default_factory=list)
    check_results: list[dict] = field(default_factory=list)
    hs_descriptions: dict[str, str] = field(default_factory=dict)
    reference_sources: dict[str, dict] = field(default_factory=dict)
    # Curated policy tables (stockpile programmes, ...) shown and downloaded beside the marts.
    reference_tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def section_tables(self) -> dict[str, pl.DataFrame]:
        return {**self.reference_tables, **self.marts}


@dataclass
class SiteResult:
    pages: list[Page]
    nav: list
    state: dict
    changelog: list[dict]
    downloads: list[dict]
    changes: list[str] = field(default_factory=list)  # what moved since the previous build


def _nav(minerals: list[dict], countries: list[tuple[str, str]]) -> list:
    return [
        {"Home": "index.md"},
        {
            "Minerals": [
                "minerals/index.md",
                *[{m["name"]: f"minerals/{m['slug']}.md"} for m in minerals],
            ]
        },
        {
            "Countries": [
                "countries/index.md",
                *[{name: f"countries/{slug}.md"} for slug, name in countries],
            ]
        },
        {"Scenarios": "scenarios.md"},
        {
            "Data": [
                "data/index.md",
                {"Sources and citations": "data/sources.md"},
                {"Data quality": "data/quality.md"},
                {"Engineering": "data/engineering.md"},
            ]
        },
        {"Methodology": "methodology.md"},
        {"Changelog": "changelog.md"},
    ]


def build_site(
    data: SiteData,
    docs_dir: Path,
    templates_dir: Path = TEMPLATES_DIR,
    assets_dir: Path = ASSETS_DIR,
) -> SiteResult:
    """Write every page, asset and download of the site into ``docs_dir`` (created if missing)."""
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    env = environment(templates_dir)
    site = SiteFigures(data)
    pages = [mineral.mineral_page(site, env, m) for m in site.minerals]
    pages.append(mineral.minerals_index(site, env))
    codes = [figures.EU_BLOC, *sorted(site.alliance, key=site.economy)]
    pages += [country.country_page(site, env, code) for code in codes]
    pages.append(country.countries_index(site, env, codes))
    found = home.headlines(site)
    record = changelog.record_build(site, found)
    pages.append(home.home_page(site, env, found, changelog.what_changed(site, record, n=8)))
    pages.append(scenarios.scenarios_page(site, env))
    downloads_pages, downloads = data_pages(site, env, docs_dir)
    pages += downloads_pages
    pages.append(methodology.methodology_page(site, env))
    pages.append(methodology.engineering_page(site, env))
    pages.append(changelog.changelog_page(site, env, record))

    for page in pages:
        target = docs_dir / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.markdown, encoding="utf-8")
    if assets_dir.exists():
        shutil.copytree(assets_dir, docs_dir / "assets", dirs_exist_ok=True)
    nav = _nav(site.minerals, [(country_slug(c), site.economy(c)) for c in codes])
    (docs_dir / ".nav.json").write_text(json.dumps(nav, indent=1), encoding="utf-8")
    (docs_dir / changes.STATE_FILE).write_text(
        json.dumps(record.state, indent=1, sort_keys=True), encoding="utf-8"
    )
    (docs_dir / changes.CHANGELOG_FILE).write_text(
        json.dumps(record.changelog, indent=1), encoding="utf-8"
    )
    return SiteResult(
        pages=pages,
        nav=nav,
        state=record.state,
        changelog=record.changelog,
        downloads=downloads,
        changes=record.diff,
    )
