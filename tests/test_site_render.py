"""The site's rendering helpers: escaping of hostile strings, charts, figures, downloads, publishing.

Small frames built here stand in for the clean tables and marts; the expected shares and texts
are worked out by hand in each test.
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import re
from datetime import date
from pathlib import Path

import markdown
import polars as pl
import pytest

from orchestration import publish
from transforms import metadata
from transforms.marts.concentration import production_concentration
from transforms.render import escape_html, escape_markdown, frame_to_markdown
from transforms.site import (
    changes,
    charts,
    datapackage,
    figures,
    palette,
    quality,
    templating,
)
from transforms.site.marts import SITE_MARTS
from transforms.site.model import PageContext, Section
from transforms.site.pages.methodology import mart_docs
from transforms.site.sections import GENERIC_ORDER, SectionRegistry
from transforms.site.text import Markup, fmt_mass, fmt_num, fmt_pct, fmt_pp, fmt_usd, md

HOSTILE = [
    "<script>alert(1)</script>",
    "**bold**",
    "[x](javascript:alert(1))",
    "a | b",
    "<img src=x onerror=alert(1)>",
    "Name {: onclick=alert(1) }",
    "`code` _under_ ~strike~ # hash",
    "line one\n# line two",
]


def to_html(text: str) -> str:
    """Python-Markdown with the site's extensions, as MkDocs renders a page."""
    return markdown.markdown(text, extensions=["tables", "attr_list", "admonition", "toc"])


# --- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE)
def test_escaped_markdown_renders_as_the_same_text(hostile):
    html = to_html(f"Country: {escape_markdown(hostile)}")
    assert "<script" not in html and "<img" not in html
    assert "<strong>" not in html and "<a " not in html and "<code>" not in html
    assert "onclick" not in html.split(">", 1)[0]  # no attribute smuggled onto the paragraph
    # What a reader sees is the original text (line breaks folded to spaces).
    visible = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    assert " ".join(hostile.splitlines()) in visible


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_cells_stay_in_their_table_cell(hostile):
    df = pl.DataFrame({"economy": [hostile, "Japan"], "share": [0.5, 0.25]})
    html = to_html(frame_to_markdown(df))
    assert html.count("<tr>") == 3  # header + two rows: a "|" did not split a row
    assert all(row.count("<td") == 2 for row in html.split("<tr>")[2:])
    assert "<script" not in html and "<a " not in html and "<strong>" not in html


def test_heading_with_attribute_list_syntax_gets_no_attribute():
    html = to_html("## " + escape_markdown("Gallium {: onclick=alert(1) #evil }"))
    opening_tag = html.split(">", 1)[0]
    assert " onclick=" not in opening_tag and 'id="evil"' not in html  # the slug may hold the text
    assert "{: onclick=alert(1) #evil }" in html  # shown as text


def test_escape_html_covers_attribute_quotes():
    assert escape_html('"><script>') == "&quot;&gt;&lt;script&gt;"


def test_md_pattern_keeps_its_own_markup_and_escapes_values():
    out = md("China mines **{share}** of {name}.", share="68%", name="**gold** <b>")
    assert isinstance(out, Markup)
    assert to_html(out).count("<strong>") == 1
    assert "&lt;b&gt;" in to_html(out)


def test_templates_escape_every_value(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        "# {{ title }}\n\n{{ trusted }} [x]({{ link|url }})\n", encoding="utf-8"
    )
    env = templating.environment(tmp_path)
    out = env.get_template("t.md.j2").render(
        title="<script>alert(1)</script>", trusted=Markup("**ok**"), link="javascript:alert(1)"
    )
    html = to_html(out)
    assert "<script" not in html
    assert "<strong>ok</strong>" in html
    assert 'href="javascript' not in html


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://doi.org/10.3133/mcs2024", True),
        ("minerals/gallium.md#prices", True),
        ("javascript:alert(1)", False),
        ("x) [y](z", False),
    ],
)
def test_safe_url_keeps_only_plain_links(url, kept):
    assert (str(templating.safe_url(url)) == url) is kept


# --- number formats ----------------------------------------------------------------------------


def test_number_formats():
    assert fmt_pct(0.6823) == "68.2%"
    assert fmt_pct(0.0003) == "<0.1%"
    assert fmt_pct(None) == "n/a"
    assert fmt_pp(0.031) == "+3.1 pp"
    assert fmt_num(1234567.0) == "1,234,567"
    assert fmt_num(0.456) == "0.456"
    assert fmt_mass(2_340_000) == "2.34 million t"
    assert fmt_usd(87_600_000_000) == "$87.6 billion"
    assert fmt_usd(float("nan")) == "n/a"


# --- charts ------------------------------------------------------------------------------------


def test_chart_is_accessible_inline_svg_in_the_palette():
    rows = pl.DataFrame(
        {
            "label": ["<script>x</script>", "Japan"],
            "group": [palette.CHINA, palette.ALLIANCE],
            "value": [10.0, 5.0],
        }
    )
    out = charts.ranked_bars(
        "t-1",
        rows,
        title="A & B <title>",
        description="Bars: China 10, Japan 5.",
        source="USGS",
        value_title="t",
    )
    # Left out of the search index: the index holds names and findings, not chart text.
    assert out.startswith('<figure class="briefing-chart" id="t-1" data-search-exclude><svg')
    assert "\n" not in out  # one line: a raw HTML block Markdown passes through whole
    assert 'role="img"' in out and 'aria-labelledby="t-1-title t-1-desc"' in out
    assert '<title id="t-1-title">A &amp; B &lt;title&gt;</title>' in out
    assert '<desc id="t-1-desc">Bars: China 10, Japan 5.</desc>' in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert (
        palette.GROUP_COLOURS[palette.CHINA] in out
        and palette.GROUP_COLOURS[palette.ALLIANCE] in out
    )
    assert "http" not in out.replace("http://www.w3.org", "")


# --- figures -----------------------------------------------------------------------------------


def _production() -> pl.DataFrame:
    base = {
        "mineral": "gallium",
        "stage": "refinery",
        "year": 2024,
        "unit_basis": "contained",
        "is_estimate": False,
        "source_file": "f.csv",
        "source": "USGS MCS",
        "edition": 2026,
        "chosen_because": "USGS MCS publishes it (first in the precedence)",
        "value_text": None,
    }
    rows = [
        {
            "country_code": "CHN",
            "country_kind": "economy",
            "production_t": 700.0,
            "value_flag": None,
        },
        {
            "country_code": "JPN",
            "country_kind": "economy",
            "production_t": 100.0,
            "value_flag": None,
        },
        {"country_code": "USA", "country_kind": "economy", "production_t": None, "value_flag": "W"},
        {
            "country_code": "OTHER",
            "country_kind": "aggregate",
            "production_t": 100.0,
            "value_flag": None,
        },
        {
            "country_code": "WORLD",
            "country_kind": "aggregate",
            "production_t": 1000.0,
            "value_flag": None,
        },
    ]
    return pl.DataFrame([{**base, **r} for r in rows]).with_columns(
        pl.col("year").cast(pl.Int16), pl.col("edition").cast(pl.Int16)
    )


def _summary(production: pl.DataFrame, alliance: list[str]) -> dict:
    """The page summary of ``production`` as the site computes it: from the concentration mart."""
    mart = production_concentration(production, china=["CHN"], alliance=alliance)
    shares = figures.production_shares(production, mart, alliance=alliance, china=["CHN"])
    return figures.stage_summary(mart, shares).row(0, named=True)


def test_shares_use_the_published_world_total_and_name_withheld_figures():
    summary = _summary(_production(), ["JPN", "USA"])
    # 700/1000, (100 + withheld 0)/1000, rest = 1 - 0.7 - 0.1
    assert summary["china_share"] == pytest.approx(0.7)
    assert summary["alliance_share"] == pytest.approx(0.1)
    assert summary["rest_share"] == pytest.approx(0.2)
    assert summary["top_code"] == "CHN" and summary["withheld"] == "USA"


def test_mixed_bases_get_no_shares():
    df = _production().with_columns(
        pl.when(pl.col("country_code") == "JPN")
        .then(pl.lit("gross_weight"))
        .otherwise(pl.col("unit_basis"))
        .alias("unit_basis")
    )
    summary = _summary(df, ["JPN"])
    assert summary["mixed_basis"] and summary["china_share"] is None


def test_bloc_imports_leave_out_trade_between_members():
    flows = pl.DataFrame(
        {
            "year": [2024] * 4,
            "exporter_code": ["CHN", "DEU", "AUS", "CHN"],
            "importer_code": ["FRA", "FRA", "FRA", "JPN"],
            "mineral": ["graphite"] * 4,
            "stage": ["mine"] * 4,
            "value_usd": [6e6, 3e6, 1e6, 2e6],
            "quantity_t": [6.0, 3.0, 1.0, 2.0],
        }
    ).with_columns(pl.col("year").cast(pl.Int16))
    imports = figures.importer_flows(
        flows, alliance=["FRA", "DEU", "AUS", "JPN"], eu27=["FRA", "DEU"]
    ).filter(pl.col("stage") == "all")

    def get(importer: str) -> dict:
        rows = imports.filter(pl.col("importer") == importer)
        total = rows["value_usd"].sum()
        china = rows.filter(pl.col("exporter_code") == "CHN")["value_usd"].sum()
        return {"china_share": china / total, "imports_usd": total}

    assert get("FRA")["china_share"] == pytest.approx(0.6)  # 6 of 10
    assert get("EU27")["china_share"] == pytest.approx(6 / 7)  # Germany's 3 are intra-EU
    assert get("ALLIANCE")["china_share"] == pytest.approx(1.0)  # only China is outside
    assert get("ALLIANCE")["imports_usd"] == pytest.approx(8e6)


def test_price_labels_of_both_editions():
    assert figures.price_label("Price_Metal") == "Metal"
    assert figures.price_label("CASE STATEMENT ERROROre") == "Ore"
    assert (
        figures.price_label("Price, average, dollars per pound | London Metal Exchange (LME), cash")
        == "London Metal Exchange (LME), cash"
    )
    assert figures.price_label("Price, average, dollars per pound") == "Price"


# --- mart registry, changes, quality -----------------------------------------------------------


def _ctx(page: str, key: str | None) -> PageContext:
    return PageContext(
        page,
        key,
        {"gallium": "Gallium"},
        {"JPN": "Japan", "CHN": "China"},
        ["JPN"],
        ["CHN"],
        [],
        path="minerals/gallium.md",
    )


def test_unregistered_mart_shows_as_a_generic_escaped_table():
    df = pl.DataFrame(
        {
            "mineral": ["gallium", "gallium", "zinc"],
            "year": [2023, 2024, 2024],
            "note": ["old", "<script>x</script>", "z"],
        }
    )
    sections = SectionRegistry().sections(
        "mineral", _ctx("mineral", "gallium"), {"some_new_mart": df}
    )
    assert len(sections) == 1
    assert sections[0].title == "Some new mart"
    html = to_html(str(sections[0].table))
    assert "2024" in html and "2023" not in html  # latest year only
    assert "<script" not in html


def test_registered_section_replaces_the_generic_one():
    registry, calls = SectionRegistry(), []

    @registry.mart("test_only_mart", page="mineral", title="Test", order=1)
    def _section(df, ctx):
        calls.append(ctx.key)
        return None

    out = registry.sections(
        "mineral",
        _ctx("mineral", "gallium"),
        {"test_only_mart": pl.DataFrame({"mineral": ["gallium"]})},
    )
    assert out == [] and calls == ["gallium"]


def test_sections_follow_their_order_with_generic_tables_in_their_slot():
    registry = SectionRegistry()
    figures_seen = []

    @registry.figures("mineral", order=GENERIC_ORDER + 5)
    def _after(fig, ctx):
        figures_seen.append(fig)
        return Section(title="After the generic tables", anchor="after")

    @registry.mart("known_mart", page="mineral", title="Known", order=GENERIC_ORDER - 5)
    def _known(df, ctx):
        return Section(title=f"Known: {df.height} rows", anchor="known")

    @registry.figures("country", order=1)
    def _other_page(fig, ctx):
        raise AssertionError("a country section built for a mineral page")

    tables = {
        "known_mart": pl.DataFrame({"mineral": ["gallium", "zinc"]}),
        "new_mart": pl.DataFrame({"mineral": ["gallium"], "value": [1.0]}),
        "absent_for_this_mineral": pl.DataFrame({"mineral": ["zinc"]}),
    }
    out = registry.sections("mineral", _ctx("mineral", "gallium"), tables, figures="the figures")
    assert [s.title for s in out] == ["Known: 2 rows", "New mart", "After the generic tables"]
    assert figures_seen == ["the figures"]
    # Only mineral and country pages list unregistered marts.
    assert registry.sections("scenarios", _ctx("scenarios", None), tables) == []


def test_methodology_documents_only_modules_that_compute_a_mart():
    documented = dict(mart_docs(dict.fromkeys(SITE_MARTS)))
    assert {
        "concentration",
        "dependence",
        "supply_risk",
        "export_ban",
        "stockpile",
        "price_floor",
        "events",
    } <= set(documented)
    # Table metadata and curated policy data live beside the marts but compute none.
    assert not {"invariants", "scenarios"} & set(documented)
    assert "Herfindahl" in documented["concentration"]
    assert [name for name, _ in mart_docs({"dependence": pl.DataFrame()})] == ["dependence"]


def test_changes_between_builds():
    summary = pl.DataFrame(
        {
            "mineral": ["gallium"],
            "stage": ["refinery"],
            "year": [2025],
            "china_share": [0.98],
            "alliance_share": [0.01],
        }
    )
    empty = pl.DataFrame()
    before = changes.headline_state(
        date(2026, 1, 1),
        {},
        summary.with_columns(pl.lit(0.95).alias("china_share")),
        empty,
        {"clean/production": 10},
        [],
    )
    after = changes.headline_state(
        date(2026, 2, 1), {}, summary, empty, {"clean/production": 12}, ["cn-1"]
    )
    diff = changes.diff_states(before, after, {"gallium": "Gallium"})
    assert any("Gallium, refinery 2025: China 98.0% (was 95.0%, +3.0 pp)" in d for d in diff)
    assert "Table \u201cProduction by mineral, stage, economy and year\u201d: 12 rows (was 10)." in diff
    assert "New export-control event: cn-1." in diff
    log = changes.update_changelog(
        [{"date": "2026-01-01", "changes": ["First published build of the briefing."]}],
        date(2026, 2, 1),
        diff,
        first_build=False,
    )
    assert log[0]["date"] == "2026-02-01" and len(log) == 2
    assert changes.diff_states(after, after, {}) == []


def test_quality_statuses_follow_the_data_quality_tables():
    clean = {
        "country_name_coverage": pl.DataFrame({"code": ["FRA", None]}),
        "usgs_wmd_comparison": pl.DataFrame({"disagrees": [True, False]}),
    }
    by_check = {c["check"]: c for c in quality.checks(clean, [])}
    assert by_check["all_names_mapped"]["status"] == "failed"
    assert by_check["usgs_wmd_agree"]["status"] == "warning"


# --- downloads and publishing ------------------------------------------------------------------


def test_datapackage_describes_every_table(tmp_path):
    manifests = {
        "usgs-mcs": {
            "source": "usgs-mcs",
            "title": "MCS",
            "url": "https://example.org",
            "licence": "Public domain (U.S. Government work)",
            "citation": "USGS",
        }
    }
    clean = {"production": _production()}
    marts_ = {
        "concentration": pl.DataFrame(
            {
                "mineral": ["gallium"],
                "hhi": [9000.0],
                "china_share": [0.9],
                "codes": [["CHN", "JPN"]],
                "source": ["USGS MCS"],
            }
        )
    }
    out = datapackage.write_downloads(clean, marts_, tmp_path, manifests, date(2026, 1, 1))
    assert {d["name"] for d in out} == {"production", "concentration"}
    package = json.loads((tmp_path / "datapackage.json").read_text())
    res = {r["name"]: r for r in package["resources"]}
    assert res["production"]["schema"]["primaryKey"] == ["mineral", "stage", "country_code", "year"]
    fields = {f["name"]: f for f in res["production"]["schema"]["fields"]}
    assert fields["production_t"]["type"] == "number" and fields["production_t"]["unit"] == "t"
    assert fields["year"]["type"] == "integer"
    assert res["production"]["licenses"][0]["name"] == "other-pd"
    assert res["concentration"]["sources"][0]["title"] == "MCS"
    assert {
        f["name"]: f["unit"] for f in res["concentration"]["schema"]["fields"] if "unit" in f
    } == {
        "mineral": "code",
        "china_share": "share 0-1",
        "hhi": "index 0-10,000",
        "source": "text",
    }
    csv_gz = tmp_path / "concentration.csv.gz"
    assert gzip.decompress(csv_gz.read_bytes()).decode().splitlines()[1].startswith(
        "gallium,9000.0,0.9,CHN;JPN"
    )
    assert res["concentration"]["path"] == "concentration.csv.gz"
    assert res["concentration"]["compression"] == "gz"
    assert res["concentration"]["bytes"] == csv_gz.stat().st_size
    assert res["production"]["hash"].startswith("sha256:")


def test_failed_mkdocs_build_leaves_the_published_site_intact(tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "index.html").write_text("previous site")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("[broken](missing.md)\n")  # strict mode fails on a broken link
    with pytest.raises(publish.SiteBuildError, match=r"missing\.md"):
        publish.build_and_publish(docs, public)
    assert (public / "index.html").read_text() == "previous site"
    assert not list(tmp_path.glob("public.staging-*"))


def test_interrupted_swap_is_recovered(tmp_path):
    public, previous = tmp_path / "public", tmp_path / "public.previous"
    previous.mkdir()
    (previous / "index.html").write_text("last good site")
    (tmp_path / "public.staging-abc").mkdir()
    publish.recover_interrupted_publish(public)
    assert (public / "index.html").read_text() == "last good site"
    assert not previous.exists() and not (tmp_path / "public.staging-abc").exists()


def test_generated_config_points_mkdocs_at_this_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / publish.NAV_FILE).write_text(json.dumps([{"Home": "index.md"}]))
    config = publish.generated_config(docs, tmp_path / "site")
    assert config["INHERIT"] == str(publish.MKDOCS_CONFIG.resolve())
    assert config["docs_dir"] == str(docs.resolve()) and config["nav"] == [{"Home": "index.md"}]
    assert Path(config["theme"]["custom_dir"]).is_absolute()


def test_source_lines_name_tables_and_link_addresses():
    """Readers see a table's title, not "mart supply_risk", a plain name for a repository file,
    and a bare address as a link; Markdown-escaped underscores are read back."""
    line = templating.cite(
        "mart supply_risk (WGI; data/reference/policy/price_floors.yaml; https://x.org/a_b)"
    )
    title = metadata.TABLES["supply_risk"].title
    assert str(line).startswith(f"the table “{escape_markdown(title)}”")
    assert "the briefing's price floors list" in line and "<https://x.org/a_b>)" in line
    assert "supply_risk" not in line and "data/reference" not in line
    note = templating.links(md("Sources: {u}", u="https://a.org/x/, http://b.org/1."))
    assert str(note) == "Sources: <https://a.org/x/>, <http://b.org/1>."
    assert templating.links(Markup("[x](https://c.org)")) == Markup("[x](https://c.org)")
    named = templating.code_names("the `chosen_because` column and qa_flag; mcs-raree_salient.csv")
    assert str(named) == (
        "the <code>chosen_because</code> column and <code>qa_flag</code>; mcs-raree\\_salient.csv"
    )


def test_footer_settings_get_the_builds_date_and_version(tmp_path, monkeypatch):
    from transforms.site.pages.data import SITE_META_FILE, write_site_meta

    write_site_meta(tmp_path, "2026-11-30")
    assert (tmp_path / SITE_META_FILE).exists()
    monkeypatch.setenv("BRIEFING_REPOSITORY_URL", "https://example.org/briefing")
    footer = publish.generated_config(tmp_path, tmp_path / "site")["extra"]["briefing"]
    assert footer["as_of"] == "2026-11-30" and footer["version"]
    assert footer["repository"] == "https://example.org/briefing"
    assert footer["licence"] == "CC BY 4.0" and footer["engineering_page"]
