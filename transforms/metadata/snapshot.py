"""The snapshot layer's tables: upstream files parsed into tidy tables, values as published.

One table per ``transforms.snapshot.TABLES`` spec (which says how each is parsed); the single
source of each is its snapshot folder, whose manifest carries the origin record.
"""

from __future__ import annotations

from transforms.metadata.fields import Col
from transforms.metadata.table import table

_FILE_LINE = ("file", "line")
_USGS2026 = ("source_commit", "qa_flag", *_FILE_LINE)


_WORLD_COLUMNS = (
    "edition", "commodity_code", *_FILE_LINE, "country_raw", "country", "type", "column",
    Col("measure", field="usgs_measure"), "qualifier", Col("unit", "Unit token of the column header."),
    "unit_factor_t", Col("year", checks=()), "is_estimate", "value_text", "value", "value_flag", "notes",
)
_SALIENT_COLUMNS = (
    "edition", "commodity_code", *_FILE_LINE, "data_source", "commodity", Col("year", checks=()),
    "year_text", "is_estimate", "column", "column_number", "statistic",
    Col("unit", "Unit token of the column header."), "unit_meaning", "value_text", "value", "value_flag",
)
_2026_WORLD_COLUMNS = (
    "commodity", "commodity_name", "country", Col("stage", "Stage as laid out upstream.", checks=()),
    "stage_label", "product", Col("unit", "Unit of `production` and `capacity`."), Col("year", checks=()),
    "production", "production_is_estimate", "value_text", "note_flag", "reserves", "reserves_text",
    "reserves_unit", "capacity", "footnote", *_USGS2026,
)
_2026_SALIENT_COLUMNS = (
    "commodity", "commodity_name", Col("year", checks=()), "is_estimate", "statistic", "section",
    "subsection", "label", "unit", "value", "value_text", "footnote", *_USGS2026,
)
_2026_SOURCES_COLUMNS = ("commodity", "commodity_name", "period", "category", "partner_country", "share_pct", *_USGS2026)
_TRANSCRIBED = "Not a USGS data release: see each row's qa_flag. Superseded by the data release (usgs2026_* tables); only the input of usgs2026_transcription_diff."


def _snap(name, source, title, description, key, columns, warnings=()):
    return table(name, "snapshot", title, description, key, columns, (source,), warnings)


SNAPSHOT = (
    _snap(
        "usgs_world", "usgs-mcs", "USGS MCS world tables, as published",
        "USGS MCS world production, capacity and reserves by country, one row per published cell.",
        ("file", "line", "column"),
        _WORLD_COLUMNS,
        ("mcs2024/world was revised on 2024-03-06: the header units of the files as shipped are authoritative.",),
    ),
    _snap(
        "usgs_salient", "usgs-mcs", "USGS MCS U.S. salient statistics, as published",
        "USGS MCS U.S. salient statistics (production, trade, consumption, prices, stocks, NIR).",
        ("file", "line", "column"),
        _SALIENT_COLUMNS,
    ),
    _snap(
        "usgs2026_world", "usgs-mcs-2026", "USGS MCS 2026 world production and reserves (data release)",
        "USGS MCS 2026 data release: world production, capacity and reserves (2024, 2025e), in the layout of the transcription it replaces.",
        _FILE_LINE,
        _2026_WORLD_COLUMNS,
        ("source_commit and qa_flag are the transcription's own columns: empty for the data release.",),
    ),
    _snap(
        "usgs2026_salient", "usgs-mcs-2026", "USGS MCS 2026 U.S. salient statistics (data release)",
        "USGS MCS 2026 data release: U.S. salient statistics (2021-2025e).",
        _FILE_LINE,
        _2026_SALIENT_COLUMNS,
    ),
    _snap(
        "usgs2026_import_sources", "usgs-mcs-2026", "USGS MCS 2026 U.S. import sources (data release)",
        "USGS MCS 2026 data release: U.S. import sources (share of imports by partner, 2021-24).",
        _FILE_LINE,
        _2026_SOURCES_COLUMNS,
    ),
    _snap(
        "baci_trade", "baci-hs92", "CEPII BACI trade flows, as published",
        "CEPII BACI bilateral trade flows (value in thousand USD, quantity in t), HS92.",
        ("year", "exporter_code", "importer_code", "hs6"),
        (
            Col("year", checks=()), Col("exporter_code", field="baci_exporter_code"),
            Col("importer_code", field="baci_importer_code"), Col("hs6", checks=()), "value_kusd",
            Col("quantity_t", "Quantity in metric tons (q); null where BACI has none."), "file",
        ),
        ("Partitioned by year in Dagster: one partition per BACI year.",),
    ),
    _snap(
        "baci_country_codes", "baci-hs92", "BACI country codes",
        "BACI country code table.",
        ("baci_code",),
        ("baci_code", "country_name", "country_name_repaired", "iso2", "iso3", *_FILE_LINE),
    ),
    _snap(
        "baci_product_codes", "baci-hs92", "BACI HS92 product codes",
        "BACI HS92 product code table.",
        ("hs6",),
        (Col("hs6", checks=()), "description", *_FILE_LINE),
    ),
    _snap(
        "wmd_production", "world-mining-data", "World Mining Data production, as published",
        "World Mining Data production by country and commodity, 2018-2024.",
        _FILE_LINE,
        (
            "commodity", "country", "wmd_country_code", "country_iso", Col("year", checks=()), "value",
            "unit", "data_source", "is_estimate", "is_total", *_FILE_LINE,
        ),
    ),
    _snap(
        "wgi_political_stability", "wgi", "WGI political stability, as published",
        "World Bank WGI political stability: estimate, standard error and 0-1 score, long form.",
        ("wb_code", "year"),
        (
            "wb_code", "country_name", Col("country_code", field="wgi_country_code"), Col("year", checks=()),
            "estimate", "stderr", "normalized", *_FILE_LINE,
        ),
        ("No survey in 1997, 1999 and 2001.",),
    ),
    _snap(
        "hs_code_map", "hs-code-map", "Raw material to HS92 code map, as published",
        "Raw material to HS92 code map with supply-chain stage and EoL-RIR.",
        _FILE_LINE,
        (
            "sheet_name", "category_wmd", "reference_id", "supply_chain_stage", "symbol", "geology",
            "reference", "eol_rir_2023", "hs_code_complementary", "hs_codes_complementary", "hs_code",
            "hs_code_flag", Col("description", "Product description as published."), *_FILE_LINE,
        ),
    ),
    _snap(
        "china_exports_hs6_monthly", "trade-extra-china", "China's monthly exports by partner, as published",
        "China's monthly exports of HS 250410, 380110 and 811292 by partner (UN Comtrade, China as reporter), 2017-2024.",
        _FILE_LINE,
        (
            "month", "partner_name", Col("hs6", "HS six-digit code as published (HS 2017 for 811292).", checks=()),
            "value_usd", "quantity_kg", "unit_value", *_FILE_LINE,
        ),
        ("Partners are English names, not codes.",),
    ),
    _snap(
        "china_exports_hs_map", "trade-extra-china", "China's national lines behind the monthly extract",
        "China's eight-digit national lines behind each HS six-digit group of the monthly export extract.",
        ("hs8",),
        (
            "hs8", Col("hs6", "First six digits of hs8.", checks=()), "material",
            Col("group", field="hs_map_group"), "notes", *_FILE_LINE,
        ),
    ),
    _snap(
        "us_magnet_imports", "comtrade-magnets", "U.S. permanent-magnet imports by partner, as published",
        "U.S. imports of permanent magnets (HS 850511) by partner, 2018-2025, with share and rank (UN Comtrade, U.S. as reporter).",
        ("year", "partner_code"),
        (
            "basket", Col("hs6", checks=()), Col("year", checks=()), "partner_code", "partner_iso3", "partner_name",
            "is_aggregate_partner", Col("value_usd", "Import value in current USD."), "share", "rank", *_FILE_LINE,
        ),
    ),
    _snap(
        "usitc_imports_for_consumption", "usitc-dataweb", "USITC DataWeb U.S. imports for consumption, as published",
        "U.S. imports for consumption of 25 HS4 headings from 18 partners, 1993-2026, one row per sheet, data row and year column.",
        ("sheet", "cell"),
        (
            Col("measure", field="usitc_measure"), Col("period", field="usitc_period"), "partner_name",
            Col("hs4", checks=()), "description", "quantity_description", Col("year", checks=()),
            Col("value", "Customs value (USD) or quantity, as the sheet's measure says."), "suppressed",
            "file", "sheet", "cell", "line",
        ),
        ("The download year's full-year column is all zeros: that year is in the year-to-date sheets.",),
    ),
    _snap(
        "usitc_query_parameters", "usitc-dataweb", "USITC DataWeb query parameters",
        "The DataWeb query behind the imports workbook (trade flow, years, countries, headings, download date).",
        ("cell",),
        ("parameter", Col("value", field="parameter_value"), "cell"),
    ),
    _snap(
        "oecd_export_restrictions", "oecd-export-restrictions", "OECD export restrictions on China's raw materials, as published",
        "The measures on China in the OECD Inventory of Export Restrictions on Industrial Raw Materials, data year 2024.",
        _FILE_LINE,
        (
            "data_year", "iso2", "resource", "measure_code", "measure_type", "rate", "rate_unit", "condition",
            "introduced", "ends", "temporary", "document", "document_number", "document_year", "link", Col("agency", field="oecd_agency"),
            Col("note", "Note as published."), "hs6_lines", *_FILE_LINE,
        ),
    ),
    _snap(
        "pink_sheet_prices", "wb-pink-sheet", "World Bank Pink Sheet monthly prices, as published",
        "World Bank Commodity Price Data (The Pink Sheet): monthly nominal USD prices of every commodity, one row per published price.",
        ("sheet", "cell"),
        (
            Col("wb_code", field="wb_commodity_code"), "commodity", Col("unit", "Unit of `price` as published ($/mt, $/troy oz, ...)."), "month",
            Col("price", checks=()), "updated", "file", "sheet", "cell", "line",
        ),
    ),
    _snap(
        "iea_supply", "iea-cmde", "IEA Critical Minerals Data Explorer supply sheet, as published",
        "IEA Critical Minerals Data Explorer 2024: mining and refining by country, 2023 and base-case projections (kt).",
        ("file", "sheet", "cell"),
        (
            "iea_mineral", "stage_label", Col("stage", "Registry stage of the IEA block (mine or refinery)."),
            Col("country", "Row label as published: a country, Rest of world, Total or Top 3 share."), "row_kind",
            Col("year", checks=()), "scenario", "value_kt",
            Col("share", "Top-3 share as published (fraction); null on quantity rows.", nullable=True),
            "file", "sheet", "cell", "line",
        ),
        ("'Rest of world', 'Total' and 'Top 3 share' are typed by row_kind: never take them for countries.",),
    ),
    _snap(
        "bgs_production", "bgs-wms", "BGS World Mineral Statistics production, as published",
        "BGS World Mineral Statistics production by country, 1971-2023, 14 commodity files.",
        _FILE_LINE,
        (
            Col("country_code", field="bgs_country_code"), "country_name", "commodity", "sub_commodity",
            "statistic", "yearbook_table", "units", Col("year", checks=()), "quantity", "quantity_book",
            "precision_code", "precision", "figure_notes_code", "figure_notes", "table_notes_code",
            "table_notes", *_FILE_LINE,
        ),
        ("Historical economies (SUN, YUG, CSK, DDR, ...) carry BGS's own codes; West Germany is filed under DEU.",),
    ),
    _snap(
        "usgs2025_world", "usgs-mcs-2025", "USGS MCS 2025 world table, as published",
        "USGS MCS 2025 world production (2023, 2024e), capacity and reserves (2024), one row per published cell.",
        ("file", "line", "column"),
        _WORLD_COLUMNS,
        ("One file for all commodities; `column` keeps the header as published ('PROD_EST_ 2024').",),
    ),
    _snap(
        "usgs2025_salient", "usgs-mcs-2025", "USGS MCS 2025 U.S. salient statistics, as published",
        "USGS MCS 2025 U.S. salient statistics (2020-2024e).",
        ("file", "line", "column"),
        _SALIENT_COLUMNS,
    ),
    _snap(
        "usgs2025_end_uses", "usgs-mcs-2025", "USGS MCS 2025 table T4, as published",
        "USGS MCS 2025 table T4: primary applications of each critical mineral, as printed.",
        ("critical_mineral",),
        ("edition", "critical_mineral", "primary_applications", "category_note", *_FILE_LINE),
    ),
    _snap(
        "usgs2026_transcribed_world", "usgs-mcs-2026-transcribed", "MCS 2026 world production and reserves, as transcribed",
        "MCS 2026 world production and reserves (2024, 2025e) as transcribed from the per-commodity summaries.",
        _FILE_LINE,
        _2026_WORLD_COLUMNS,
        (_TRANSCRIBED,),
    ),
    _snap(
        "usgs2026_transcribed_salient", "usgs-mcs-2026-transcribed", "MCS 2026 U.S. salient statistics, as transcribed",
        "MCS 2026 U.S. salient statistics (2021-2025e) as transcribed from the per-commodity summaries.",
        _FILE_LINE,
        _2026_SALIENT_COLUMNS,
        (_TRANSCRIBED,),
    ),
    _snap(
        "usgs2026_transcribed_import_sources", "usgs-mcs-2026-transcribed", "MCS 2026 U.S. import sources, as transcribed",
        "MCS 2026 U.S. import sources (2021-24) as transcribed from the per-commodity summaries.",
        _FILE_LINE,
        _2026_SOURCES_COLUMNS,
        (_TRANSCRIBED,),
    ),
)
