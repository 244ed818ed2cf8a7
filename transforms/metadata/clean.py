"""The clean layer's tables: typed, harmonised to ISO3 and the mineral registry, in t and USD."""

from __future__ import annotations

from transforms.metadata.fields import Col
from transforms.metadata.table import table

USGS = ("usgs-mcs", "usgs-mcs-2026", "usgs-mcs-2025")
_ISO3 = Col("country_code", "ISO3 code.", checks=(("known", "economy"),))

CLEAN = (
    table(
        "production",
        "clean",
        "Production by mineral, stage, economy and year",
        "Mine and refinery production in metric tons from the USGS Mineral Commodity Summaries, "
        "one best figure per mineral, stage, economy and year: where several editions publish a "
        "figure the latest edition wins and the others are listed in `editions_available`. "
        "Aggregate rows (world total, other countries) are kept, typed as aggregates, for reconciliation.",
        ("mineral", "stage", "country_code", "year"),
        (
            "mineral", "stage", "country_code", "country_kind", "year", "production_t", "value_text",
            "value_flag", "unit_basis", "is_estimate", "source", "edition", "editions_available",
            "usgs_type", "source_file", "source_line",
        ),
        sources=USGS,
        usage_warnings=(
            "Tonnage basis differs by mineral (contained metal, oxide equivalent, gross weight): see `unit_basis`.",
            "Withheld figures (W) have no number: shares computed from this table exclude them.",
            "Filter `country_kind == 'economy'` before summing: aggregate rows would double-count.",
        ),
    ),
    table(
        "reserves",
        "clean",
        "Reserves by mineral and economy",
        "Reserves in metric tons from the USGS Mineral Commodity Summaries, the latest edition's "
        "figure per mineral and economy; `edition` says which MCS published it.",
        ("mineral", "country_code"),
        (
            "mineral", Col("country_code", "ISO3 code or typed aggregate code."), "country_kind",
            "reserves_t", "value_text", "value_flag", "unit_basis", "source", "edition",
            Col("editions_available", "Every edition that published a figure for this key."),
            "source_file", "source_line",
        ),
        sources=USGS,
        usage_warnings=(
            "Reserves are revised irregularly and are not comparable across economies' reporting codes (JORC, NI 43-101, ...).",
            "Bounds such as '>2,000,000' are stored as the bound with value_flag '>'.",
        ),
    ),
    table(
        "production_wmd",
        "clean",
        "Mine production by mineral, economy and year (World Mining Data)",
        "Production in metric tons from World Mining Data 2018-2024, for minerals in the registry.",
        ("mineral", "wmd_commodity", "country_code", "year"),
        (
            "mineral", "wmd_commodity", "stage", _ISO3, "year",
            Col("production_t", "Production in metric tons."), "unit_basis", "is_estimate", "source",
            "source_file", "source_line",
        ),
        sources=("world-mining-data",),
        usage_warnings=("World Mining Data reports several commodities per mineral for some (e.g. ores and metal): filter on `wmd_commodity`.",),
    ),
    table(
        "trade",
        "clean",
        "Bilateral trade in critical-mineral products",
        "CEPII BACI trade flows for the registry's HS92 codes: exporter, importer, product and year, "
        "value in USD and quantity in metric tons of the traded good, tagged with the mineral and stage.",
        ("year", "exporter_code", "importer_code", "hs6", "mineral"),
        (
            "year", "exporter_code", "importer_code", "hs6", "mineral", "stage", "value_usd",
            "quantity_t", "unit_basis", "source", Col("edition", field="baci_edition"),
        ),
        sources=("baci-hs92",),
        usage_warnings=(
            "Quantity is the gross weight of the traded good, not contained metal: do not divide by USGS production without a conversion.",
            "An HS code that covers several minerals is tagged with each of them: do not sum value across minerals.",
            "BACI reconciles mirror flows; it is annual, so events within a year cannot be dated.",
            "Before 2000 BACI reports the Southern African Customs Union as one partner (code SACU), not South Africa alone.",
        ),
    ),
    table(
        "us_salient",
        "clean",
        "U.S. salient statistics by mineral",
        "U.S. production, imports, exports, consumption, prices, stocks and net import reliance from "
        "the USGS MCS salient tables; the latest edition's figure per mineral, statistic and year.",
        ("mineral", "usgs_commodity", "statistic", "unit", "year"),
        (
            "mineral", "usgs_commodity", "statistic", Col("unit", field="salient_unit"), "year",
            "value", "value_text", "value_flag", "is_estimate", "source", "edition", "source_file",
            "source_line",
        ),
        sources=USGS,
        usage_warnings=(
            "MCS 2026 statistics carry their own names (section | label) and are not merged with 2023/2024's.",
            "Net import reliance 'E' means net exporter; '>75' is stored as 75 with value_flag '>'.",
        ),
    ),
    table(
        "governance",
        "clean",
        "Political stability by economy and year",
        "World Bank WGI Political Stability and Absence of Violence/Terrorism: the estimate "
        "(about -2.5 to 2.5), its standard error and the 0-1 normalised score used by GeoPolRisk.",
        ("country_code", "year"),
        (
            _ISO3, "year", Col("political_stability", "WGI estimate."), "political_stability_se",
            "political_stability_score", "source",
        ),
        sources=("wgi",),
        usage_warnings=("No survey in 1997, 1999 and 2001.",),
    ),
    table(
        "mineral_end_uses",
        "clean",
        "What each mineral is used for, in USGS's words",
        "USGS Mineral Commodity Summaries 2025, table T4 (critical minerals end use): the primary "
        "applications of each element of the 2022 U.S. critical minerals list that the registry "
        "covers, quoted as printed. Rare-earth elements and platinum-group metals are listed one "
        "by one under their registry group.",
        ("mineral", "usgs_mineral"),
        (
            "mineral", "usgs_mineral", "end_uses", "category_note", "source",
            Col("edition", "MCS edition of table T4."), "source_file", "source_line",
        ),
        sources=("usgs-mcs-2025",),
        usage_warnings=("U.S. end uses as USGS summarises them, not world shares; no figures.",),
    ),
)
