"""Table metadata of the scenario and export-control marts, and their pandera schemas.

Same dataclasses as the clean layer (:mod:`transforms.tables`): one ``TableMeta`` per mart
feeds the Dagster asset description and column schema, the site's data pages, and the
``pandera.polars`` schema built here by :func:`schema_for_meta` (lazy validation, every
failure reported at once).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.tables import (
    MAX_YEAR,
    MIN_YEAR,
    MINERAL_COL,
    STAGES,
    Col,
    TableMeta,
    ValidationReport,
    schema_from_meta,
    validate_meta,
)

IMPORTER_KINDS = ("economy", "bloc")
SHARE = (("between", (0.0, 1.0)),)
NON_NEGATIVE = (("ge", 0),)

_YEAR = Col(
    pl.Int16,
    "Calendar year of the trade figures (BACI).",
    checks=(("between", (MIN_YEAR, MAX_YEAR)),),
)
_STAGE = Col(
    pl.Utf8,
    "Supply-chain stage of the traded goods: mine (ores, concentrates) or refinery.",
    checks=(("isin", STAGES),),
)
_IMPORTER = Col(
    pl.Utf8,
    "Importer: an ally's ISO3 code, EU27 (the EU as a bloc, intra-EU trade removed) or ALLIANCE (the allies as a bloc, trade among them removed).",
    checks=(("known", "importer"),),
)
_IMPORTER_KIND = Col(pl.Utf8, "economy or bloc.", checks=(("isin", IMPORTER_KINDS),))
_SOURCE = Col(pl.Utf8, "Sources the figures come from.")
_PRICE = Col(
    pl.Float64,
    "Latest USGS price of the chosen series, US$ per t of `price_product`; null where none is chosen or published.",
    nullable=True,
    checks=NON_NEGATIVE,
)
_PRICE_YEAR = Col(
    pl.Int16, "Year of that price.", nullable=True, checks=(("between", (MIN_YEAR, MAX_YEAR)),)
)
_PRICE_STAT = Col(
    pl.Utf8,
    "USGS salient statistic the price is (see parameters.yaml price_series).",
    nullable=True,
)
_PRICE_PRODUCT = Col(pl.Utf8, "What the price is for.", nullable=True)
_PRICE_MATCH = Col(
    pl.Boolean,
    "False where the priced product is not the traded good (e.g. metal price, ore trade): cost is then indicative only.",
    nullable=True,
)


MART_TABLES: dict[str, TableMeta] = {
    "scenario_export_ban": TableMeta(
        name="scenario_export_ban",
        title="Export-ban scenario: China stops exporting to the allies",
        description=(
            "For each ally, the EU27 bloc and the alliance bloc, per mineral and stage, in the latest "
            "BACI year: imports lost if China stops exporting (t, US$, share of imports and of supply), "
            "supply left from domestic production and non-China partners, and how many months of "
            "current use it covers. Current use = apparent consumption = production + imports - "
            "exports; months of cover = remaining supply / (use / 12). Direct effects only: no "
            "re-routing, no loss of allies' re-exports of Chinese material; a ban on one ally alone "
            "gives that ally's row."
        ),
        primary_key=("importer", "mineral", "stage", "year"),
        usage_warnings=(
            "Trade tonnes are gross weight of the traded goods, production is usually metal or oxide content: rows with basis_mismatch add the two.",
            "Minerals without HS codes in the BACI subset (gallium, indium, helium, silicon, strontium, magnesium) have no rows.",
            "Refined stages without a USGS production table (rare earths, cobalt, lithium, ...) have no months_of_cover: use months_of_cover_trade_only, which leaves production out.",
            "Exports in BACI include re-exports and misclassified goods (Australia's rare-earth concentrate shipped to Malaysia is filed as rare-earth metals, 280530), which can make use small and months of cover large.",
        ),
        columns={
            "importer": _IMPORTER,
            "importer_kind": _IMPORTER_KIND,
            "mineral": MINERAL_COL,
            "stage": _STAGE,
            "year": _YEAR,
            "imports_t": Col(
                pl.Float64,
                "Imports from outside the importer, t gross weight.",
                checks=NON_NEGATIVE,
            ),
            "imports_usd": Col(
                pl.Float64, "Imports from outside the importer, current US$.", checks=NON_NEGATIVE
            ),
            "imports_from_china_t": Col(
                pl.Float64, "Imports from China, t: what the ban takes away.", checks=NON_NEGATIVE
            ),
            "imports_from_china_usd": Col(
                pl.Float64, "Imports from China, US$.", checks=NON_NEGATIVE
            ),
            "non_china_imports_t": Col(
                pl.Float64, "Imports from everyone but China, t.", checks=NON_NEGATIVE
            ),
            "exports_t": Col(
                pl.Float64, "Exports to outside the importer, t.", checks=NON_NEGATIVE
            ),
            "net_imports_t": Col(pl.Float64, "imports_t - exports_t (negative: net exporter)."),
            "production_year": Col(
                pl.Int16,
                "Year of the production figures (latest USGS year <= the trade year); null where the stage has no production table.",
                nullable=True,
            ),
            "production_t": Col(
                pl.Float64,
                "Domestic production (sum over members), t on production_basis; null where not published for the stage.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "production_basis": Col(
                pl.Utf8,
                "What the production tonnage measures (contained, oxide_equivalent, gross_weight).",
                nullable=True,
            ),
            "production_withheld": Col(
                pl.Boolean,
                "True where a member's figure is withheld (W): production_t is then a lower bound.",
            ),
            "basis_mismatch": Col(
                pl.Boolean,
                "True where production (not gross weight) is added to trade tonnage (gross weight).",
            ),
            "supply_t": Col(
                pl.Float64, "production_t + imports_t.", nullable=True, checks=NON_NEGATIVE
            ),
            "lost_share_of_imports": Col(
                pl.Float64, "imports_from_china_t / imports_t.", nullable=True, checks=SHARE
            ),
            "lost_share_of_imports_usd": Col(
                pl.Float64, "imports_from_china_usd / imports_usd.", nullable=True, checks=SHARE
            ),
            "lost_share_of_supply": Col(
                pl.Float64, "imports_from_china_t / supply_t.", nullable=True, checks=SHARE
            ),
            "remaining_supply_t": Col(
                pl.Float64,
                "production_t + non_china_imports_t.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "use_t": Col(
                pl.Float64,
                "Current use = production + imports - exports, t; null where production is unknown or use is not positive.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "months_of_cover": Col(
                pl.Float64,
                "remaining_supply_t / (use_t / 12): months of current use the remaining annual supply covers (12+ = fully covered).",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "months_of_cover_trade_only": Col(
                pl.Float64,
                "non_china_imports_t / (net_imports_t / 12), production left out; null where net imports are not positive.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "shortfall_t": Col(
                pl.Float64,
                "max(0, use_t - remaining_supply_t).",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "cover_note": Col(pl.Utf8, "Why months_of_cover is null, where it is.", nullable=True),
            "exposure_share": Col(
                pl.Float64,
                "lost_share_of_supply, or lost_share_of_imports where production is unknown.",
                nullable=True,
                checks=SHARE,
            ),
            "exposure_basis": Col(
                pl.Utf8,
                "supply or imports: which share exposure_share is.",
                nullable=True,
                checks=(("isin", ("supply", "imports")),),
            ),
            "exposure_rank": Col(
                pl.Int32,
                "Rank of the mineral and stage for this importer by exposure_share, 1 = most exposed.",
                nullable=True,
                checks=(("ge", 1),),
            ),
            "source": _SOURCE,
        },
    ),
    "scenario_stockpile": TableMeta(
        name="scenario_stockpile",
        title="Stockpile scenario: days of China-sourced imports",
        description=(
            "Tonnes and cost to hold N days of each importer's imports from China (latest BACI year): "
            "stock = imports from China x N / 365; cost at the latest USGS price of the series chosen "
            "per mineral (parameters.yaml) and, as a check, at the imports' own unit value. Days are "
            "the configured days of cover plus the programmes' targets (Japan 60, Korea 100), named "
            "in `benchmark`."
        ),
        primary_key=("importer", "mineral", "stage", "year", "days"),
        usage_warnings=(
            "Where price_matches_trade is false the USGS price is for another product than the traded good (metal vs ore): prefer cost_usd_at_import_unit_value.",
            "Latest USGS prices in the clean table are for 2022-2023, the trade year is 2024.",
        ),
        columns={
            "importer": _IMPORTER,
            "importer_kind": _IMPORTER_KIND,
            "mineral": MINERAL_COL,
            "stage": _STAGE,
            "year": _YEAR,
            "days": Col(pl.Int32, "Days of China-sourced imports held.", checks=(("ge", 1),)),
            "benchmark": Col(
                pl.Utf8,
                "Programme whose target this many days is (JPN JOGMEC 60, KOR KOMIR 100).",
                nullable=True,
            ),
            "imports_from_china_t": Col(
                pl.Float64, "Imports from China in the year, t gross weight.", checks=NON_NEGATIVE
            ),
            "imports_from_china_usd": Col(
                pl.Float64, "Imports from China in the year, US$.", checks=NON_NEGATIVE
            ),
            "stock_t": Col(
                pl.Float64,
                "Stockpile size, t: imports_from_china_t x days / 365.",
                checks=NON_NEGATIVE,
            ),
            "price_usd_per_t": _PRICE,
            "price_year": _PRICE_YEAR,
            "price_statistic": _PRICE_STAT,
            "price_product": _PRICE_PRODUCT,
            "price_matches_trade": _PRICE_MATCH,
            "cost_usd": Col(
                pl.Float64, "stock_t x price_usd_per_t.", nullable=True, checks=NON_NEGATIVE
            ),
            "cost_usd_at_import_unit_value": Col(
                pl.Float64, "imports_from_china_usd x days / 365.", checks=NON_NEGATIVE
            ),
            "source": _SOURCE,
        },
    ),
    "scenario_reserve_budget": TableMeta(
        name="scenario_reserve_budget",
        title="What Australia's A$1.2bn reserve buys",
        description=(
            "The Critical Minerals Strategic Reserve budget (A$1.2bn by default) converted at the stated "
            "AUD/USD rate, split equally across the minerals the reserve names (antimony, gallium, rare "
            "earths), priced at the latest USGS price: tonnes, the days of Australia's and of the "
            "alliance's imports from China those tonnes equal, and their share of world production."
        ),
        primary_key=("economy", "mineral"),
        usage_warnings=(
            "The reserve mainly buys rights to Australian output; spending the whole budget on material is an upper bound.",
            "Australia imports little of these minerals: days_of_alliance_china_imports is the meaningful column.",
            "Gallium has no HS code in BACI; antimony's code covers ores only, which China does not export: days are null or meaningless for them (see note).",
        ),
        columns={
            "economy": Col(pl.Utf8, "Whose reserve (ISO3).", checks=(("known", "economy"),)),
            "mineral": MINERAL_COL,
            "stage": Col(
                pl.Utf8,
                "Stage of the price series and of the trade compared.",
                nullable=True,
                checks=(("isin", STAGES),),
            ),
            "year": _YEAR,
            "budget_aud": Col(pl.Float64, "Whole budget, A$.", checks=NON_NEGATIVE),
            "aud_usd": Col(pl.Float64, "US$ per A$ used.", checks=(("between", (0.2, 2.0)),)),
            "budget_usd": Col(pl.Float64, "Whole budget, US$.", checks=NON_NEGATIVE),
            "budget_share": Col(
                pl.Float64, "This mineral's share of the budget (equal split).", checks=SHARE
            ),
            "mineral_budget_usd": Col(
                pl.Float64, "This mineral's budget, US$.", checks=NON_NEGATIVE
            ),
            "price_usd_per_t": _PRICE,
            "price_year": _PRICE_YEAR,
            "price_statistic": _PRICE_STAT,
            "price_product": _PRICE_PRODUCT,
            "price_matches_trade": _PRICE_MATCH,
            "tonnes": Col(
                pl.Float64,
                "mineral_budget_usd / price_usd_per_t, t of price_product.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "economy_china_imports_t": Col(
                pl.Float64,
                "The economy's imports from China of the mineral's codes at that stage, t.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "days_of_economy_china_imports": Col(
                pl.Float64,
                "tonnes / (economy_china_imports_t / 365).",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "alliance_china_imports_t": Col(
                pl.Float64,
                "The alliance's (bloc) imports from China, t.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "days_of_alliance_china_imports": Col(
                pl.Float64,
                "tonnes / (alliance_china_imports_t / 365).",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "world_production_t": Col(
                pl.Float64, "Latest USGS world total, t.", nullable=True, checks=NON_NEGATIVE
            ),
            "world_production_stage": Col(
                pl.Utf8, "Stage of that world total.", nullable=True, checks=(("isin", STAGES),)
            ),
            "world_production_year": Col(pl.Int16, "Year of that world total.", nullable=True),
            "share_of_world_production": Col(
                pl.Float64,
                "tonnes / world_production_t (can exceed 1).",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "note": Col(pl.Utf8, "Caveat on the row.", nullable=True),
            "source": _SOURCE,
        },
    ),
    "scenario_price_floor": TableMeta(
        name="scenario_price_floor",
        title="Price-floor scenario: yearly cost of a minimum price for non-China supply",
        description=(
            "Back-test over the USGS salient price history: cost = max(0, floor - market price) x covered "
            "volume, per floor and year. Covered volume: the alliance's imports from outside the alliance "
            "and China (t), or a fixed tonnage set by the user. Default floors: price_floors.yaml (the "
            "US$110/kg NdPr floor of the July 2025 DoD-MP Materials agreement)."
        ),
        primary_key=("floor_id", "year"),
        usage_warnings=(
            "The floor's product and the USGS series can differ (NdPr oxide floor vs neodymium oxide price): see floor_product and price_product.",
            "Covered volume by HS code is gross weight of a product group wider than the floor's product: an upper bound.",
            "The clean USGS prices end in 2023; later years have no cost.",
        ),
        columns={
            "floor_id": Col(pl.Utf8, "Floor identifier (price_floors.yaml id or the user's)."),
            "mineral": MINERAL_COL,
            "stage": Col(
                pl.Utf8,
                "Stage of price and covered trade.",
                nullable=True,
                checks=(("isin", STAGES),),
            ),
            "year": Col(
                pl.Int16, "Year of the back-test.", checks=(("between", (MIN_YEAR, MAX_YEAR)),)
            ),
            "floor_usd_per_t": Col(pl.Float64, "Floor, US$ per t.", checks=NON_NEGATIVE),
            "floor_product": Col(pl.Utf8, "What the floor is for.", nullable=True),
            "price_usd_per_t": Col(
                pl.Float64,
                "USGS annual price that year, US$ per t of price_product.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "price_statistic": _PRICE_STAT,
            "price_product": _PRICE_PRODUCT,
            "gap_usd_per_t": Col(
                pl.Float64, "max(0, floor - price).", nullable=True, checks=NON_NEGATIVE
            ),
            "covered_basis": Col(pl.Utf8, "How covered_t is counted."),
            "covered_t": Col(
                pl.Float64, "Covered volume that year, t.", nullable=True, checks=NON_NEGATIVE
            ),
            "cost_usd": Col(
                pl.Float64, "gap_usd_per_t x covered_t, US$.", nullable=True, checks=NON_NEGATIVE
            ),
            "note": Col(pl.Utf8, "Why the cost is null, where it is.", nullable=True),
            "origin": Col(pl.Utf8, "documented (price_floors.yaml) or user setting."),
            "source": _SOURCE,
        },
    ),
    "export_control_events": TableMeta(
        name="export_control_events",
        title="China's export controls on critical minerals, 2023-2025",
        description=(
            "MOFCOM/GACC announcements: number, dates announced and effective, minerals, China's customs "
            "codes as published, the registry's HS92 codes that carry the controlled goods, sources. "
            "Curated in data/reference/policy/export_controls.yaml; rows marked verified false have "
            "unconfirmed parts, named in note."
        ),
        primary_key=("event_id",),
        usage_warnings=(
            "The HS92 codes usually over-cover the controlled goods (e.g. all rare-earth compounds for seven controlled elements).",
            "Several 2025 measures were suspended in November 2025: see status_note.",
        ),
        columns={
            "event_id": Col(pl.Utf8, "Identifier."),
            "announcement": Col(pl.Utf8, "Announcement as cited."),
            "issuers": Col(pl.Utf8, "Issuing bodies (MOFCOM, GACC)."),
            "number": Col(pl.Int32, "Announcement number.", checks=(("ge", 1),)),
            "number_year": Col(
                pl.Int16, "Year of the number.", checks=(("between", (2000, MAX_YEAR)),)
            ),
            "date_announced": Col(pl.Date, "Date issued."),
            "date_effective": Col(
                pl.Date, "Date the control took effect; null if it never did.", nullable=True
            ),
            "measure": Col(
                pl.Utf8,
                "licence, destination_ban or extraterritorial.",
                checks=(("isin", ("licence", "destination_ban", "extraterritorial")),),
            ),
            "target": Col(pl.Utf8, "all, or the ISO3 codes targeted."),
            "minerals": Col(pl.Utf8, "Registry minerals concerned, comma-separated."),
            "items": Col(pl.Utf8, "Controlled items in brief."),
            "hs_published": Col(
                pl.Utf8, "China's customs codes as published, comma-separated.", nullable=True
            ),
            "hs92": Col(
                pl.Utf8,
                "Registry HS92 codes carrying the goods, comma-separated; null if none.",
                nullable=True,
            ),
            "hs92_note": Col(
                pl.Utf8, "How well the HS92 codes match the controlled goods.", nullable=True
            ),
            "official_url": Col(
                pl.Utf8, "Official announcement URL where retrieved.", nullable=True
            ),
            "source_urls": Col(pl.Utf8, "Sources consulted, comma-separated.", nullable=True),
            "verified": Col(pl.Boolean, "False where part of the row is unconfirmed (see note)."),
            "status_note": Col(pl.Utf8, "Later suspensions or changes.", nullable=True),
            "note": Col(pl.Utf8, "What was and was not confirmed.", nullable=True),
            "effective_year": Col(pl.Int16, "Year of date_effective.", nullable=True),
            "has_hs92": Col(pl.Boolean, "Whether any registry HS92 code carries the goods."),
            "source": _SOURCE,
        },
    ),
    "event_study": TableMeta(
        name="event_study",
        title="China's exports of controlled goods before and after each export control",
        description=(
            "China's exports of each event's HS92 codes to the alliance, to the rest of the world and to "
            "a targeted economy, in the year before the effective date's year and the year after (BACI is "
            "annual; where BACI has no later year the effective year itself is used and "
            "days_in_force_in_after_year says how much of it was under the control). Changes in t, US$ "
            "and %."
        ),
        primary_key=("event_id", "hs6", "destination"),
        usage_warnings=(
            "Annual data: a change between two years is not caused by the control alone (prices, demand, earlier controls).",
            "An HS92 code not reported in a year is null, not zero (germanium 811230 has no flows after 2016).",
            "The ALLIANCE group includes a targeted economy (the United States for No. 46 of 2024).",
        ),
        columns={
            "event_id": Col(pl.Utf8, "Event (export_control_events)."),
            "hs6": Col(
                pl.Utf8,
                "HS92 code; 'all' = the event's codes summed; 'none' = the event has no code.",
            ),
            "destination": Col(pl.Utf8, "ALLIANCE, REST_OF_WORLD, or a targeted economy's ISO3."),
            "effective_year": Col(pl.Int16, "Year the control took effect.", nullable=True),
            "before_year": Col(pl.Int16, "Year compared before.", nullable=True),
            "after_year": Col(pl.Int16, "Year compared after.", nullable=True),
            "after_basis": Col(pl.Utf8, "Which year 'after' is, and why."),
            "days_in_force_in_after_year": Col(
                pl.Int32,
                "Days of the after year under the control, where it is the effective year.",
                nullable=True,
                checks=(("between", (1, 366)),),
            ),
            "before_t": Col(
                pl.Float64,
                "China's exports in the before year, t.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "after_t": Col(
                pl.Float64,
                "China's exports in the after year, t.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "change_t": Col(pl.Float64, "after_t - before_t.", nullable=True),
            "change_t_pct": Col(
                pl.Float64, "change_t / before_t (fraction).", nullable=True, checks=(("ge", -1),)
            ),
            "before_usd": Col(
                pl.Float64,
                "China's exports in the before year, US$.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "after_usd": Col(
                pl.Float64,
                "China's exports in the after year, US$.",
                nullable=True,
                checks=NON_NEGATIVE,
            ),
            "change_usd": Col(pl.Float64, "after_usd - before_usd.", nullable=True),
            "change_usd_pct": Col(
                pl.Float64,
                "change_usd / before_usd (fraction).",
                nullable=True,
                checks=(("ge", -1),),
            ),
            "note": Col(pl.Utf8, "Caveat on the row.", nullable=True),
            "source": _SOURCE,
        },
    ),
}

#: Columns in tonnes that a scenario must never make negative (the blocking tonnage check).
_SIGNED = {"net_imports_t"}  # a trade balance: negative means net exporter
TONNE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in meta.columns if (c.endswith("_t") or c == "tonnes") and c not in _SIGNED)
    for name, meta in MART_TABLES.items()
    if name.startswith("scenario_")
}


# One schema builder for every table's metadata (transforms.tables).
schema_for_meta = schema_from_meta


def validate_mart(
    table: str, df: pl.DataFrame, known: Mapping[str, frozenset[str]]
) -> ValidationReport:
    """Validate lazily; failure cases carry the offending rows' primary key."""
    return validate_meta(MART_TABLES[table], df, known)


def negative_tonnes(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows of a scenario mart with a negative value in any tonnage column (should be none)."""
    columns = [c for c in TONNE_COLUMNS.get(table, ()) if c in df.columns]
    if not columns:
        return df.clear()
    return df.filter(pl.any_horizontal([pl.col(c) < 0 for c in columns]))
