"""The clean layer's tables: typed, harmonised to ISO3 and the mineral registry, in t and USD."""

from __future__ import annotations

from transforms.metadata.fields import GE0, MAX_YEAR, Col
from transforms.metadata.precedence import describe as describe_precedence
from transforms.metadata.table import table

USGS = ("usgs-mcs", "usgs-mcs-2026", "usgs-mcs-2025")
# DataWeb publishes U.S. imports from 1989 on.
USITC_MIN_YEAR = 1989
# A country_code column that holds economies only (no aggregates).
ISO3 = Col("country_code", "ISO3 code.", checks=(("known", "economy"),))

CLEAN = (
    table(
        "production",
        "clean",
        "Production by mineral, stage, economy and year",
        "Mine and refinery production in metric tons, one source's figures per mineral, stage and year "
        "by the declared source precedence (transforms/metadata/precedence.py): "
        + describe_precedence()
        + " USGS figures are the latest Mineral Commodity Summaries edition's (`editions_available` lists "
        "every edition with a figure). Every row says which source it is (`source`), its rank in the precedence "
        "(`precedence_rank`), why it was chosen (`chosen_because`) and which sources publish a figure for "
        "that mineral, stage and year (`sources_available`); every source's own figures stay in "
        "`production_wmd`, `production_history` and `production_iea`. Aggregate rows (world total, other "
        "countries) are kept, typed as aggregates, for reconciliation.",
        ("mineral", "stage", "country_code", "year"),
        (
            "mineral", "stage", "country_code", "country_kind", Col("year", field="history_year"),
            "production_t", "value_text", "value_flag", "unit_basis", "is_estimate", "source",
            Col("edition", "Release the figure comes from: the MCS year for USGS, 2024 for the IEA Data Explorer; the BGS and World Mining Data downloads name no edition, so for them the last year the download covers."),
            Col("editions_available", "Every MCS edition that published a figure for this key, comma-separated; null for other sources.", nullable=True),
            Col("usgs_type", "The USGS table row type (or 2026 table title) the figure comes from; null for other sources.", nullable=True),
            "source_file", "source_line", "precedence_rank", "chosen_because", "sources_available",
        ),
        sources=(*USGS, "iea-cmde", "bgs-wms", "world-mining-data"),
        usage_warnings=(
            "Tonnage basis differs by mineral (contained metal, oxide equivalent, gross weight): see `unit_basis`.",
            "Sources differ between stages and years of one mineral (e.g. refining from IEA in 2023, BGS in 2022): see `source` and `chosen_because` before building a series.",
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
            "mineral", "wmd_commodity", "stage", ISO3, "year",
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
            ISO3, "year", Col("political_stability", "WGI estimate."), "political_stability_se",
            "political_stability_score", "source",
        ),
        sources=("wgi",),
        usage_warnings=("No survey in 1997, 1999 and 2001.",),
    ),
    table(
        "china_exports_monthly",
        "clean",
        "China's monthly exports of graphite, gallium and germanium by partner",
        "China's monthly exports (UN Comtrade, China as reporter) of HS 250410 (natural graphite), 380110 "
        "(artificial graphite) and 811292 (unwrought gallium, germanium, indium, ...), 2017-2024, by partner "
        "economy, in USD and metric tons: the months around China's 2023 export controls.",
        ("month", "partner", "hs6"),
        (
            "month", "partner", "partner_name",
            Col("hs6", "HS six-digit code (HS 2017 for 811292)."),
            Col("mineral", "Registry mineral of the code; null where the code holds several (811292: gallium and germanium).", nullable=True),
            "minerals_in_code", "value_usd",
            Col("quantity_t", "Quantity in metric tons (gross weight); null where not reported."),
            "quantity_reported", "source", "file", "line",
        ),
        sources=("trade-extra-china",),
        usage_warnings=(
            "HS 811292 holds gallium, germanium and other metals: its series is not one mineral's.",
            "Hong Kong (HKG) is a partner of its own: re-exports through it are not attributed further.",
        ),
    ),
    table(
        "magnet_imports",
        "clean",
        "U.S. imports of permanent magnets by partner",
        "U.S. imports of permanent magnets of metal (HS 850511, mostly NdFeB and SmCo rare-earth magnets) "
        "by partner, 2018-2025, in USD, with each partner's share and rank (UN Comtrade, U.S. as reporter).",
        ("year", "partner"),
        (
            Col("year", checks=(("between", (2018, MAX_YEAR)),)), "partner", "partner_name", "partner_known",
            "hs6", "mineral", "product", Col("value_usd", "Import value in current USD."), "share", "rank",
            "source", "file", "line",
        ),
        sources=("comtrade-magnets",),
        usage_warnings=("A magnet's rare-earth content is a fraction of its weight and value: do not compare with rare-earth tonnage.",),
    ),
    table(
        "usitc_imports",
        "clean",
        "U.S. imports for consumption by heading, partner and year (USITC)",
        "U.S. imports for consumption of 25 HS4 headings from 18 partners, 1993-2026, from USITC DataWeb: "
        "customs value in USD and the first and second units of quantity as DataWeb states them, full years "
        "and year to date.",
        ("hs4", "partner", "year", "measure", "period", "quantity_description"),
        (
            "hs4", Col("description", "HS4 heading as DataWeb describes it."), "partner", "partner_name",
            Col("year", checks=(("between", (USITC_MIN_YEAR, MAX_YEAR)),)), Col("measure", field="usitc_measure"),
            Col("period", field="usitc_period"), "year_to_date",
            Col("value", "Customs value in USD, or quantity in `unit`.", nullable=False, checks=GE0),
            Col("unit", "USD for customs value; the quantity unit as DataWeb states it otherwise."),
            Col("quantity_description", "Unit in which the heading's HTS lines count quantity (value rows are split by it)."),
            "source", "file", "sheet", "cell",
        ),
        sources=("usitc-dataweb",),
        usage_warnings=(
            "The download year is incomplete: its only rows are year-to-date (year_to_date True); compare it with other years' year-to-date rows.",
            "Quantity units differ by heading and line (kilograms, number, component kilograms, ...): never sum across units.",
        ),
    ),
    table(
        "export_restrictions",
        "clean",
        "China's export restrictions on raw materials (OECD inventory)",
        "Every measure on China in the OECD Inventory of Export Restrictions on Industrial Raw Materials, "
        "data year 2024 (export taxes, licensing requirements, VAT-rebate removal), with the registry "
        "mineral, HS6 lines, legal document and dates.",
        ("file", "line"),
        (
            Col("mineral", "Registry mineral of the OECD raw material; null for coal and silver.", nullable=True),
            "resource", "measure_code", "measure_type", "rate", "rate_unit", "condition", "hs6_lines",
            "introduced", "ends", "temporary", "document", "document_number", "document_year", "link", Col("agency", field="oecd_agency"),
            Col("note", "Note as published."), "data_year", "source", "file", "line",
        ),
        sources=("oecd-export-restrictions",),
        usage_warnings=("One row per OECD listing: a measure on several raw materials or rates is listed once per raw material and rate.",),
    ),
    table(
        "prices_monthly",
        "clean",
        "Monthly prices of the registry's metals (World Bank Pink Sheet)",
        "Monthly nominal prices of aluminium, copper, nickel, tin, zinc, platinum (for the PGM group) and "
        "phosphate rock from the World Bank Pink Sheet, in USD per unit as the World Bank states it.",
        ("mineral", "product", "month"),
        (
            "mineral", "product", "commodity", Col("wb_code", field="wb_commodity_code"), "month",
            Col("price", "Price in nominal USD per `unit`, as published."),
            Col("unit", "Unit of `price` as published ($/mt, $/troy oz)."), "currency", "source", "updated",
            "file", "sheet", "cell",
        ),
        sources=("wb-pink-sheet",),
        usage_warnings=("Units differ by commodity ($/mt, $/troy oz): convert before comparing across minerals.",),
    ),
    table(
        "production_history",
        "clean",
        "Production by mineral, stage, economy and year, 1971-2023 (BGS)",
        "British Geological Survey World Mineral Statistics in metric tons, every series of the 14 "
        "downloads mapped to the registry (cobalt, nickel, copper refined, primary gallium, germanium "
        "metal and primary magnesium at the refinery stage), with BGS's notes and precision codes. "
        "Historical economies (Soviet Union, Yugoslavia, Czechoslovakia, East and West Germany, ...) "
        "keep their own codes, typed `historical` (data/reference/historical_economies.csv lists their "
        "successors): never merged into a successor.",
        ("mineral", "stage", "product", "economy", "year"),
        (
            "mineral", "stage", Col("product", "Series: BGS sub-commodity, else the product of the BGS commodity.", nullable=False),
            Col("economy", field="economy_code"), "economy_kind", "country_name", Col("year", field="history_year"),
            Col("quantity_t", "Production in metric tons; null where BGS has no figure (precision code O)."),
            "unit_basis", "basis_detail", "bgs_commodity", "bgs_sub_commodity", "bgs_units", "precision_code",
            "precision", "figure_notes_code", "figure_notes", "table_notes", "source", "file", "line",
        ),
        sources=("bgs-wms",),
        usage_warnings=(
            "A mineral may have several series (lithium: spodumene, petalite, Li content, ...) on different bases: filter on `product` before summing.",
            "Historical economies overlap their successors in transition years (West Germany and Germany 1989-1991): do not add them.",
        ),
    ),
    table(
        "production_iea",
        "clean",
        "Mining and refining by economy, 2023 (IEA)",
        "IEA Critical Minerals Data Explorer 2024, supply sheet: mining and refining (lithium: "
        "chemicals; graphite: battery grade) of copper, lithium, nickel, cobalt, graphite and magnet "
        "rare earth elements by economy in 2023, kt converted to metric tons, on the unit basis IEA "
        "states. 'Rest of world' is the aggregate OTHER and 'Total' the aggregate WORLD; the top-3 "
        "share is left in the snapshot.",
        ("mineral", "stage", "economy", "year"),
        (
            "mineral", "stage", Col("product", "What IEA's block measures (e.g. magnet rare earth elements).", nullable=False),
            Col("economy", field="economy_code"), "economy_kind", Col("country_name", "Row label as IEA prints it."),
            "year", Col("quantity_t", "Quantity in metric tons (IEA kt x 1,000)."), "unit_basis", "basis_detail",
            "scenario", "source", "file", "cell",
        ),
        sources=("iea-cmde",),
        usage_warnings=("IEA lists only the top economies per mineral and stage; the rest is in OTHER.",),
    ),
    table(
        "outlook",
        "clean",
        "Mining and refining outlook by economy, 2030-2040 (IEA base case)",
        "IEA Critical Minerals Data Explorer 2024 base-case projections of mining and refining by "
        "economy for 2030, 2035 and 2040, in metric tons, with 'Rest of world' (OTHER) and 'Total' (WORLD).",
        ("mineral", "stage", "economy", "year", "scenario"),
        (
            "mineral", "stage", Col("product", "What IEA's block measures.", nullable=False),
            Col("economy", field="economy_code"), "economy_kind", Col("country_name", "Row label as IEA prints it."),
            Col("year", field="outlook_year"), Col("quantity_t", "Projected quantity in metric tons (IEA kt x 1,000)."),
            "unit_basis", "basis_detail", "scenario", "source", "file", "cell",
        ),
        sources=("iea-cmde",),
        usage_warnings=("Projections, not observations: IEA's base case (stated policies), not a forecast of any one economy's plans.",),
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
    table(
        "usgs_revisions",
        "clean",
        "Production figures USGS revised between MCS editions",
        "Every production figure (mineral, stage, economy or world total, year) that a Mineral "
        "Commodity Summaries edition publishes differently from the previous edition that published "
        "it, on the same tonnage basis: the two figures, the revision in metric tons, as a fraction "
        "of the earlier figure and as a fraction of the newer edition's world total. Largest "
        "revision (share of world output) first, ties by mineral and code "
        "(transforms/cleaning/revisions.py).",
        ("mineral", "stage", "country_code", "year", "edition"),
        (
            "mineral", "stage", Col("country_code", "ISO3 code, or WORLD / OTHER for USGS's aggregate rows."),
            "country_kind", "year", Col("edition", "The MCS edition that revised the figure."), "previous_edition",
            Col("production_t", "Production in metric tons as `edition` publishes it.", nullable=False),
            "previous_production_t", "revision_t", "revision_rel", "revision_world_share", "unit_basis",
        ),
        sources=USGS,
        usage_warnings=(
            "Figures whose tonnage basis changed between editions are left out: that is a change of measure, not a revision.",
            "The latest year of each edition is often an estimate (`is_estimate` in `production`): its revision in the next edition is expected.",
        ),
    ),
)
