"""The scenario marts (export ban, stockpiles, the Australian reserve, price floors) and the
export-control marts (events, event study); formulas in transforms/marts/scenarios.py, events.py."""

from __future__ import annotations

from transforms.metadata.clean import USGS
from transforms.metadata.fields import YEAR_CHECK, Col
from transforms.metadata.table import table

_IMPORTER = Col("importer", "Importer: an ally's ISO3 code, EU27 (the EU as a bloc, intra-EU trade removed) or ALLIANCE (the allies as a bloc, trade among them removed).")
_YEAR = Col("year", "Calendar year of the trade figures (BACI).")
_STAGE = Col("stage", "Supply-chain stage of the traded goods: mine (ores, concentrates) or refinery.")
_SOURCE = Col("source", "Sources the figures come from.")
_PRICE = ("price_usd_per_t", "price_year", "price_product", "price_source", "price_matches_trade")
_MARKET = ("market_price_usd_per_t", "market_price_year", "market_price_product", "market_price_matches_trade")
_FINDING = Col("finding_ok", "True where the trade codes see the stage China holds (the rule of the dependence marts); false: the row's China figures are no finding and `not_computable_reason` says why.")
_WHY = ("trade_coverage", _FINDING, "not_computable_reason")
_TRADE_PRICES = (*USGS, "baci-hs92")

SCENARIOS = (
    table(
        "scenario_export_ban",
        "marts",
        "Export-ban scenario: China stops exporting to the allies",
        "For each ally, the EU27 bloc and the alliance bloc, per mineral and stage, in the latest "
        "BACI year: imports lost if China stops exporting (t, US$, share of imports and of supply), "
        "supply left from domestic production and non-China partners, and how many months of "
        "current use it covers. Current use = apparent consumption = production + imports - "
        "exports; months of cover = remaining supply / (use / 12). Direct effects only: no "
        "re-routing, no loss of allies' re-exports of Chinese material; a ban on one ally alone "
        "gives that ally's row.",
        ("importer", "mineral", "stage", "year"),
        (
            _IMPORTER, "importer_kind", "mineral", _STAGE, _YEAR,
            Col("imports_t", "Imports from outside the importer, t gross weight.", nullable=False),
            Col("imports_usd", "Imports from outside the importer, current US$."),
            Col("imports_from_china_t", "Imports from China, t: what the ban takes away."),
            "imports_from_china_usd", "non_china_imports_t",
            Col("exports_t", "Exports to outside the importer, t.", nullable=False), "net_imports_t",
            "production_year",
            Col("production_t", "Domestic production (sum over members), t on production_basis; null where not published for the stage."),
            "production_basis", "production_withheld",
            Col("basis_mismatch", "True where production (not gross weight) is added to trade tonnage (gross weight).", nullable=False),
            "supply_t", "lost_share_of_imports", "lost_share_of_imports_usd", "lost_share_of_supply",
            "lost_months_of_imports", "remaining_supply_t", "use_t", "months_of_cover",
            "months_of_cover_trade_only", "shortfall_t", "cover_note", "exposure_share", "exposure_basis",
            "exposure_rank", *_WHY, _SOURCE,
        ),
        sources=_TRADE_PRICES,
        usage_warnings=(
            "Trade tonnes are gross weight of the traded goods, production is usually metal or oxide content: rows with basis_mismatch add the two.",
            "Minerals without HS codes in the BACI subset (gallium, indium, helium, silicon, strontium, magnesium) have no rows.",
            "Refined stages without a USGS production table (rare earths, cobalt, lithium, ...) have no months_of_cover: use months_of_cover_trade_only, which leaves production out.",
            "Rows with not_computable_reason are not findings: no trade code, codes that miss the stage China holds (finding_ok false, as on the dependence pages: graphite ores, where China's hold is in refining; antimony, chromium, manganese ores, where China's share of refining is not in the data), or too little trade from China.",
            "Exports in BACI include re-exports and misclassified goods (Australia's rare-earth concentrate shipped to Malaysia is filed as rare-earth metals, 280530), which can make use small and months of cover large.",
        ),
    ),
    table(
        "scenario_stockpile",
        "marts",
        "Stockpile scenario: days of China-sourced imports",
        "Tonnes and cost to hold N days of each importer's imports from China (latest BACI year): "
        "stock = imports from China x N / 365; cost at the unit value of those imports (value / "
        "quantity of the same flows), so a stock never costs more than the imports it stands for; "
        "the latest USGS price of the mineral's series (parameters.yaml) is beside it as a check. "
        "Rows whose trade does not carry China's exports (no code, or imports below the thresholds "
        "of parameters.yaml) are not computable and say why. Days are the configured days of "
        "cover plus the programmes' targets (Japan 60, Korea 100), named in `benchmark`.",
        ("importer", "mineral", "stage", "year", "days"),
        (
            _IMPORTER, "importer_kind", "mineral", _STAGE, _YEAR, "days", "benchmark",
            Col("imports_from_china_t", "Imports from China in the year, t gross weight."),
            Col("imports_from_china_usd", "Imports from China in the year, US$."),
            Col("stock_t", nullable=True), *_PRICE, "cost_usd", *_MARKET, "cost_usd_at_market_price",
            *_WHY, _SOURCE,
        ),
        sources=_TRADE_PRICES,
        usage_warnings=(
            "Trade unit values are of the goods as traded (gross weight, mixed grades): a rare-earth tonne is mostly lanthanum and cerium compounds, not NdPr oxide.",
            "Where market_price_matches_trade is false the USGS price is for another product than the traded good (metal vs ore): cost_usd_at_market_price is then no finding.",
        ),
    ),
    table(
        "scenario_reserve_budget",
        "marts",
        "What Australia's A$1.2bn reserve buys",
        "The Critical Minerals Strategic Reserve budget (A$1.2bn by default) converted at the stated "
        "AUD/USD rate, split equally across the minerals the reserve names (antimony, gallium, rare "
        "earths): tonnes at the unit value of the alliance's imports from China where the trade "
        "carries them, else at the USGS price of the good (price_source), the days and months of "
        "Australia's and of the alliance's imports from China those tonnes equal, their share of "
        "world production, and what the note's A$400m buys of each focus mineral.",
        ("economy", "mineral"),
        (
            "economy", "mineral",
            Col("stage", "Stage of the price series and of the trade compared.", nullable=True), _YEAR,
            "in_reserve", "budget_aud", "aud_usd", "budget_usd", Col("budget_share", nullable=True),
            Col("mineral_budget_usd", nullable=True), *_PRICE, "tonnes", "note_budget_aud",
            "note_budget_tonnes", "economy_china_imports_t", "days_of_economy_china_imports",
            "months_of_economy_china_imports", "alliance_china_imports_t",
            "days_of_alliance_china_imports", "months_of_alliance_china_imports", "world_production_t",
            "world_production_stage", "world_production_year", "share_of_world_production",
            "trade_coverage", _FINDING, Col("note", "Why a days figure is null, where it is."), _SOURCE,
        ),
        sources=_TRADE_PRICES,
        usage_warnings=(
            "The reserve mainly buys rights to Australian output; spending the whole budget on material is an upper bound.",
            "Australia imports little of these minerals: days_of_alliance_china_imports is the meaningful column.",
            "Gallium has no HS code in BACI; antimony's and graphite's codes cover ores only, which miss the stage China holds (finding_ok false): their days are not computable (see note) and their tonnes are priced at the USGS price of the good.",
        ),
    ),
    table(
        "scenario_price_floor",
        "marts",
        "Price-floor scenario: yearly cost of a minimum price for non-China supply",
        "Back-test over the USGS salient price history: cost = max(0, floor - market price) x covered "
        "volume, per floor and year. Covered volume: what the floor covers, a sourced fixed tonnage "
        "(the US$110/kg NdPr floor of the July 2025 DoD-MP Materials agreement covers MP Materials' "
        "NdPr output, 1,294 t in 2024), or the alliance's imports from outside the alliance and China "
        "(t). Default floors: price_floors.yaml.",
        ("floor_id", "year"),
        (
            "floor_id", "floor_name", "mineral", Col("stage", "Stage of price and covered trade.", nullable=True),
            Col("year", "Year of the back-test.", checks=YEAR_CHECK), "floor_usd_per_t", "floor_product",
            Col("price_usd_per_t", "USGS annual price that year, US$ per t of price_product."),
            "price_statistic", "price_product", "gap_usd_per_t", "covered_basis", "covered_t",
            Col("cost_usd", "gap_usd_per_t x covered_t, US$."),
            Col("note", "Why the cost is null, where it is."), "origin", _SOURCE,
        ),
        sources=_TRADE_PRICES,
        usage_warnings=(
            "The floor's product and the USGS series can differ (NdPr oxide floor vs neodymium oxide price): see floor_product and price_product.",
            "A fixed covered volume is held at the same tonnage every year: the back-test shows what the floor would have cost at that output, not what was produced then.",
        ),
    ),
    table(
        "scenario_floor_sensitivity",
        "marts",
        "Price-floor sensitivity: a floor 10, 25 or 50% above the market",
        "For each focus mineral (parameters.yaml): the recent market price (unit value of the "
        "alliance's imports from outside the alliance and China, latest BACI year), a floor that "
        "far above it, and its cost for a year of those imports at an unchanged market price: "
        "uplift x price x tonnes. Minerals whose trade does not carry China's exports are not "
        "computable and say why.",
        ("mineral", "uplift"),
        (
            "mineral", Col("stage", "Stage of the traded goods priced.", nullable=True), _YEAR, "uplift",
            *_PRICE[:4], Col("floor_usd_per_t", "price_usd_per_t x (1 + uplift), US$ per t.", nullable=True),
            Col("covered_t", "The alliance's imports from outside the alliance and China that carry a tonnage, t."),
            Col("cost_usd", "uplift x price_usd_per_t x covered_t, current US$ a year."), *_WHY, _SOURCE,
        ),
        sources=("baci-hs92",),
        usage_warnings=(
            "The cost assumes the market price stays where it was; a falling market raises it.",
            "Trade unit values are of the goods as traded (gross weight, mixed grades).",
        ),
    ),
    table(
        "export_control_events",
        "marts",
        "China's export controls on critical minerals, 2023-2025",
        "MOFCOM/GACC announcements: number, dates announced and effective, minerals, China's customs "
        "codes as published, the registry's HS92 codes that carry the controlled goods, sources. "
        "Curated in data/reference/policy/export_controls.yaml; rows marked verified false have "
        "unconfirmed parts, named in note. Each measure's status on the briefing date (in force, "
        "suspended until a date, lifted, ...) with the announcement that set it.",
        ("event_id",),
        (
            "event_id", "announcement", "issuers", "number", "number_year", "date_announced",
            "date_effective", "date_scheduled", Col("measure", field="control_measure"), "target",
            "minerals", "items", "hs_published", "hs92", "hs92_note", "official_url", "source_urls",
            "verified", "status_note", Col("note", "What was and was not confirmed."),
            "effective_year", "has_hs92", _SOURCE, "briefing_date",
            Col("status", field="control_status"), "status_since",
            "status_until", "status_scope", "status_by", "status_by_url", "status_checked_to",
            "status_text",
        ),
        sources=("hs-code-map",),
        usage_warnings=(
            "The HS92 codes usually over-cover the controlled goods (e.g. all rare-earth compounds for seven controlled elements).",
            "status is computed for briefing_date from the suspensions and lifts recorded in the curated file; announcements after status_checked_to were not searched for.",
        ),
    ),
    table(
        "event_study",
        "marts",
        "China's monthly exports of controlled goods before and after each export control",
        "China's monthly exports (UN Comtrade, China as reporter) of the goods each control covers, in "
        "the 12 months before it took effect and the 12 months from then on (the months compared are "
        "listed), to the United States, the other allies and the rest of the partners in the extract. "
        "Totals in t and US$; changes of the monthly average in %.",
        ("event_id", "hs6", "destination"),
        (
            Col("event_id", "Event (export_control_events)."),
            Col("event", field="announcement"),
            "control_date",
            Col("hs6", "HS code of the monthly series; 'none' = no series for the event's goods.", checks=()),
            Col("product", "What the HS code covers.", field="description"),
            "destination", "before_from", "before_to", "before_months", "after_from",
            "after_to", "after_months", "before_t", "after_t", "before_usd", "after_usd",
            "note", "change_t_pct", "change_usd_pct", _SOURCE,
        ),
        sources=("trade-extra-china",),
        usage_warnings=(
            "A change over the months around a control is not caused by the control alone (prices, demand, stockbuilding ahead of it, earlier controls).",
            "HS 811292 holds gallium, germanium, indium, niobium, rhenium and thallium: its series is not one mineral's.",
            "The extract lists China's main partner economies only; 'rest of the partners' is those, not the whole world.",
            "The extract ends in December 2024: the U.S. ban of 3 December 2024 has one month after it; 2025 controls none.",
        ),
    ),
)
