"""The clean layer's data-quality tables and the curated policy tables published beside the marts."""

from __future__ import annotations

from transforms.metadata.clean import ISO3, USGS
from transforms.metadata.fields import Col
from transforms.metadata.table import table

QUALITY = (
    table(
        "country_name_coverage",
        "quality",
        "Country-name coverage of every source",
        "Every country name or code in every source and the ISO3 or aggregate code it maps to (null = unmapped).",
        ("source", "column", "name"),
        (Col("source", field="name_source"), Col("column", field="name_column"), "name", "code", "kind"),
        sources=(*USGS, "baci-hs92", "world-mining-data", "wgi"),
        usage_warnings=("A blocking check fails the build on any unmapped name: fix it in data/reference/country_names.csv.",),
    ),
    table(
        "world_total_reconciliation",
        "quality",
        "USGS country sums against published world totals",
        "USGS production: sum of economies and 'other countries' against the published world total, per mineral, stage, year and edition, with the check's status.",
        ("mineral", "stage", "year", "edition"),
        (
            "mineral", "stage", "year", "edition", "sum_of_countries_t", "rows", "non_numeric_rows",
            "world_total_t", "ratio", "comparable",
            Col("status", "ok, no figures, not comparable (withheld or non-numeric figures), no world total, or outside tolerance (WORLD_TOTAL_REL_TOLERANCE in transforms/reconcile.py)."),
            "accepted_reason",
        ),
        sources=USGS,
        usage_warnings=("USGS rounds world totals to two or three significant figures: ratios within 5% are agreement.",),
    ),
    table(
        "usgs_wmd_comparison",
        "quality",
        "USGS against World Mining Data production",
        "USGS vs World Mining Data production for the same mineral, stage, economy and year, with the relative difference and whether it exceeds the tolerance.",
        ("mineral", "stage", "country_code", "year"),
        (
            "mineral", "stage", ISO3,
            "year", "usgs_t", "usgs_basis", "edition",
            Col("wmd_commodity", "World Mining Data commodity compared (the one closest to USGS where there are several)."),
            "wmd_t", "wmd_basis", "rel_diff", "disagrees", "basis_differs",
        ),
        sources=(*USGS, "world-mining-data"),
        usage_warnings=("The two sources estimate independently and sometimes on different bases: see `basis_differs`.",),
    ),
    table(
        "export_controls_crosscheck",
        "quality",
        "OECD licensing measures against the curated export controls",
        "China's export-licensing announcements in the OECD inventory (data year 2024) against "
        "data/reference/policy/export_controls.yaml, matched by announcement number and year: "
        "announcements in one list and not the other, and matches whose dates or minerals differ, each with the reason.",
        ("number", "number_year"),
        (
            Col("status", "matched, dates_differ, oecd_only, yaml_only or yaml_only_after_data_year."),
            "number", "number_year", Col("event_id", "Event of export_controls.yaml; null if none.", nullable=True),
            "oecd_resources", "oecd_introduced", "date_effective", "reason", "minerals_only_in_oecd",
            "minerals_only_in_yaml",
        ),
        sources=("oecd-export-restrictions",),
        usage_warnings=("OECD export taxes and VAT rebates are outside export_controls.yaml's scope and are not compared.",),
    ),
    table(
        "source_reconciliation",
        "quality",
        "USGS, BGS, World Mining Data and IEA production compared like with like",
        "Pairs of sources (USGS/BGS, USGS/World Mining Data, BGS/World Mining Data, IEA/USGS) for the same "
        "mineral, stage, economy and year on the same unit basis, with the relative difference, the pair's "
        "named tolerance (transforms/reconcile.py) and whether it is within; differences documented in "
        "data/reference/corrections.yaml carry their reason.",
        ("mineral", "stage", "country_code", "year", "source_a", "source_b"),
        (
            "mineral", "stage", ISO3, "year",
            Col("unit_basis", "Tonnage basis both figures are on."), "source_a", "source_b", "a_t", "b_t",
            "product_a", "product_b", "rel_tolerance",
            Col("rel_diff", "(b_t - a_t) / max(a_t, b_t), between -1 and 1 (NaN where both are 0).", nullable=True),
            "within_tolerance", "accepted_reason",
        ),
        sources=(*USGS, "bgs-wms", "world-mining-data", "iea-cmde"),
        usage_warnings=("Where a source has several products on one basis, the closest to the other source is compared: see product_a and product_b.",),
    ),
    table(
        "usgs2026_transcription_diff",
        "quality",
        "MCS 2026: the transcription against USGS's data release",
        "Every MCS 2026 figure where the third-party transcription of the per-commodity summaries "
        "(usgs-mcs/mcs2026/, retired) and USGS's own data release (MCS2026_Commodities_Data.csv, "
        "now the source of the 2026 edition) differ, or that only one of them has, with both lines.",
        ("table", "mineral", "statistic", "country", "year"),
        (
            Col("table", field="diff_table"), Col("mineral", field="mcs2026_commodity"),
            Col("statistic", "Statistic as published (world: measure, stage and product; import sources: the category, null for all products).", nullable=True),
            Col("country", "Economy (world total and 'other countries' named alike on both sides).", nullable=True),
            Col("year", "Year of the figure; null for reserves and import shares.", nullable=True, checks=()),
            "transcribed_value", "official_value", "transcribed_text", "official_text",
            Col("note", field="diff_note"), "transcribed_line", "official_line",
        ),
        sources=("usgs-mcs-2026", "usgs-mcs-2026-transcribed"),
        usage_warnings=(
            "Masses are compared in metric tons, so a unit written differently is not a difference.",
            "Figures are as published on both sides, before any correction of corrections.yaml.",
        ),
    ),
    table(
        "usgs_unit_sanity",
        "quality",
        "Unit slips in the USGS world tables",
        "Every USGS world figure whose header unit disagrees with the unit its notes state, or that "
        "changes more than 50-fold from one year or MCS edition to the next (a unit slip's "
        "symptoms), MCS 2023 to the 2026 release, with how it was resolved: corrected by a row fix "
        "of data/reference/corrections.yaml, accepted there with a reason, or unexplained.",
        ("case", "file", "column", "line", "compared_with"),
        (
            Col("case", field="sanity_case"), "commodity_code", Col("measure", field="usgs_measure"),
            Col("country", "Country as published; null for a unit statement (a whole column).", nullable=True),
            "edition", Col("year", "Year of the figure; null for reserves.", nullable=True, checks=()),
            "file", "column", "line", "compared_with", Col("detail", field="sanity_detail"),
            Col("ratio", field="sanity_ratio"), Col("status", field="sanity_status"),
            Col("reason", field="sanity_reason"),
        ),
        sources=(*USGS,),
        usage_warnings=("A blocking check fails the build on any unexplained case: fix it or accept it in data/reference/corrections.yaml with the evidence.",),
    ),
)

REFERENCE = (
    table(
        "stockpile_programmes",
        "reference",
        "Stockpile programmes of the allies (curated)",
        "The allies' government stockpile programmes for critical minerals (agency, status, budget, target days, minerals), curated in data/reference/policy/stockpiles.yaml with source URLs per row; unverified rows are marked.",
        ("programme_id",),
        (
            "programme_id", Col("country", field="stockpile_country"), "programme", "agency",
            Col("status", field="programme_status"), "budget", "budget_kind", "budget_currency",
            "budget_year", "budget_what", "budget_note", "target_days", "target_days_note",
            Col("minerals", "Minerals the programme holds or targets, comma-separated."),
            "minerals_note", "primary_urls", "primary_note",
            Col("source_urls", "Secondary sources of the row (reports, mirrors), comma-separated."), "verified",
            Col("note", "What was and was not confirmed.", nullable=True),
        ),
        usage_warnings=("Money figures are in each programme's own currency of budget_year and are different things: budget_kind says whether funds allocated or the value of stocks held (see budget_what).",),
    ),
)
