"""The home page's five answers, each a section with one sentence that carries the number, a
small chart and a link to the detail: how concentrated supply is (mine against processing),
who is exposed (China's share of each ally's imports), what an export ban would cost, what
stockpiles cost and what A$1.2bn buys, and what a price floor costs.

Findings are chosen by rules that cannot pick a meaningless number: a share of imports is
quoted only where its trade codes see the stage China holds and the imports are material
(``transforms.site.coverage``), a scenario figure only where its mart row is computable
(``not_computable_reason`` is null), and a processing share only where a source publishes one.
"""

from __future__ import annotations

import polars as pl

from transforms.site import charts
from transforms.site.context import SiteFigures
from transforms.site.coverage import quotable_expr, shares_text
from transforms.site.figures import ALLIANCE_BLOC, EU_BLOC, summary_share
from transforms.site.model import Headline, PageContext, Section
from transforms.site.pages.mineral_concentration import stage_rows
from transforms.site.render_tables import (
    NOT_COMPUTABLE,
    md_table,
)
from transforms.site.text import Markup, fmt_pct, fmt_usd, md

CONCENTRATED_ON_CHART = 12
EXPOSURE_MIN_SHARE = 0.1
# The minerals of the energy transition the talks single out (batteries, magnets): the home
# page shows their history and outlook.
OUTLOOK_MINERALS = ("rare-earths", "graphite", "cobalt", "lithium")
OUTLOOK_YEARS = (2030, 2035)
HISTORY_YEAR = 2000
STAGE_WORD = {"mine": "Mine", "refinery": "Processing"}


def headline_allies(site: SiteFigures) -> list[str]:
    """The importers the home page names: the alliance and the EU as blocs, then each member
    outside the EU and the EU's G7 members (the other EU members are on their country pages)."""
    eco = site.data.economies
    g7 = set(eco.filter(pl.col("is_g7"))["iso3"].to_list()) if "is_g7" in eco.columns else set()
    eu = set(site.eu27)
    members = [c for c in site.alliance if c not in eu or c in g7]
    return [ALLIANCE_BLOC, EU_BLOC, *sorted(members, key=site.economy)]


def us_dollars(value: float | None, year: object) -> str:
    """'US$103 million (2024 dollars)'."""
    text = fmt_usd(value)
    return f"US{text} ({year} dollars)" if text.startswith("$") else text


def latest_year(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("year") == df["year"].max()) if df.height else df


# --- 1. How concentrated --------------------------------------------------------------------


def stage_pairs(site: SiteFigures) -> pl.DataFrame:
    """Per mineral: China's share at the mine and at the processing stage (the mineral pages'
    :func:`stage_rows`), with year and source; minerals ranked by the larger of the two."""
    rows = []
    for m in site.minerals:
        if m.get("downstream_of"):
            continue
        for r in stage_rows(site, m["slug"]):
            rows.append({"mineral": m["slug"], "name": m["name"], **r})
    if not rows:
        return pl.DataFrame()
    df = pl.DataFrame(rows).unique(["mineral", "stage"], keep="first", maintain_order=True)
    best = df.group_by("mineral").agg(pl.col("share").max().alias("_best"))
    return df.join(best, on="mineral").sort(["_best", "name"], descending=[True, False]).drop("_best")


def concentration_section(site: SiteFigures, pairs: pl.DataFrame) -> tuple[list[Section], list[Headline]]:
    section = Section(
        title="1. How concentrated is supply?",
        anchor="how-concentrated",
        source="USGS Mineral Commodity Summaries; IEA Critical Minerals Data Explorer (processing, 2023); each mineral page names the source of each figure",
    )
    found: list[Headline] = []
    processing = pairs.filter(pl.col("stage") == "refinery")
    mining = pairs.filter(pl.col("stage") == "mine")
    over_half = processing.filter(pl.col("share") > 0.5).sort(["share", "name"], descending=[True, False])
    if processing.height:
        top = over_half.head(3)
        examples = Markup("; ").join(
            md(
                "{name} {share} ({year}, {source})",
                name=r["name"].lower(),
                share=Markup(r["share_text"]),  # marked by stage_rows (transforms/site/facts.py)
                year=r["year"],
                source=r["source"],
            )
            for r in top.iter_rows(named=True)
        )
        text = md(
            "China processes more than half of the world's supply of **{n} of the {m} minerals** with a published processing figure, and mines more than half of {k} of {j} — the hold is in processing: {examples}.",
            n=over_half.height,
            m=processing.height,
            k=mining.filter(pl.col("share") > 0.5).height,
            j=mining.height,
            examples=examples,
        )
        section.paragraphs.append(text)
        found.append(Headline(text, link="minerals/index.md", key="china_processing_majority", value=float(over_half.height)))
    chart_minerals = pairs.select("mineral").unique(maintain_order=True).head(CONCENTRATED_ON_CHART)
    chart_rows = pairs.join(chart_minerals, on="mineral").select(
        pl.col("name").alias("label"),
        pl.col("stage").replace_strict(STAGE_WORD).alias("series"),
        pl.col("share").alias("value"),
    )
    if chart_rows.height:
        section.draw(
            charts.grouped_bars,
            "home-concentration",
            chart_rows,
            value_title="China's share of world supply (%)",
            value_format=".0%",
            title="China's share at the mine and at the processing stage",
            description=f"China's share of world mine and processing output for the {chart_minerals.height} minerals where it is largest, latest year each source publishes.",
        )
    section.paragraphs.append(
        md("Every mineral ranked, with stage, year and source: [Minerals](minerals/index.md).")
    )
    more = outlook_section(site)
    return [section, *([more] if more else [])], found


def outlook_section(site: SiteFigures) -> Section | None:
    """China's share then, now and in the IEA's outlook for the battery and magnet minerals:
    mine share in 2000 (history) and latest, processing share in 2023 and 2030/2035 (IEA base
    case), with a chart of the processing outlook."""
    history = site.data.marts.get("concentration_history")
    outlook = site.data.marts.get("concentration_outlook")
    if history is None or outlook is None:
        return None
    rows, lines = [], []
    for slug in OUTLOOK_MINERALS:
        if slug not in site.mineral_names:
            continue
        name = site.mineral_names[slug]
        past = history.filter(
            (pl.col("mineral") == slug) & (pl.col("stage") == "mine") & (pl.col("year") == HISTORY_YEAR)
        )
        now = site.stage_row(slug, "mine")
        proc = outlook.filter((pl.col("mineral") == slug) & (pl.col("stage") == "refinery"))
        by_year = {r["year"]: r for r in proc.iter_rows(named=True)}
        base = min(by_year) if by_year else None
        rows.append(
            {
                "Mineral": name,
                f"Mine, {HISTORY_YEAR}": fmt_pct(past["china_share"][0]) if past.height else "",
                "Mine, latest": f"{summary_share(now, 'china_share')} ({now['year']})" if now else "",
                "Processing": (
                    f"{fmt_pct(by_year[base]['china_share'])} ({base}, {by_year[base]['product']})"
                    if base
                    else NOT_COMPUTABLE
                ),
                **{
                    f"Processing {y} (IEA)": fmt_pct(by_year[y]["china_share"]) if y in by_year else ""
                    for y in OUTLOOK_YEARS
                },
            }
        )
        lines += [
            {"year": y, "series": name, "value": r["china_share"]}
            for y, r in sorted(by_year.items())
            if r["china_share"] is not None
        ]
    if not rows:
        return None
    section = Section(
        title="Battery and magnet minerals: then, now and by 2035",
        anchor="outlook",
        source=f"BGS World Mineral Statistics ({HISTORY_YEAR}); USGS Mineral Commodity Summaries (latest mine year); IEA Critical Minerals Data Explorer, base case (processing 2023, 2030, 2035)",
    )
    section.paragraphs.append(
        md("China's share of world mine output in {y} and now, and of processing in 2023 with the IEA's base-case outlook; each mineral page charts the whole history since 1971: ", y=HISTORY_YEAR)
        + Markup(
            ", ".join(
                f"[{site.mineral_names[m].lower()} since 1971](minerals/{m}.md#history)"
                for m in OUTLOOK_MINERALS
                if m in site.mineral_names
            )
        )
        + "."
    )
    section.table = md_table(pl.DataFrame(rows), right=[k for k in rows[0] if k != "Mineral"])
    if lines:
        section.draw(
            charts.share_lines,
            "home-outlook",
            pl.DataFrame(lines),
            value_title="China's share of world processing",
            title="China's share of processing, 2023 and the IEA outlook",
            description="China's share of world processing (refining, separation, chemicals) in 2023 and in the IEA's base case for 2030, 2035 and 2040.",
        )
    return section


# --- 2. Who is exposed ------------------------------------------------------------------------


def exposure_section(site: SiteFigures, ctx: PageContext) -> tuple[list[Section], list[Headline]]:
    shares = latest_year(site.import_shares)
    if not shares.height:
        return [], []
    year = int(shares["year"].max())
    section = Section(
        title="2. Who is exposed?",
        anchor="who-is-exposed",
        source=f"{site.baci_source}, {year}; trade coverage: data/reference/trade_coverage.yaml",
    )
    found: list[Headline] = []
    summary = site.import_summary.filter(
        (pl.col("importer") == ALLIANCE_BLOC) & (pl.col("year") == year)
    )
    if summary.height:
        s = summary.row(0, named=True)
        names = [
            site.mineral_names.get(m, m).lower()
            for m in (m.strip() for m in (s["china_majority_minerals"] or "").split(","))
            if m
        ]
        text = md(
            "China supplies more than half of the alliance's imports of the processed forms of **{n} of {m} minerals** by value in {year} ({names}); {k} more cannot be assessed from trade codes that cover ores only or do not exist.",
            n=s["china_majority_value"],
            m=s["minerals_processed"],
            year=year,
            names=", ".join(sorted(names)) or "none",
            k=s["minerals_not_covered"],
        )
        section.paragraphs.append(text)
        found.append(
            Headline(text, link="countries/index.md", key="alliance_china_majority", value=float(s["china_majority_value"]))
        )
    importers = headline_allies(site)
    # Minerals where China supplies at least a tenth of the alliance's imports (a finding), in
    # order of that share; each ally's cell is its share, grey where its figure is no finding.
    mine = shares.filter(pl.col("importer").is_in(importers))
    minerals = (
        mine.filter(
            (pl.col("importer") == ALLIANCE_BLOC)
            & quotable_expr()
            & (pl.col("china_share") >= EXPOSURE_MIN_SHARE)
        )
        .sort(["china_share", "mineral"], descending=[True, False])["mineral"]
        .to_list()
    )
    cells = mine.filter(pl.col("mineral").is_in(minerals)).select(
        pl.col("mineral").replace_strict(site.mineral_names, default=pl.col("mineral")).alias("x"),
        pl.col("importer").replace_strict(site.names, default=pl.col("importer")).alias("y"),
        pl.when(quotable_expr()).then(pl.col("china_share")).alias("share"),
    )
    if cells.height:
        section.draw(
            charts.share_heatmap,
            "home-exposure",
            cells,
            x_title=None,
            x_sort=[site.mineral_names.get(m, m) for m in minerals],
            y_sort=[site.economy(c) for c in importers],
            title=f"China's share of each ally's imports, by value, {year}",
            description=f"China's share of the value of each ally's imports of the mineral (processed forms where the trade codes have them), for the minerals where China supplies at least {EXPOSURE_MIN_SHARE:.0%} of the alliance's imports. Grey: no finding, because the ally's imports are under US$1 million or its codes cover ores only where China's hold is in processing.",
        )
    r = site.import_row(ALLIANCE_BLOC, "rare-earths", year)
    if r is not None and bool(r["finding_ok"]):
        section.paragraphs.append(
            md(
                "For rare earths, China supplied {shares} of the alliance's imports of processed forms in {year}.",
                shares=shares_text(r),
                year=year,
            )
        )
    section.paragraphs.append(
        md("Each ally's figures, with what the trade codes cover: [Countries](countries/index.md).")
    )
    return [section], found
