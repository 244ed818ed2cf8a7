"""The metric marts: concentration (by stage, across time, by element), dependence and supply risk (formulas in transforms/marts/)."""

from __future__ import annotations

from transforms.marts import concentration as conc
from transforms.marts import concentration_history as conc_history
from transforms.marts import dependence as dep
from transforms.marts import dependence_sources as dep_sources
from transforms.metadata.clean import USGS
from transforms.metadata.fields import GE0, Col
from transforms.metadata.table import table

_YEAR = Col("year", "Calendar year the figures refer to.")
# Production concentration reaches back to 1971 (BGS World Mineral Statistics).
_HISTORY_YEAR = Col("year", "Calendar year the figures refer to.", field="history_year")
_SOURCE = Col("source", "Sources combined.")
_SHARE_BASIS = "of the source's own world total (IEA, USGS) or of the sum of every listed producer (BGS)"
_IMPORTS_T = "Imports in metric tons (gross weight); null where no flow has a quantity."
_COVERAGE = ("trade_coverage", "china_mine_share", "china_refinery_share", "finding_ok", "coverage_note")
_COVERAGE_WARNING = (
    "A China share is a finding only where `finding_ok` is true: ore-only codes say nothing about "
    "dependence on a refining stage China holds (copper, graphite, antimony, ...); `coverage_note` "
    "says why and what the codes miss."
)

METRICS = (
    table(
        "concentration",
        "marts",
        "Supply concentration by mineral, stage, year and measure",
        "How concentrated production, reserves and exports of each mineral are (HHI), who leads, "
        "and the shares of China, the alliance and everyone else; `alliance_pooled_hhi` counts the "
        "alliance as one supplier. Production and reserves from USGS MCS, exports from CEPII BACI (USD). "
        "Formulas and denominators: transforms/marts/concentration.py.",
        tuple(conc.KEY),
        (
            "mineral", "stage", _HISTORY_YEAR, "measure", Col("unit", field="conc_unit"),
            Col("unit_basis", "Tonnage basis of production/reserves (comma-joined where mixed); null for exports.", field="unit_basis_list"),
            Col("source", "Source and edition(s) of the figures."), "denominator", "total",
            "total_qualifier", "parts_total", "share_note", "economies",
            "withheld_economies", "not_numeric_economies", "hhi", "top1_code", "top1_share", "top3_share",
            Col("china_share", "Share of China (per the settings: mainland, or with Hong Kong and Macao). Fraction in [0, 1]."),
            Col("alliance_share", "Share of the alliance economies together. Fraction in [0, 1]."),
            "rest_share", "unattributed_share", "alliance_pooled_hhi",
        ),
        sources=(*USGS, "baci-hs92"),
        usage_warnings=(
            "Shares of production and reserves are of the publisher's own world total, as printed: where its rounded total is below the sum of the listed figures (`share_note`), China + alliance + rest add up to `parts_total / total`, above 1; where no world total is published and USGS lists no 'Other countries', there is no share (`no_world_total`).",
            "'Other countries' and withheld (W) figures are in `rest_share` and `unattributed_share`, never in China's or the alliance's share.",
            "HHI sums over named economies only; a large `unattributed_share` makes it a lower bound.",
            "Reserves have no year in the source: `year` = MCS edition - 1, stage = mine.",
            "Exports are by value (USD) of the mineral's HS codes at that stage; mine = ores and concentrates, refinery = refined forms. Re-exports count as exports.",
            "Tonnage bases differ between minerals (`unit_basis`): compare shares, not tonnes, across minerals.",
        ),
    ),
    table(
        "dependence",
        "marts",
        "Import dependence by importer, mineral, stage and year",
        "Imports and exports of each ally, of the EU27 as a bloc and of the alliance as a bloc "
        "(intra-bloc trade removed), with the shares of China and the allies in imports, the top "
        "supplier and net import reliance against USGS production. CEPII BACI; formulas in "
        "transforms/marts/dependence.py.",
        tuple(dep.KEY),
        (
            "importer", "importer_kind", "mineral", "stage", _YEAR,
            Col("source", "Trade source and version."), "imports_usd", Col("imports_t", _IMPORTS_T),
            "import_qty_coverage", "exports_usd", "exports_t",
            Col("china_share", "China's share of import value. Fraction in [0, 1]."), "china_share_t",
            Col("alliance_share", "Share of import value from alliance economies (outside the importer). Fraction in [0, 1]."),
            "top_supplier", "top_supplier_share",
            Col("production_t", "USGS production of the importer (members summed), metric tons on `production_unit_basis`."),
            "production_status", Col("production_unit_basis", "Basis of the USGS production table."),
            "production_source", "net_import_reliance", "nir_note", "basis_mismatch",
            *_COVERAGE,
        ),
        sources=("baci-hs92", *USGS),
        usage_warnings=(
            "Trade tonnes are gross weight of the traded good; USGS production is mostly metal content or oxide: net import reliance is indicative wherever `basis_mismatch` is true.",
            "Only the registry's HS codes are covered (e.g. antimony ore but not antimony oxide or metal; no code at all for gallium), so a low China share can mean China ships the mineral in a form outside the codes: quote a China share only where `finding_ok` is true, and say `coverage_note` otherwise.",
            "Hong Kong re-exports are not attributed to China unless the settings say so.",
            "For ALLIANCE, `alliance_share` is 0 by construction; for EU27 it counts the non-EU allies.",
        ),
    ),
    table(
        "china_import_shares",
        "marts",
        "China's share of imports by importer, mineral and year, by value and by tonnes",
        "One figure per ally, the EU27 bloc and the alliance bloc, mineral and year: China's share "
        "of imports from outside the importer by value (current USD) and by tonnes (gross weight), "
        "for the processed forms where the mineral's HS codes have them, else its ores, with the "
        "trade coverage and whether the figure is a finding. Minerals without a trade code are "
        "listed as not computable. CEPII BACI; formulas in transforms/marts/dependence.py.",
        tuple(dep.SHARES_KEY),
        (
            "importer", "importer_kind", "mineral", _YEAR,
            Col("stage", "Stage of the HS codes the figure uses (refinery = processed forms, mine = ores); null where the mineral has no trade code.", nullable=True),
            Col("source", "Trade source and version."),
            Col("imports_usd", "Imports from outside the importer, current USD; null where the mineral has no trade code.", nullable=True),
            Col("imports_t", _IMPORTS_T), "import_qty_coverage",
            Col("china_share", "China's share of import value. Fraction in [0, 1]; null without a trade code or imports."),
            "china_share_t", "top_supplier", "top_supplier_share", "material_imports", *_COVERAGE,
        ),
        sources=("baci-hs92", *USGS),
        usage_warnings=(
            _COVERAGE_WARNING,
            "Value and tonnes differ where China ships cheaper or dearer goods than other suppliers (Japan's rare-earth imports, for one): quote the basis.",
            "Never add dollars across minerals: their scales differ by orders of magnitude.",
            "Shares of imports under one million USD (`material_imports` false) say nothing about dependence.",
        ),
    ),
    table(
        "china_import_summary",
        "marts",
        "Minerals whose processed-form imports come mostly from China, by importer and year",
        "Per ally, the EU27 bloc and the alliance bloc and year: how many minerals' processed forms "
        "(refinery-stage HS codes, imports of at least one million USD) come more than half from "
        "China, by value and by tonnes, which ones, and how many minerals' figures are no finding. "
        "Counted from the china_import_shares mart.",
        ("importer", "year"),
        (
            "importer", "importer_kind", _YEAR, Col("source", "Trade source and version."),
            "minerals_processed", "china_majority_value", "china_majority_tonnes",
            "china_majority_minerals", "minerals_not_covered",
        ),
        sources=("baci-hs92", *USGS),
        usage_warnings=(
            "Counts only minerals with processed-form codes in the trade data; minerals traded as ores only or with no code (gallium, magnesium, silicon...) are in `minerals_not_covered`, not in the count.",
        ),
    ),
    table(
        "china_other_sources",
        "marts",
        "China's part in the allies' supply from sources other than BACI",
        "For the forms the BACI codes miss: China's share of U.S. imports by form as USGS publishes "
        "it (MCS 2026 import sources, 2021-24), China's share of U.S. imports of permanent magnets "
        "(UN Comtrade, HS 8505.11) and China's reported exports to each ally and bloc (UN Comtrade, "
        "China as reporter: graphite, HS 8112.92 gallium and germanium). Each row states its basis "
        "and source; formulas in transforms/marts/dependence_sources.py.",
        tuple(dep_sources.KEY),
        (
            "mineral", "importer", "evidence", Col("form", field="supply_form"),
            Col("period", field="supply_period"), _YEAR,
            Col("china_share", "China's share on the row's `basis`; null where the source does not name China or gives no share. Fraction in [0, 1]."),
            "china_listed", "other_share",
            Col("value_usd", "China's exports or U.S. imports from China, current USD; null for USGS shares.", nullable=True),
            Col("quantity_t", "China's exports in metric tons (gross weight); null where not reported or not given."),
            Col("basis", field="evidence_basis"), Col("source", "Source of the row."),
        ),
        sources=("usgs-mcs-2026", "comtrade-magnets", "trade-extra-china"),
        usage_warnings=(
            "Each row is its own measure: a USGS share of U.S. imports (2021-24) is not a BACI share of an ally's imports in one year; quote the basis and the source.",
            "China's exports to an ally are not a share of its imports: the ally's imports of these forms from everyone are not in the data.",
            "HS 8112.92 holds gallium, germanium and other metals together: its exports are listed under each of them and are not gallium alone.",
        ),
    ),
    table(
        "supply_risk",
        "marts",
        "Supply risk by importer, mineral and year: GeoPolRisk and the EU CRM indicator",
        "The GeoPolRisk score and characterisation factor (Koyamparambath et al. 2024, geopolrisk-py) "
        "and the EU CRM supply-risk indicator (EC 2017 methodology, simplified) per importer, mineral "
        "and year, on World Mining Data production, BACI trade tonnes and WGI political stability. "
        "Formulas, citations and simplifications: transforms/marts/supply_risk.py.",
        ("importer", "mineral", "year"),
        (
            "importer", "importer_kind", "mineral", _YEAR, "production_stage", "trade_stage",
            Col("production_unit_basis", "Basis of the WMD production figures.", nullable=False),
            _SOURCE, "hhi_production", "producers",
            Col("imports_t", "Imports in metric tons (all partners, intra-bloc included, as the library does).", checks=GE0),
            "domestic_production_t", "partners", "partners_wgi_imputed", "weighted_instability",
            "geopolrisk_score", "price_usd_per_kg", "characterisation_factor", "hhi_wgi_global",
            "hhi_wgi_sourcing", "import_reliance_raw", "import_reliance", "eol_rir", "eol_rir_missing",
            "substitution_index", "crm_supply_risk",
        ),
        sources=("baci-hs92", "world-mining-data", "wgi", "hs-code-map"),
        usage_warnings=(
            "The EU CRM indicator here uses WGI political stability only, imports-only sourcing and SI = 1: it is not the Commission's published value.",
            "Production (WMD, contained/oxide/ore) and trade (BACI gross weight) tonnes are added as the method does; bases differ.",
            "Trade codes may be of the other stage than production (`trade_stage`), e.g. cobalt and rare earths trade only in refined codes.",
            "Minerals without HS codes in the BACI subset (gallium) have no trade, hence no score.",
        ),
    ),
    table(
        "supply_risk_departures",
        "marts",
        "Supply risk: departures from the reference implementation and their measured effect",
        "Each deliberate departure of the supply_risk mart from geopolrisk-py 2.0.1 (Taiwan's WGI "
        "score, Guyana's duplicated WGI row, the import price, tungsten's HS codes), with the mart "
        "computed both ways and compared row by row (importer, mineral, year).",
        ("departure",),
        (
            "departure", "ours", Col("reference", field="departure_reference"),
            Col("measure", field="departure_measure"), "rows_compared", "rows_changed",
            "median_change", "max_change", "example_importer", "example_mineral", "example_year",
            "example_ours", "example_reference", _SOURCE,
        ),
        sources=("baci-hs92", "world-mining-data", "wgi"),
        usage_warnings=(
            "Changes are relative (|ours / reference - 1|) over the rows where the two differ; a tiny reference value makes the largest change large.",
        ),
    ),
    table(
        "concentration_history",
        "marts",
        "China's and the alliance's share of world production by mineral and stage, 1971-2025",
        "China's, the alliance's and the top producer's share of world mine and refinery production "
        "per year: BGS World Mineral Statistics 1971-2023, then USGS MCS (by the declared source "
        "precedence) for the later years and for minerals and stages BGS does not cover. One "
        "product basis per year, never summed across bases. Formulas: "
        "transforms/marts/concentration_history.py.",
        tuple(conc_history.KEY),
        (
            "mineral", "stage", _HISTORY_YEAR, Col("source", "Source (and edition) of the year's figures."),
            Col("product", "BGS products read for the year (semicolon-separated); null for USGS rows."),
            Col("unit_basis", "Tonnage basis of the figures.", field="unit_basis_list"),
            "denominator", "total", "parts_total", "economies",
            Col("china_share", f"China's share {_SHARE_BASIS}; null where the source does not list China. Fraction in [0, 1]."),
            Col("alliance_share", f"The alliance economies' share {_SHARE_BASIS}. Fraction in [0, 1]."),
            Col("top1_code", field="top1_economy_or_historical"), "top1_share", "share_note",
        ),
        sources=("bgs-wms", *USGS, "iea-cmde", "world-mining-data"),
        usage_warnings=(
            "The series changes source where BGS ends (2023 -> USGS 2024): a step between those years can be a change of source rather than of supply.",
            "BGS shares are of the sum of the economies it lists (its world total); USGS shares of USGS's rounded world total.",
            "Where BGS publishes several products, an economy's figure is its largest product on the year's basis (platinum-group metals: the sum of the elements), so distinct products of one economy can be undercounted (`product` lists what was read).",
        ),
    ),
    table(
        "concentration_outlook",
        "marts",
        "China's and the alliance's share of world supply, 2023 and IEA base-case outlook to 2040",
        "China's, the alliance's and the top producer's share of world mining and refining in 2023 and "
        "in the IEA's base-case projections for 2030, 2035 and 2040 (IEA Critical Minerals Data "
        "Explorer), as shares of the IEA's own world total. Formulas: "
        "transforms/marts/concentration_history.py.",
        tuple(conc_history.KEY),
        (
            "mineral", "stage", Col("year", field="outlook_share_year"), "scenario",
            Col("source", "IEA release."), Col("product", "The IEA's product (refined cobalt, battery-grade graphite, magnet rare earth elements, ...)."),
            "unit_basis", "denominator", "total", "parts_total", "economies",
            Col("china_share", "China's share of the IEA world total. Fraction in [0, 1]."),
            Col("alliance_share", "The alliance economies' share of the IEA world total. Fraction in [0, 1]."),
            "top1_code", "top1_share", "share_note",
        ),
        sources=("iea-cmde",),
        usage_warnings=(
            "Projections, not observations: the IEA base case (stated policies and announced projects).",
            "The IEA names only the main economies per mineral; the rest is 'Rest of world'. Rare earths are the magnet rare earth elements only.",
        ),
    ),
    table(
        "concentration_by_element",
        "marts",
        "Platinum and palladium separately: China's, the alliance's and the top producer's share of world mine production",
        "The platinum-group metals are one mineral in the registry (USGS publishes one chapter), but "
        "platinum and palladium are different markets: this mart gives each element's shares of "
        "world mine production, from BGS World Mineral Statistics (1971-2023), then World Mining "
        "Data. Formulas: transforms/marts/concentration_history.py.",
        tuple(conc_history.ELEMENT_KEY),
        (
            "mineral", "element", "stage", _HISTORY_YEAR, Col("source", "Source of the year's figures."),
            "unit_basis", "denominator", "total", "economies",
            Col("china_share", "China's share of the sum of the listed producers; null where the source does not list China. Fraction in [0, 1]."),
            Col("alliance_share", "The alliance economies' share of the sum of the listed producers. Fraction in [0, 1]."),
            Col("top1_code", field="top1_economy_or_historical"), "top1_share",
        ),
        sources=("bgs-wms", "world-mining-data"),
        usage_warnings=(
            "The platinum-group metals row of the other concentration marts is the aggregate (platinum + palladium for USGS).",
            "The series changes source where BGS ends (2023 -> World Mining Data 2024).",
        ),
    ),
)
