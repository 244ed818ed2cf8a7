"""One figure per fact: no page states the same (mineral, economy, measure, basis, stage, year) as
two different figures (transforms/site/facts.py marks every figure analysts quote).

Fast tests check the marker on a small page rendered the way the site renders its Markdown (a
table cell and a sentence, through Python-Markdown's tables extension) and the conflict check on
it. The slow test reads every page of the session's one CLI build (tests/conftest.py
``session_build``; set BRIEFING_SITE_DIR to a built public/ folder to check that one instead):
no page has a conflict, the key pages carry the markers of the facts they state (so the check
cannot pass on pages without markers), and marked figures are the published marts' figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import markdown
import polars as pl
import pytest

from transforms.render import format_cell
from transforms.site import facts
from transforms.site.facts import Fact, conflicts, fact, page_facts, unmarked
from transforms.site.render_tables import Num, table
from transforms.site.text import fmt_pct, md

from .test_concentration_sources import MCS2026, SAMPLE

GALLIUM_CHINA = Fact("gallium", "CHN", facts.WORLD_PRODUCTION_SHARE, "tonnes", "refinery", 2025)


def _html(page_md: str) -> str:
    """A page's Markdown as the site's MkDocs build turns it into HTML (tables extension)."""
    return markdown.markdown(page_md, extensions=["tables"])


def _small_page(table_share: float) -> str:
    """A sentence and a table stating China's share of world gallium refining."""
    rows = pl.DataFrame(
        {
            "mineral": ["gallium", "gallium"],
            "country_code": ["CHN", "RUS"],
            "stage": ["refinery", "refinery"],
            "year": [2025, 2025],
            "share": [table_share, 0.007],
        }
    )
    sentence = md(
        "China accounted for **{share}** of world refinery production.",
        share=fact(fmt_pct(0.99), GALLIUM_CHINA),
    )
    cells = table(
        rows,
        pl.col("country_code").alias("Economy"),
        Num(
            "share",
            fmt_pct,
            "Share of world",
            fact=lambda r: Fact(
                r["mineral"],
                r["country_code"],
                facts.WORLD_PRODUCTION_SHARE,
                "tonnes",
                r["stage"],
                r["year"],
            ),
        ),
    )
    return _html(f"{sentence}\n\n{cells}\n")


def test_marker_survives_markdown_and_keeps_visible_text() -> None:
    html = _small_page(0.99)
    found = page_facts(html)
    assert found == {
        "gallium|CHN|world-production-share|tonnes|refinery|2025": ["99.0%", "99.0%"],
        "gallium|RUS|world-production-share|tonnes|refinery|2025": ["0.7%"],
    }
    # The key's separators do not split the table row: two columns, two body rows.
    assert html.count("<td") == 4
    assert unmarked(fact("99.0%", GALLIUM_CHINA)) == "99.0%"
    assert conflicts(html) == {}


def test_two_figures_for_one_fact_are_a_conflict() -> None:
    html = _small_page(1.0)
    assert conflicts(html) == {
        "gallium|CHN|world-production-share|tonnes|refinery|2025": ["100.0%", "99.0%"]
    }


def test_different_measures_or_bases_never_conflict() -> None:
    nir = Fact("antimony", "JPN", facts.NET_IMPORT_RELIANCE, "tonnes", "mine", 2021)
    eu = nir._replace(measure=facts.EU_METHOD_IMPORT_RELIANCE)
    value = Fact("rare-earths", "JPN", facts.CHINA_IMPORT_SHARE, "value", "refinery", 2024)
    tonnes = value._replace(basis="tonnes")
    page = " ".join(
        [fact("100%", nir), fact("0%", eu), fact("37.8%", value), fact("66.1%", tonnes)]
    )
    assert conflicts(_html(page)) == {}
    assert len(page_facts(_html(page))) == 4


def test_a_data_value_cannot_pass_as_a_marker() -> None:
    """Only a marker made by facts.py passes a table cell unescaped: a value shaped like one
    with Markdown inside is escaped as any other."""
    marked = facts.fact_cell("<0.1%", GALLIUM_CHINA)
    assert format_cell(marked) == marked
    spoof = '<span data-fact="x">**bold**</span>'
    assert "<span" not in format_cell(spoof)
    assert "&lt;0.1%" in marked


# --- the built site -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def public(request) -> Path:
    if os.environ.get("BRIEFING_SITE_DIR"):
        return Path(os.environ["BRIEFING_SITE_DIR"])
    build = request.getfixturevalue("session_build")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return build.public


def _facts_of(public: Path, page: str) -> dict[str, list[str]]:
    return page_facts((public / page / "index.html").read_text(encoding="utf-8"))


def _measures(found: dict[str, list[str]]) -> set[str]:
    return {key.split("|")[2] for key in found}


@pytest.mark.slow
def test_no_page_states_one_fact_as_two_figures(public: Path) -> None:
    pages = sorted(public.rglob("index.html"))
    assert len(pages) > 50
    found = {
        str(p.relative_to(public)): clash
        for p in pages
        if (clash := conflicts(p.read_text(encoding="utf-8")))
    }
    assert not found, "\n".join(
        f"{page}: {key} stated as {' and '.join(texts)}"
        for page, clashes in found.items()
        for key, texts in clashes.items()
    )


@pytest.mark.slow
def test_key_pages_carry_fact_markers(public: Path) -> None:
    home = _measures(_facts_of(public, "."))
    assert {facts.WORLD_PRODUCTION_SHARE, facts.CHINA_IMPORT_SHARE, facts.STOCK_COST} <= home
    assert {facts.RESERVE_TONNES, facts.FLOOR_COST} <= home
    gallium = _facts_of(public, "minerals/gallium")
    assert "gallium|CHN|world-production-share|tonnes, USGS|refinery|2025" in gallium
    antimony = _measures(_facts_of(public, "minerals/antimony"))
    assert {facts.NET_IMPORT_RELIANCE, facts.EU_METHOD_IMPORT_RELIANCE} <= antimony
    japan = _facts_of(public, "countries/jpn")
    assert {
        facts.CHINA_IMPORT_SHARE,
        facts.NET_IMPORT_RELIANCE,
        facts.EU_METHOD_IMPORT_RELIANCE,
        facts.BAN_VALUE_LOST,
        facts.STOCK_COST,
    } <= _measures(japan)
    scenarios = _measures(_facts_of(public, "scenarios"))
    assert {
        facts.BAN_TONNES_LOST,
        facts.BAN_VALUE_LOST,
        facts.STOCK_COST,
        facts.RESERVE_TONNES,
        facts.FLOOR_COST,
    } <= scenarios


@pytest.mark.slow
def test_marked_import_shares_are_the_published_marts(public: Path) -> None:
    """Japan's China shares of rare-earth imports, by value and by tonnes, as the country page
    marks them, are the published mart's figures for that importer, mineral, stage and year."""
    shares = pl.read_parquet(public / "data" / "china_import_shares.parquet")
    japan = _facts_of(public, "countries/jpn")
    rows = shares.filter((pl.col("importer") == "JPN") & (pl.col("mineral") == "rare-earths")).sort(
        "year"
    )
    r = rows.row(-1, named=True)
    for basis, column in (("value", "china_share"), ("tonnes", "china_share_t")):
        key = Fact("rare-earths", "JPN", facts.CHINA_IMPORT_SHARE, basis, r["stage"], r["year"])
        assert japan[key.key()] == [fmt_pct(r[column])] * len(japan[key.key()])


@pytest.mark.slow
@pytest.mark.upstream
def test_marked_china_shares_are_usgs_printed_figures(public: Path, upstream_dir: Path) -> None:
    """China's 2025 share of world production as each mineral page marks it (sentence, tables)
    is China's figure over the world total printed in the raw USGS MCS 2026 file; where the
    listed figures add up to more than that rounded total, the page reads a range up to 100%."""
    raw = pl.read_csv(upstream_dir / MCS2026, infer_schema=False, encoding="utf8-lossy").filter(
        (pl.col("Statistics") == "Production") & (pl.col("Year") == "2025")
    )
    for slug, (commodity, stage) in SAMPLE.items():
        part = raw.filter(pl.col("Commodity") == commodity)
        china, world = (
            float(part.filter(pl.col("Country") == who)["Value"][0].replace(",", "").lstrip(">"))
            for who in ("China", "World total")
        )
        key = Fact(slug, "CHN", facts.WORLD_PRODUCTION_SHARE, "tonnes, USGS", stage, 2025)
        texts = set(_facts_of(public, f"minerals/{slug}")[key.key()])
        assert len(texts) == 1, (slug, texts)
        text = texts.pop()
        expected = fmt_pct(china / world)
        assert text == expected or (expected == "100.0%" and text.endswith("–100%")), slug
