"""One figure per fact: a machine-readable marker around each figure analysts quote, and the check
that a page never states one fact as two different figures.

A fact is (mineral, economy, measure, basis, stage, year). :func:`fact` wraps a figure's text as
``<span data-fact="gallium|CHN|world-production-share|tonnes, USGS MCS 2026|refinery|2025">``
— readers see the text only. Measures that are different things get different names (USGS's
U.S. net import reliance, the net import reliance computed here, the EU method's import reliance),
so they never count as a conflict; the same measure gets the same name on every page, so two
different figures of it do. :func:`conflicts` reads a built HTML page and lists every key that
carries more than one text; tests/test_one_fact.py runs it on every page of a build.

Table cells are escaped on their way into Markdown (``transforms.render.format_cell``); a cell
that is exactly one marker made here (:data:`transforms.render.FACT_CELL`) passes through.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from typing import Any, NamedTuple

from transforms.render import FACT_SEPARATOR, escape_html, escape_markdown
from transforms.site.figures import summary_share
from transforms.site.text import Markup, fmt_pct

# Measures. One name per measure, whatever page or table states it.
WORLD_PRODUCTION_SHARE = "world-production-share"
WORLD_RESERVES_SHARE = "world-reserves-share"
WORLD_EXPORTS_SHARE = "world-exports-share"


def import_share(supplier: str) -> str:
    """The measure "share of the importer's imports supplied by ``supplier``" (an ISO3 code)."""
    return f"share-of-imports-from-{supplier}"


CHINA_IMPORT_SHARE = import_share("CHN")
NET_IMPORT_RELIANCE = "net-import-reliance-baci-usgs"  # computed here, BACI tonnes
US_NET_IMPORT_RELIANCE = "us-net-import-reliance-usgs"  # USGS's own figure for the U.S.
EU_METHOD_IMPORT_RELIANCE = "import-reliance-eu-method"  # supply-risk mart, bounded 0-100%
BAN_VALUE_LOST = "export-ban-value-lost"
BAN_TONNES_LOST = "export-ban-tonnes-lost"
BAN_MONTHS_LOST = "export-ban-months-of-imports-lost"
STOCK_COST = "stockpile-cost"
RESERVE_TONNES = "reserve-tonnes"
RESERVE_MONTHS = "reserve-months-of-china-imports"
RESERVE_WORLD_SHARE = "reserve-share-of-world-output"
FLOOR_COST = "price-floor-cost"


class Fact(NamedTuple):
    """The identity of a figure: what it measures, of what, for whom, on which basis and when."""

    mineral: str
    economy: str
    measure: str
    basis: str
    stage: str
    year: Any

    def key(self) -> str:
        return FACT_SEPARATOR.join("" if part is None else str(part) for part in self)


def fact_cell(text: str, fact: Fact) -> str:
    """``text`` (a formatted figure) wrapped in its marker, for a Markdown table cell or a
    sentence. The separator is an entity so a marker cannot split a Markdown table row."""
    key = escape_html(fact.key()).replace(FACT_SEPARATOR, "&#124;")
    return f'<span data-fact="{key}">{escape_markdown(text)}</span>'


def fact(text: str, fact_: Fact) -> Markup:
    """A figure and its marker as trusted Markdown for a page model or template."""
    return Markup(fact_cell(text, fact_))


def importer_fact(measure: str, basis: str) -> Callable[[Mapping[str, Any]], Fact]:
    """The fact of a (mineral, importer, stage, year) row of a mart: ``measure`` on ``basis``."""
    return lambda r: Fact(r["mineral"], r["importer"], measure, basis, r["stage"], r["year"])


# The facts of the scenario and dependence marts' (mineral, importer, stage, year) rows.
nir_fact = importer_fact(NET_IMPORT_RELIANCE, "tonnes")
ban_tonnes_fact = importer_fact(BAN_TONNES_LOST, "tonnes")
ban_usd_fact = importer_fact(BAN_VALUE_LOST, "value")
ban_share_fact = importer_fact(CHINA_IMPORT_SHARE, "tonnes")  # the ban's share lost: tonnes
ban_months_fact = importer_fact(BAN_MONTHS_LOST, "tonnes")


def eu_reliance_fact(row: Mapping[str, Any]) -> Fact:
    """The supply-risk mart's import reliance (EU method) of a row, at its production stage."""
    stage = row["production_stage"]
    return Fact(
        row["mineral"], row["importer"], EU_METHOD_IMPORT_RELIANCE, "tonnes", stage, row["year"]
    )


def floor_cost_fact(row: Mapping[str, Any]) -> Fact:
    """A price floor's yearly cost (mart scenario_price_floor row), the floor named in the basis."""
    return Fact(row["mineral"], "", FLOOR_COST, f"floor {row['floor_id']}", "", row["year"])


def reserve_tonnes_fact(row: Mapping[str, Any]) -> Fact:
    """The tonnes a reserve budget buys (mart scenario_reserve_budget row)."""
    return Fact(row["mineral"], row["economy"], RESERVE_TONNES, "tonnes", "", row["year"])


def reserve_months_fact(row: Mapping[str, Any], economy: str) -> Fact:
    """The months of ``economy``'s imports from China a reserve budget's tonnes equal."""
    return Fact(row["mineral"], economy, RESERVE_MONTHS, "tonnes", "", row["year"])


def stock_cost(text: str, who: Mapping[str, str], days: int, stage: str, year: Any) -> Markup:
    """The cost of a stock of ``days`` of ``who``'s (mineral, importer) imports from China
    (mart scenario_stockpile), marked."""
    key = Fact(who["mineral"], who["importer"], STOCK_COST, f"{days} days", stage, year)
    return fact(text, key)


def reserve_share_fact(row: Mapping[str, Any]) -> Fact:
    """A reserve budget's tonnes as a share of world output of the mineral."""
    return Fact(row["mineral"], row["economy"], RESERVE_WORLD_SHARE, "tonnes", "", row["year"])


def fact_column(
    value: str, fmt: Callable[[Any], str], key: Callable[[Mapping[str, Any]], Fact | None]
) -> Callable[[Mapping[str, Any]], str]:
    """A row formatter for a table column: column ``value`` as ``fmt`` writes it, marked with the
    fact ``key`` makes of the row (unmarked where ``key`` gives None); null where the value is,
    as a formatted column without markers is."""

    def cell(row: Mapping[str, Any]) -> str | None:
        if row[value] is None:
            return None
        which = key(row)
        text = fmt(row[value])
        return text if which is None else fact_cell(text, which)

    return cell


# The economy a share column of a concentration row is of; "top_share" is the row's top producer.
_SHARE_OF = {"china_share": "CHN", "alliance_share": "ALLIANCE", "rest_share": "REST"}


def publisher(source: str | None) -> str:
    """The publisher a source label starts with: "USGS MCS 2026" -> "USGS", "World Mining Data
    2024" -> "WMD"."""
    first = (source or "").split(" ", 1)[0]
    return "WMD" if first == "World" else first


def world_share_fact(row: Mapping[str, Any], economy: str) -> Fact:
    """``economy``'s share of world production of a row (mineral, stage, year), or of world
    reserves — a row without a stage or a concentration row of that measure — dated by the USGS
    edition (the reserves' year + 1), or of world exports (by value) for an export row. The
    publisher is part of the basis (each divides by its own world total; a page that quotes two
    publishers for one year names each), and so is the product where the row names one.
    Reserves have one publisher (USGS), which the pages' reserve summaries do not carry."""
    measure, stage = row.get("measure"), row.get("stage")
    basis = "tonnes" + (f", {row['product']}" if row.get("product") else "")
    if measure == "reserves" or stage is None or stage == "reserves":
        edition = row["year"] + 1 if measure == "reserves" else row["edition"]
        return Fact(row["mineral"], economy, WORLD_RESERVES_SHARE, basis, "", edition)
    basis = ", ".join(
        part for part in ("tonnes", publisher(row.get("source")), row.get("product")) if part
    )
    if measure == "exports":
        return Fact(row["mineral"], economy, WORLD_EXPORTS_SHARE, "value", stage, row["year"])
    return Fact(row["mineral"], economy, WORLD_PRODUCTION_SHARE, basis, stage, row["year"])


def share_fact_for(economy: str) -> Callable[[Mapping[str, Any]], Fact]:
    """A table column's facts: ``economy``'s world share on each row (:func:`world_share_fact`)."""
    return lambda row: world_share_fact(row, economy)


def share_fact_in(column: str) -> Callable[[Mapping[str, Any]], Fact]:
    """A table column's facts: the world share of the economy each row names in ``column``."""
    return lambda row: world_share_fact(row, row[column])


def world_share(row: Mapping[str, Any], column: str) -> Markup:
    """A share column of a concentration row (the mart's, a page summary's) as the pages write
    it — ``figures.summary_share`` for China's and the top producer's, else a plain percentage —
    marked with :func:`world_share_fact`."""
    who = _SHARE_OF.get(column) or row.get("top_code") or row.get("top1_code")
    text = summary_share(row, column) if column in ("china_share", "top_share") else None
    return fact(text or fmt_pct(row[column]), world_share_fact(row, who))


_MARKER = re.compile(r'<span data-fact="[^"<>]*">(.*?)</span>')


def unmarked(text: str) -> str:
    """``text`` without its fact markers (their figures kept): what a reader sees, for records
    that compare text between builds (briefing-state.json)."""
    return _MARKER.sub(r"\1", str(text))


class _Markers(HTMLParser):
    """Collects the text of every ``data-fact`` span of a page, by key."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, list[str]] = defaultdict(list)
        self._open: list[str | None] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "span":
            return
        key = dict(attrs).get("data-fact")
        self._open.append(key)
        if key is not None:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag != "span" or not self._open:
            return
        key = self._open.pop()
        if key is not None:
            self.found[key].append(" ".join("".join(self._text).split()))

    def handle_data(self, data: str) -> None:
        if any(k is not None for k in self._open):
            self._text.append(data)


def page_facts(page_html: str) -> dict[str, list[str]]:
    """Every marked figure of an HTML page: key -> the texts it is stated as, in page order."""
    parser = _Markers()
    parser.feed(page_html)
    parser.close()
    return dict(parser.found)


def conflicts(page_html: str) -> dict[str, list[str]]:
    """The keys a page states as more than one different text, with those texts."""
    return {
        key: sorted(set(texts))
        for key, texts in page_facts(page_html).items()
        if len(set(texts)) > 1
    }
