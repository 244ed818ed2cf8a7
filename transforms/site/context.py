"""The figures every page draws on, computed once per build from the clean tables.

``SiteFigures`` holds the production and reserve shares (of the concentration mart), trade flows and import dependence,
prices and net import reliance (``transforms.site.figures``), sliced per mineral once, and the
names of economies and minerals; page modules and figures sections read them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

import polars as pl

from transforms.metadata import dtypes
from transforms.metadata.sources import release_labels
from transforms.site import figures
from transforms.site.model import PageContext, Section
from transforms.site.sections import SECTIONS

if TYPE_CHECKING:
    from transforms.site.builder import SiteData

SOURCE_USGS = "USGS Mineral Commodity Summaries"


def production_source(source: str | None, edition: int | None) -> str:
    """How a production figure's source reads on a page: USGS with its MCS edition, or the
    fallback source (IEA, BGS, World Mining Data) the clean layer's precedence chose."""
    if not source or source.startswith("USGS"):
        return f"{SOURCE_USGS} {edition}" if edition else SOURCE_USGS
    return f"{source} ({edition} release)" if edition and str(edition) not in source else source


TREND_YEARS = 15
BLOC_NAMES = {
    figures.EU_BLOC: "European Union (27, as a bloc)",
    figures.ALLIANCE_BLOC: "The alliance (as a bloc)",
}


class SiteFigures:
    """Precomputed figures shared by the pages."""

    def __init__(self, data: SiteData):
        self.data = data
        self.alliance = list(data.alliance)
        self.china = list(data.china)
        self.eu27 = list(data.eu27)
        self.names: dict[str, str] = dict(
            zip(data.economies["iso3"], data.economies["name"], strict=True)
        )
        self.names.update(BLOC_NAMES)
        self.minerals = sorted(data.minerals, key=lambda m: m["name"].lower())
        self.mineral_names = {m["slug"]: m["name"] for m in data.minerals}
        self.minerals_by_slug = {m["slug"]: m for m in data.minerals}
        clean = data.clean
        # Shares of world production and reserves are the concentration mart's (one place).
        conc = data.marts["concentration"]
        self.shares = figures.production_shares(
            clean["production"], conc, self.alliance, self.china
        )
        self.summary = figures.stage_summary(conc, self.shares)
        self.reserve_rows = figures.reserve_shares(
            clean["reserves"], conc, self.alliance, self.china
        )
        self.reserve_summary = figures.reserve_summary(conc)
        flows = figures.trade_flows(clean["trade"])
        self.importer_flows = figures.importer_flows(flows, self.alliance, self.eu27)
        # One figure per importer, mineral and year, with its trade coverage (the dependence
        # marts): what pages quote as China's share of imports.
        self.import_shares = self._mart("china_import_shares")
        self.import_summary = self._mart("china_import_summary")
        self.other_sources = self._mart("china_other_sources")
        self.trade_year = int(clean["trade"]["year"].max()) if clean["trade"].height else None
        self.prices = figures.price_series(clean["us_salient"])
        self.nir = figures.net_import_reliance(clean["us_salient"])
        self.wmd = clean.get("production_wmd")
        # Export-control events by id -> the announcement's name readers know them by.
        events = data.marts.get("export_control_events")
        self.event_labels: dict[str, str] = (
            dict(zip(events["event_id"], events["announcement"], strict=True))
            if events is not None
            else {}
        )
        # The BACI label as the data carry it (file names): the subset's exact release is
        # unknown, which the Sources page explains.
        label = release_labels(data.manifests).get("baci-hs92")
        self.baci_source = (
            f"CEPII BACI, HS92 (files labelled {label}; see Sources)"
            if label
            else "CEPII BACI, HS92"
        )
        # Per-mineral slices, partitioned once.
        self.shares_by = self.shares.partition_by("mineral", as_dict=True)
        self.reserves_by = self.reserve_rows.partition_by("mineral", as_dict=True)
        self.prices_by = self.prices.partition_by("mineral", as_dict=True)
        self.import_shares_by = self.import_shares.partition_by("mineral", as_dict=True)
        self.other_sources_by = self.other_sources.partition_by("mineral", as_dict=True)
        self._exposure: dict[str, pl.DataFrame] = {}

    def _mart(self, name: str) -> pl.DataFrame:
        """A mart the figures read, or an empty frame of its registry schema without it."""
        df = self.data.marts.get(name)
        return df if df is not None else pl.DataFrame(schema=dtypes(name))

    def economy(self, code: str | None) -> str:
        return "n/a" if code is None else self.names.get(code, code)

    def context(self, page: str, key: str | None, path: str) -> PageContext:
        return PageContext(
            page=page,
            key=key,
            mineral_names=self.mineral_names,
            economy_names=self.names,
            alliance=self.alliance,
            china=self.china,
            eu27=self.eu27,
            path=path,
            extra={
                "trade_year": self.trade_year,
                "build_date": self.data.build_date,
                "event_labels": self.event_labels,
            },
        )

    def sections(self, ctx: PageContext) -> list[Section]:
        """The registered sections of the page ``ctx`` describes, in order."""
        return SECTIONS.sections(ctx.page, ctx, self.data.section_tables, self)

    def slice(self, parts: dict, slug: str) -> pl.DataFrame | None:
        """A mineral's rows of a table partitioned by mineral; None (never empty) when it has none."""
        return parts.get((slug,))

    def stage_row(self, slug: str, stage: str) -> dict | None:
        rows = self.summary.filter((pl.col("mineral") == slug) & (pl.col("stage") == stage))
        return rows.row(0, named=True) if rows.height else None

    def max_china_share(self, slug: str) -> tuple[float | None, str | None]:
        rows = self.summary.filter(
            (pl.col("mineral") == slug) & pl.col("china_share").is_not_null()
        )
        if not rows.height:
            return None, None
        best = rows.sort("china_share", descending=True).row(0, named=True)
        return best["china_share"], best["stage"]

    def import_row(self, importer: str, slug: str, year: int | None = None) -> dict | None:
        """The importer's China-share figure for the mineral (``china_import_shares``: one stage,
        value and tonnes, ``finding_ok`` and ``coverage_note``), latest year or ``year``."""
        part = self.slice(self.import_shares_by, slug)
        if part is None:
            return None
        rows = part.filter(pl.col("importer") == importer)
        if year is not None:
            rows = rows.filter(pl.col("year") == year)
        if not rows.height:
            return None
        return rows.sort("year").row(-1, named=True)

    def country_exposure(self, importer: str) -> pl.DataFrame:
        """Per mineral: latest-year imports, China's share, its change, top supplier."""
        if importer not in self._exposure:
            self._exposure[importer] = self._country_exposure(importer)
        return self._exposure[importer]

    def _country_exposure(self, importer: str) -> pl.DataFrame:
        shares = self.import_shares.filter(pl.col("importer") == importer)
        if self.trade_year is None or not shares.height:
            return pl.DataFrame()
        latest = shares.filter(pl.col("year") == self.trade_year)
        earlier = shares.filter(pl.col("year") == self.trade_year - 5).select(
            "mineral", "stage", pl.col("china_share").alias("china_share_before")
        )
        quoted = pl.col("finding_ok") & pl.col("material_imports")
        return (
            latest.join(earlier, on=["mineral", "stage"], how="left")
            .with_columns((pl.col("china_share") - pl.col("china_share_before")).alias("change"))
            # Findings first, by China's share; then the figures that are none.
            .sort(
                [quoted, "china_share", "mineral"],
                descending=[True, True, False],
                nulls_last=True,
            )
        )


SliceBuilder = Callable[[pl.DataFrame, "SiteFigures", PageContext], Section | None]


def mineral_slice(parts: str, *, order: int) -> Callable[[SliceBuilder], SliceBuilder]:
    """Register ``build(rows, site, ctx)`` as a figures section of mineral pages over the page
    mineral's rows of ``site.<parts>`` (a table partitioned by mineral, ``SiteFigures.slice``):
    the section is left out where the mineral has no rows, so no builder checks that again."""

    def decorate(build: SliceBuilder) -> SliceBuilder:
        @wraps(build)
        def section(site: SiteFigures, ctx: PageContext) -> Section | None:
            rows = site.slice(getattr(site, parts), ctx.key)
            return None if rows is None else build(rows, site, ctx)

        SECTIONS.figures("mineral", order=order)(section)
        return build

    return decorate


def country_slug(code: str) -> str:
    """The file name of an importer's page: the ISO3 code in lower case, "eu" for the EU bloc."""
    return "eu" if code == figures.EU_BLOC else code.lower()
