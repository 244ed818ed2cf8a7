"""The metric marts: concentration, dependence and supply risk (formulas in transforms/marts/)."""

from __future__ import annotations

from transforms.marts import concentration as conc
from transforms.marts import dependence as dep
from transforms.metadata.clean import USGS
from transforms.metadata.fields import GE0, Col
from transforms.metadata.table import table

_YEAR = Col("year", "Calendar year the figures refer to.")
# Production concentration reaches back to 1971 (BGS World Mineral Statistics).
_HISTORY_YEAR = Col("year", "Calendar year the figures refer to.", field="history_year")
_SOURCE = Col("source", "Sources combined.")
_IMPORTS_T = "Imports in metric tons (gross weight); null where no flow has a quantity."

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
        ),
        sources=("baci-hs92", *USGS),
        usage_warnings=(
            "Trade tonnes are gross weight of the traded good; USGS production is mostly metal content or oxide: net import reliance is indicative wherever `basis_mismatch` is true.",
            "Only the registry's HS codes are covered (e.g. antimony ore but not antimony oxide or metal; no code at all for gallium), so a low China share can mean China ships the mineral in a form outside the codes.",
            "Hong Kong re-exports are not attributed to China unless the settings say so.",
            "For ALLIANCE, `alliance_share` is 0 by construction; for EU27 it counts the non-EU allies.",
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
)
