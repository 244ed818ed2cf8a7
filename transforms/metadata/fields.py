"""Every column of every table, declared once: dtype, unit, description and value constraints.

PUDL's ``metadata/fields.py`` pattern: a table (``transforms.metadata.snapshot``, ``clean``,
``quality``, ``marts``, ``scenarios``, ``reference``) lists the fields it holds by name and may
override a field's description, nullability or checks where its meaning there really differs.
A field whose dtype differs between layers (BACI's numeric country codes in the snapshot, ISO3
text in the clean layer) is a separate field, used under the column name by ``Col(field=...)``.

Checks are named constraints turned into pandera checks by ``transforms.metadata.schemas``:
("ge", x), ("le", x), ("between", (lo, hi)), ("isin", values), ("matches", regex),
("str_length", n), ("known", "mineral" | "economy" | "country_or_aggregate" | "importer").
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.marts import concentration as conc
from transforms.marts import concentration_history as conc_history
from transforms.marts import dependence as dep
from transforms.marts import dependence_sources as dep_sources
from transforms.parsers.usitc import USITC_SHEETS
from transforms.reference.trade_coverage import COVERAGE_LABELS

# Years the sources cover: BACI starts in 1995, WGI in 1996; MCS 2026 estimates 2025.
MIN_YEAR = 1995
MAX_YEAR = 2026
STAGES = ("mine", "refinery")
ENTITY_KINDS = ("economy", "aggregate")
# As in the registry's vocabulary (transforms.reference.UNIT_BASES), plus content_of_<x>.
UNIT_BASIS = r"(contained|oxide_equivalent|gross_weight|volume|content_of_[a-z0-9_]+)"
UNIT_BASIS_PATTERN = rf"^{UNIT_BASIS}$"
# Several bases joined by commas where a group mixes them (e.g. arsenic: oxide and metal).
UNIT_BASIS_LIST_PATTERN = rf"^{UNIT_BASIS}(,{UNIT_BASIS})*$"
BLOCS = (dep.BLOC_EU27, dep.BLOC_ALLIANCE)
# Shares are fractions in [0, 1]; float sums may exceed a bound by rounding noise only.
FLOAT_TOLERANCE = 1e-9
SHARE_MAX = 1.0 + FLOAT_TOLERANCE
HHI_MAX = 10_000.0 * (1.0 + FLOAT_TOLERANCE)
# The EC scales WGI to 0-10, so a WGI-weighted HHI on fractional shares lies in [0, 10].
HHI_WGI_MAX = 10.0 * (1.0 + FLOAT_TOLERANCE)

# Units: what a number counts, or what kind of value a non-numeric column holds.
T = "t"  # metric tons
USD = "USD"  # current US dollars
USD_PER_T = "USD/t"
USD_PER_KG = "USD/kg"
KG = "kg"
KUSD = "thousand USD"
AUD = "AUD"
USD_PER_AUD = "USD/AUD"
PCT = "%"
SHARE = "share 0-1"
HHI = "index 0-10,000"
INDEX = "index"
YEAR = "year"
DAYS = "days"
MONTHS = "months"
COUNT = "count"
TEXT = "text"
CODE = "code"
FLAG = "true/false"
DATE = "date"
LINE = "line number"
AS_PUBLISHED = "as published (see `unit`)"

GE0 = (("ge", 0),)
SHARE_CHECK = (("between", (0.0, SHARE_MAX)),)
YEAR_CHECK = (("between", (MIN_YEAR, MAX_YEAR)),)
# The measures and periods of the DataWeb sheets the parser reads.
USITC_MEASURES = tuple(sorted({m for m, _ in USITC_SHEETS.values()}))
USITC_PERIODS = tuple(sorted({p for _, p in USITC_SHEETS.values()}))


@dataclass(frozen=True)
class Field:
    dtype: pl.DataType | type
    unit: str
    description: str
    nullable: bool = False
    checks: tuple[tuple[str, object], ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class Col:
    """A table's use of a field: ``name`` in the table, ``field`` in FIELDS (default: name)."""

    name: str
    description: str | None = None
    field: str | None = None
    nullable: bool | None = None
    checks: tuple[tuple[str, object], ...] | None = None


def _f(dtype, unit, description, null=False, checks=(), title=None) -> Field:
    return Field(dtype, unit, description, null, tuple(checks), title)


S, I16, I32, F64, B = pl.Utf8, pl.Int16, pl.Int32, pl.Float64, pl.Boolean

FIELDS: dict[str, Field] = {
    # --- keys and provenance shared by every layer -------------------------------------------
    "mineral": _f(S, CODE, "Mineral slug from the registry (data/reference/minerals.yaml).", checks=(("known", "mineral"),)),
    "stage": _f(S, CODE, "Supply-chain stage: mine (ore, concentrate) or refinery (refined, processed).", checks=(("isin", STAGES),)),
    "year": _f(I16, YEAR, "Calendar year the figure refers to.", checks=YEAR_CHECK),
    "country_code": _f(S, CODE, "ISO 3166-1 alpha-3 code, or a typed aggregate code (WORLD, OTHER, ...).", checks=(("known", "country_or_aggregate"),)),
    "country_kind": _f(S, CODE, "economy or aggregate.", checks=(("isin", ENTITY_KINDS),)),
    "unit_basis": _f(S, CODE, "What the tonnage measures: contained metal, oxide equivalent, gross weight, ...", checks=(("matches", UNIT_BASIS_PATTERN),)),
    "edition": _f(I16, YEAR, "Edition of the source the figure comes from (MCS year).", checks=(("between", (2020, MAX_YEAR)),)),
    "editions_available": _f(S, TEXT, "Every edition that published a figure for this key, comma-separated."),
    "source": _f(S, TEXT, "Short name of the source."),
    "source_file": _f(S, TEXT, "Upstream file the figure was parsed from."),
    "source_line": _f(I32, LINE, "1-based line of that file (header = line 1).", null=True),
    "file": _f(S, TEXT, "Upstream file the row was parsed from."),
    "line": _f(I32, LINE, "1-based line of that file (header = line 1).", null=True),
    "value_text": _f(S, TEXT, "The cell exactly as published.", null=True),
    "value_flag": _f(S, CODE, "Text flag published instead of, or with, the number (W withheld, NA, >, E, ...).", null=True),
    "is_estimate": _f(B, FLAG, "True where the source marks the figure as an estimate."),
    "note": _f(S, TEXT, "Caveat on the row.", null=True),
    "unit": _f(S, CODE, "Unit of `value` as published."),
    "value": _f(F64, AS_PUBLISHED, "The figure in `unit`; null where not published as a number.", null=True),
    "commodity": _f(S, TEXT, "Commodity as the source names it."),
    "commodity_name": _f(S, TEXT, "Commodity name as the source prints it."),
    "country": _f(S, TEXT, "Country or area as the source names it."),
    "statistic": _f(S, TEXT, "Statistic as named in the source (unit suffix removed)."),
    "description": _f(S, TEXT, "Description as published.", null=True),
    "footnote": _f(S, TEXT, "Footnote as published.", null=True),
    "source_commit": _f(S, CODE, "Commit of the upstream repository the row was laid out from.", null=True),
    "qa_flag": _f(S, TEXT, "Inference made while laying the row out upstream, if any.", null=True),
    "data_source": _f(S, TEXT, "Source the publisher names for the row.", null=True),
    # --- clean tables ---------------------------------------------------------------------
    "production_t": _f(F64, T, "Production in metric tons on the stated basis; null where not published as a number.", null=True, checks=GE0),
    "reserves_t": _f(F64, T, "Reserves in metric tons on the stated basis; null where not published as a number.", null=True, checks=GE0),
    "usgs_type": _f(S, TEXT, "The USGS table row type (or 2026 table title) the figure comes from."),
    "wmd_commodity": _f(S, TEXT, "Commodity name as World Mining Data publishes it."),
    "exporter_code": _f(S, CODE, "Exporter ISO3 (or SACU, see usage warnings).", checks=(("known", "country_or_aggregate"),)),
    "importer_code": _f(S, CODE, "Importer ISO3 (or SACU, see usage warnings).", checks=(("known", "country_or_aggregate"),)),
    "hs6": _f(S, CODE, "HS 1992 six-digit product code.", checks=(("str_length", 6),)),
    "value_usd": _f(F64, USD, "Trade value in current USD.", checks=GE0),
    "quantity_t": _f(F64, T, "Quantity in metric tons (gross weight); null where BACI has none.", null=True, checks=GE0),
    "baci_edition": _f(S, CODE, "BACI version (release label of the upstream file)."),
    "usgs_commodity": _f(S, CODE, "USGS commodity code of the salient file (a mineral may have several, e.g. bauxite and aluminum)."),
    "salient_unit": _f(S, CODE, "Unit of `value`: t, usd_per_t, pct, or the published unit when not convertible."),
    "political_stability": _f(F64, INDEX, "WGI estimate (about -2.5 to 2.5).", null=True, checks=(("between", (-3.5, 3.5)),)),
    "political_stability_se": _f(F64, INDEX, "Standard error of the estimate.", null=True, checks=GE0),
    "political_stability_score": _f(F64, SHARE, "0-1 normalised score (higher = less stable).", null=True, checks=(("between", (0, 1)),)),
    # --- data-quality tables ----------------------------------------------------------------
    "name_source": _f(S, CODE, "Source whose names are harmonised (usgs, usgs2026, wmd, wgi, baci)."),
    "name_column": _f(S, CODE, "Column of that source holding the name or code."),
    "name": _f(S, TEXT, "Country name or code as the source writes it."),
    "code": _f(S, CODE, "ISO3 or aggregate code it maps to through data/reference/country_names.csv; null = unmapped.", null=True),
    "kind": _f(S, CODE, "economy or aggregate; null = unmapped.", null=True, checks=(("isin", ENTITY_KINDS),)),
    "sum_of_countries_t": _f(F64, T, "Sum of the economies' and 'other countries' production.", null=True, checks=GE0),
    "rows": _f(pl.UInt32, COUNT, "Rows summed."),
    "non_numeric_rows": _f(pl.UInt32, COUNT, "Rows whose figure is withheld or not numeric."),
    "world_total_t": _f(F64, T, "Published world total; null where none.", null=True, checks=GE0),
    "ratio": _f(F64, INDEX, "sum_of_countries_t / world_total_t.", null=True, checks=GE0),
    "comparable": _f(B, FLAG, "False where a withheld or non-numeric figure makes the sum incomplete."),
    "status": _f(S, TEXT, "Outcome of the check."),
    "accepted_reason": _f(S, TEXT, "Why data/reference/corrections.yaml accepts a row outside tolerance.", null=True),
    "usgs_t": _f(F64, T, "USGS production.", checks=GE0),
    "usgs_basis": _f(S, CODE, "Tonnage basis of the USGS figure.", checks=(("matches", UNIT_BASIS_PATTERN),)),
    "wmd_t": _f(F64, T, "World Mining Data production.", checks=GE0),
    "wmd_basis": _f(S, CODE, "Tonnage basis of the World Mining Data figure.", checks=(("matches", UNIT_BASIS_PATTERN),)),
    "rel_diff": _f(F64, SHARE, "(wmd_t - usgs_t) / max(usgs_t, wmd_t), between -1 and 1 (NaN where both are 0).", null=True),
    "disagrees": _f(B, FLAG, "True beyond USGS_WMD_REL_TOLERANCE (transforms/reconcile.py)."),
    "basis_differs": _f(B, FLAG, "True where the two figures are on different tonnage bases."),
    # --- metric marts -----------------------------------------------------------------------
    "measure": _f(S, CODE, "production, reserves or exports.", checks=(("isin", conc.MEASURES),)),
    "conc_unit": _f(S, CODE, "Unit of `total`: t (metric tons) or usd.", checks=(("isin", conc.UNITS),)),
    "unit_basis_list": _f(S, CODE, "Tonnage basis (comma-joined where mixed).", null=True, checks=(("matches", UNIT_BASIS_LIST_PATTERN),)),
    "denominator": _f(S, CODE, "What the shares divide by: world_total, world_total_excl_usa_plus_usa, sum_of_parts, no_world_total (no shares: the listed economies are not the world) or no_figures.", checks=(("isin", conc.DENOMINATORS),)),
    "total": _f(F64, "t or USD (see `unit`)", "The denominator's value in `unit`; null when there are no figures.", null=True, checks=GE0),
    "total_qualifier": _f(S, TEXT, "'more than' where the publisher prints the world total as a lower bound (>), so shares of it are upper bounds; else null.", null=True),
    "parts_total": _f(F64, "t or USD (see `unit`)", "Sum of the published parts (economies + 'Other countries'); above `total` where the publisher's world total is rounded down.", null=True, checks=GE0),
    "share_note": _f(S, TEXT, "Why the shares read as they do (parts above a rounded total, no world total, lower bound); null where nothing needs saying.", null=True),
    "economies": _f(I32, COUNT, "Economies with a positive figure.", checks=GE0),
    "withheld_economies": _f(I32, COUNT, "Economies whose figure is withheld (W).", checks=GE0),
    "not_numeric_economies": _f(I32, COUNT, "Economies with another non-numeric cell (NA, empty, ...).", checks=GE0),
    "hhi": _f(F64, HHI, "Herfindahl-Hirschman index on shares in percent, 0-10,000.", null=True, checks=(("between", (0.0, HHI_MAX)),)),
    "alliance_pooled_hhi": _f(F64, HHI, "HHI with the alliance counted as one supplier, 0-10,000.", null=True, checks=(("between", (0.0, HHI_MAX)),)),
    "top1_code": _f(S, CODE, "ISO3 of the largest economy (ties broken by code).", null=True, checks=(("known", "economy"),)),
    "top1_share": _f(F64, SHARE, "Share of the largest economy. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "top3_share": _f(F64, SHARE, "Share of the three largest economies together. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "china_share": _f(F64, SHARE, "Share of China. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "china_share_t": _f(F64, SHARE, "China's share of import tonnes (flows with a quantity). Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "alliance_share": _f(F64, SHARE, "Share of the alliance economies. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "rest_share": _f(F64, SHARE, "Share of every other economy plus the unattributed rest; china + alliance + rest = 1, or parts_total / total where the listed parts exceed a rounded world total. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "unattributed_share": _f(F64, SHARE, "Share not published for any single economy ('Other countries', withheld, aggregates). Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "importer": _f(S, CODE, "Importer: an alliance economy (ISO3), EU27 (the EU as a bloc) or ALLIANCE (the alliance as a bloc).", checks=(("known", "importer"),)),
    "importer_kind": _f(S, CODE, "economy or bloc.", checks=(("isin", dep.IMPORTER_KINDS),)),
    "imports_usd": _f(F64, USD, "Imports from outside the importer, current USD.", checks=GE0),
    "imports_t": _f(F64, T, "Imports in metric tons (gross weight).", null=True, checks=GE0),
    "import_qty_coverage": _f(F64, SHARE, "Share of import value whose flows carry a quantity. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "exports_usd": _f(F64, USD, "Exports to outside the importer, current USD.", checks=GE0),
    "exports_t": _f(F64, T, "Exports in metric tons (gross weight); null where no flow has a quantity.", null=True, checks=GE0),
    "top_supplier": _f(S, CODE, "Largest supplier by value (ISO3, or an aggregate code such as SACU).", null=True, checks=(("known", "country_or_aggregate"),)),
    "top_supplier_share": _f(F64, SHARE, "Largest supplier's share of import value. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "production_status": _f(S, CODE, "reported, not_listed (taken as 0), withheld, not_numeric or no_table.", checks=(("isin", dep.PRODUCTION_STATUSES),)),
    "production_unit_basis": _f(S, CODE, "Basis of the production figures.", null=True, checks=(("matches", UNIT_BASIS_LIST_PATTERN),)),
    "production_source": _f(S, TEXT, "USGS MCS edition of the production figure.", null=True),
    "net_import_reliance": _f(F64, SHARE, "(imports_t - exports_t) / (production_t + imports_t - exports_t); negative for a net exporter.", null=True, checks=(("le", SHARE_MAX),)),
    "nir_note": _f(S, CODE, "Why NIR is negative or null: net_exporter, apparent_consumption_not_positive, no_tonnage, production_unknown.", null=True, checks=(("isin", dep.NIR_NOTES),)),
    "basis_mismatch": _f(B, FLAG, "True where the production basis is not the gross weight trade measures.", null=True),
    "trade_coverage": _f(S, TEXT, "Forms of the mineral its HS codes cover: ore only, processed forms only, ore and processed forms, ..., or no trade code (data/reference/trade_coverage.yaml).", null=True, checks=(("isin", tuple(COVERAGE_LABELS.values())),)),
    "china_mine_share": _f(F64, SHARE, "China's share of world mine production, latest year with a figure (as in the concentration mart). Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "china_refinery_share": _f(F64, SHARE, "China's share of world refinery production, latest year with a figure (as in the concentration mart). Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "finding_ok": _f(B, FLAG, "True where the figure covers the stage China holds (see `coverage_note`); false: not to be quoted as dependence on China."),
    "coverage_note": _f(S, TEXT, "Why the figure is no finding, and the forms the HS codes do not cover.", null=True),
    "material_imports": _f(B, FLAG, "Imports of at least one million USD (below that a share says nothing about dependence)."),
    "minerals_processed": _f(I32, COUNT, "Minerals whose processed forms the importer imports (at least one million USD, refinery-stage codes).", checks=GE0),
    "china_majority_value": _f(I32, COUNT, "Of those, minerals with China's share of import value above one half.", checks=GE0),
    "china_majority_tonnes": _f(I32, COUNT, "Of those, minerals with China's share of import tonnes above one half.", checks=GE0),
    "china_majority_minerals": _f(S, TEXT, "The minerals counted in `china_majority_value` (registry slugs, comma-joined; empty where none)."),
    "minerals_not_covered": _f(I32, COUNT, "Minerals whose figure is no finding (`finding_ok` false: ores only where China holds refining, or no trade code).", checks=GE0),
    "evidence": _f(S, CODE, "Which source outside BACI: usgs_import_sources (USGS U.S. import sources), us_magnet_imports (UN Comtrade, U.S. magnet imports) or china_exports (UN Comtrade, China's reported exports).", checks=(("isin", dep_sources.EVIDENCE),)),
    "supply_form": _f(S, TEXT, "The form of the mineral the figure is about, as the source names it (or its HS code)."),
    "supply_period": _f(S, TEXT, "Year, or years, the figure covers (USGS import sources: 2021-24)."),
    "china_listed": _f(B, FLAG, "True where the source names China among the suppliers; null for China's own exports.", null=True),
    "other_share": _f(F64, SHARE, "USGS share of 'Other countries': the most China can have where it is not named. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "evidence_basis": _f(S, TEXT, "What the figure measures (share of U.S. imports as published, share of import value, China's exports by value and weight)."),
    "production_stage": _f(S, CODE, "World Mining Data stage used for production (mine where reported).", checks=(("isin", STAGES),)),
    "trade_stage": _f(S, CODE, "Stage of the HS codes used for trade; null where the mineral has no trade rows.", null=True, checks=(("isin", STAGES),)),
    "hhi_production": _f(F64, SHARE, "HHI of world production, normalised 0-1.", checks=SHARE_CHECK),
    "producers": _f(I32, COUNT, "Economies with positive production that year.", checks=GE0),
    "domestic_production_t": _f(F64, T, "Domestic WMD production (members summed), metric tons.", checks=GE0),
    "partners": _f(I32, COUNT, "Partners outside the importer it imports from.", null=True, checks=GE0),
    "partners_wgi_imputed": _f(I32, COUNT, "Of those, partners without a WGI score (counted 0.5).", null=True, checks=GE0),
    "weighted_instability": _f(F64, SHARE, "Σ g_i f_i / (p + F): imports weighted by the partners' political instability over domestic supply. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "geopolrisk_score": _f(F64, SHARE, "GeoPolRisk score = hhi_production × weighted_instability. Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "price_usd_per_kg": _f(F64, USD_PER_KG, "Import unit value, USD per kg.", null=True, checks=GE0),
    "characterisation_factor": _f(F64, "kg Cu-eq/kg", "Geopolitical supply risk potential, kg Cu-eq per kg: score × price / 0.409412948.", null=True, checks=GE0),
    "hhi_wgi_global": _f(F64, INDEX, "Σ S_c² × WGI_c on global production shares, WGI scaled 0-10.", checks=(("between", (0.0, HHI_WGI_MAX)),)),
    "hhi_wgi_sourcing": _f(F64, INDEX, "Σ S_c² × WGI_c on the importer's extra-bloc import shares (tonnes).", null=True, checks=(("between", (0.0, HHI_WGI_MAX)),)),
    "import_reliance_raw": _f(F64, SHARE, "(imports - exports) / (production + imports - exports), tonnes, extra-bloc; null where the denominator is not positive.", null=True, checks=(("le", SHARE_MAX),)),
    "import_reliance": _f(F64, SHARE, "Import reliance bounded to [0, 1] as the EC indicator defines it (net exporter = 0). Fraction in [0, 1].", null=True, checks=SHARE_CHECK),
    "eol_rir": _f(F64, SHARE, "End-of-life recycling input rate (registry; 0 where missing). Fraction in [0, 1].", checks=SHARE_CHECK),
    "eol_rir_missing": _f(B, FLAG, "True where the registry has no EoL-RIR and 0 was used."),
    "substitution_index": _f(F64, INDEX, "Substitution index (1: not available).", checks=(("between", (0.0, 1.0)),)),
    "crm_supply_risk": _f(F64, INDEX, "EU CRM supply risk, simplified: [GS × IR/2 + sourcing × (1 - IR/2)] × (1 - EoL_RIR) × SI.", null=True, checks=(("between", (0.0, HHI_WGI_MAX)),)),
    # --- scenario marts ----------------------------------------------------------------------
    "imports_from_china_t": _f(F64, T, "Imports from China, t gross weight.", checks=GE0),
    "imports_from_china_usd": _f(F64, USD, "Imports from China, US$.", checks=GE0),
    "non_china_imports_t": _f(F64, T, "Imports from everyone but China, t.", checks=GE0),
    "net_imports_t": _f(F64, T, "imports_t - exports_t (negative: net exporter)."),
    "production_year": _f(I16, YEAR, "Year of the production figures (latest USGS year <= the trade year); null where the stage has no production table.", null=True),
    "production_basis": _f(S, CODE, "What the production tonnage measures (contained, oxide_equivalent, gross_weight).", null=True),
    "production_withheld": _f(B, FLAG, "True where a member's figure is withheld (W): production_t is then a lower bound."),
    "supply_t": _f(F64, T, "production_t + imports_t.", null=True, checks=GE0),
    "lost_share_of_imports": _f(F64, SHARE, "imports_from_china_t / imports_t.", null=True, checks=(("between", (0.0, 1.0)),)),
    "lost_share_of_imports_usd": _f(F64, SHARE, "imports_from_china_usd / imports_usd.", null=True, checks=(("between", (0.0, 1.0)),)),
    "lost_share_of_supply": _f(F64, SHARE, "imports_from_china_t / supply_t.", null=True, checks=(("between", (0.0, 1.0)),)),
    "remaining_supply_t": _f(F64, T, "production_t + non_china_imports_t.", null=True, checks=GE0),
    "use_t": _f(F64, T, "Current use = production + imports - exports, t; null where production is unknown or use is not positive.", null=True, checks=GE0),
    "months_of_cover": _f(F64, MONTHS, "remaining_supply_t / (use_t / 12): months of current use the remaining annual supply covers (12+ = fully covered).", null=True, checks=GE0),
    "months_of_cover_trade_only": _f(F64, MONTHS, "non_china_imports_t / (net_imports_t / 12), production left out; null where net imports are not positive.", null=True, checks=GE0),
    "shortfall_t": _f(F64, T, "max(0, use_t - remaining_supply_t).", null=True, checks=GE0),
    "cover_note": _f(S, TEXT, "Why months_of_cover is null, where it is.", null=True),
    "exposure_share": _f(F64, SHARE, "lost_share_of_supply, or lost_share_of_imports where production is unknown.", null=True, checks=(("between", (0.0, 1.0)),)),
    "exposure_basis": _f(S, CODE, "supply or imports: which share exposure_share is.", null=True, checks=(("isin", ("supply", "imports")),)),
    "exposure_rank": _f(I32, "rank", "Rank of the mineral and stage for this importer by exposure_share, 1 = most exposed.", null=True, checks=(("ge", 1),)),
    "days": _f(I32, DAYS, "Days of China-sourced imports held.", checks=(("ge", 1),)),
    "benchmark": _f(S, TEXT, "Programme whose target this many days is (JPN JOGMEC 60, KOR KOMIR 100).", null=True),
    "stock_t": _f(F64, T, "Stockpile size, t: imports_from_china_t x days / 365.", checks=GE0),
    "price_usd_per_t": _f(F64, USD_PER_T, "Price used, US$ per t of `price_product`: the unit value of the traded goods (value / quantity of the same flows) or a USGS price series (`price_source` says which); null where not computable.", null=True, checks=GE0),
    "price_year": _f(I16, YEAR, "Year of that price.", null=True, checks=YEAR_CHECK),
    "price_statistic": _f(S, TEXT, "USGS salient statistic the price is (see parameters.yaml price_series).", null=True),
    "price_product": _f(S, TEXT, "What the price is for.", null=True),
    "price_matches_trade": _f(B, FLAG, "True where the price is of the goods traded (always, for a trade unit value); false where a USGS price of another product stands in (e.g. metal price, ore trade).", null=True),
    "cost_usd": _f(F64, USD, "stock_t x price_usd_per_t, current US$ of the price year.", null=True, checks=GE0),
    "price_source": _f(S, TEXT, "Where price_usd_per_t comes from (trade unit value of which flows and year, or the USGS series).", null=True),
    "market_price_usd_per_t": _f(F64, USD_PER_T, "Latest USGS price of the mineral's series (parameters.yaml), US$ per t of market_price_product: a check beside the trade unit value.", null=True, checks=GE0),
    "market_price_year": _f(I16, YEAR, "Year of market_price_usd_per_t.", null=True, checks=YEAR_CHECK),
    "market_price_product": _f(S, TEXT, "What the USGS price is for.", null=True),
    "market_price_matches_trade": _f(B, FLAG, "False where the USGS price is of another product than the traded good.", null=True),
    "cost_usd_at_market_price": _f(F64, USD, "stock_t x market_price_usd_per_t (a check; overstates where the USGS product is worth more than the traded good).", null=True, checks=GE0),
    "not_computable_reason": _f(S, TEXT, "Why the row's scenario figures cannot be computed meaningfully (no trade code; codes that miss the stage China holds, as `finding_ok` false in the dependence marts; no tonnage; imports from China below the thresholds of parameters.yaml); null where they can.", null=True),
    "lost_months_of_imports": _f(F64, MONTHS, "Months of the importer's imports lost: lost_share_of_imports x 12.", null=True, checks=(("between", (0.0, 12.0 + FLOAT_TOLERANCE)),)),
    "in_reserve": _f(B, FLAG, "True for the minerals the reserve names (the budget is split across them); false for the other focus minerals (only the note's budget is priced)."),
    "note_budget_aud": _f(F64, AUD, "The smaller budget quoted in the briefing's note (A$400m, parameters.yaml), A$.", null=True, checks=GE0),
    "note_budget_tonnes": _f(F64, T, "note_budget_aud x aud_usd / price_usd_per_t, t of price_product.", null=True, checks=GE0),
    "months_of_economy_china_imports": _f(F64, MONTHS, "days_of_economy_china_imports / (365 / 12).", null=True, checks=GE0),
    "months_of_alliance_china_imports": _f(F64, MONTHS, "days_of_alliance_china_imports / (365 / 12).", null=True, checks=GE0),
    "floor_name": _f(S, TEXT, "The floor's name (price_floors.yaml `name`, or floor_id)."),
    "uplift": _f(F64, SHARE, "How far the floor is set above the market price (0.25 = 25% above).", checks=(("between", (0.0, 5.0)),)),
    "economy": _f(S, CODE, "Whose reserve (ISO3).", checks=(("known", "economy"),)),
    "budget_aud": _f(F64, AUD, "Whole budget, A$.", checks=GE0),
    "aud_usd": _f(F64, USD_PER_AUD, "US$ per A$ used.", checks=(("between", (0.2, 2.0)),)),
    "budget_usd": _f(F64, USD, "Whole budget, US$.", checks=GE0),
    "budget_share": _f(F64, SHARE, "This mineral's share of the budget (equal split).", checks=(("between", (0.0, 1.0)),)),
    "mineral_budget_usd": _f(F64, USD, "This mineral's budget, US$.", checks=GE0),
    "tonnes": _f(F64, T, "mineral_budget_usd / price_usd_per_t, t of price_product.", null=True, checks=GE0),
    "economy_china_imports_t": _f(F64, T, "The economy's imports from China of the mineral's codes at that stage, t.", null=True, checks=GE0),
    "days_of_economy_china_imports": _f(F64, DAYS, "tonnes / (economy_china_imports_t / 365); null where not computable or above 36,500 days.", null=True, checks=GE0),
    "alliance_china_imports_t": _f(F64, T, "The alliance's (bloc) imports from China, t.", null=True, checks=GE0),
    "days_of_alliance_china_imports": _f(F64, DAYS, "tonnes / (alliance_china_imports_t / 365); null where not computable or above 36,500 days.", null=True, checks=GE0),
    "world_production_t": _f(F64, T, "Latest USGS world total, t.", null=True, checks=GE0),
    "world_production_stage": _f(S, CODE, "Stage of that world total.", null=True, checks=(("isin", STAGES),)),
    "world_production_year": _f(I16, YEAR, "Year of that world total.", null=True),
    "share_of_world_production": _f(F64, "ratio", "tonnes / world_production_t (can exceed 1).", null=True, checks=GE0),
    "floor_id": _f(S, CODE, "Floor identifier (price_floors.yaml id or the user's)."),
    "floor_usd_per_t": _f(F64, USD_PER_T, "Floor, US$ per t.", checks=GE0),
    "floor_product": _f(S, TEXT, "What the floor is for.", null=True),
    "gap_usd_per_t": _f(F64, USD_PER_T, "max(0, floor - price).", null=True, checks=GE0),
    "covered_basis": _f(S, TEXT, "How covered_t is counted."),
    "covered_t": _f(F64, T, "Covered volume that year, t.", null=True, checks=GE0),
    "origin": _f(S, CODE, "documented (price_floors.yaml) or user setting."),
    # --- export controls and the event study --------------------------------------------------
    "event_id": _f(S, CODE, "Identifier."),
    "announcement": _f(S, TEXT, "Announcement as cited."),
    "issuers": _f(S, TEXT, "Issuing bodies (MOFCOM, GACC)."),
    "number": _f(I32, CODE, "Announcement number.", checks=(("ge", 1),)),
    "number_year": _f(I16, YEAR, "Year of the number.", checks=(("between", (2000, MAX_YEAR)),)),
    "date_announced": _f(pl.Date, DATE, "Date issued."),
    "date_effective": _f(pl.Date, DATE, "Date the control took effect; null if it never did.", null=True),
    "control_measure": _f(S, CODE, "licence, destination_ban or extraterritorial.", checks=(("isin", ("licence", "destination_ban", "extraterritorial")),)),
    "target": _f(S, CODE, "all, or the ISO3 codes targeted."),
    "minerals": _f(S, TEXT, "Registry minerals concerned, comma-separated."),
    "items": _f(S, TEXT, "Controlled items in brief."),
    "hs_published": _f(S, CODE, "China's customs codes as published, comma-separated.", null=True),
    "hs92": _f(S, CODE, "Registry HS92 codes carrying the goods, comma-separated; null if none.", null=True),
    "hs92_note": _f(S, TEXT, "How well the HS92 codes match the controlled goods.", null=True),
    "official_url": _f(S, TEXT, "Official announcement URL where retrieved.", null=True),
    "source_urls": _f(S, TEXT, "Sources consulted, comma-separated.", null=True),
    "verified": _f(B, FLAG, "False where part of the row is unconfirmed (see note)."),
    "status_note": _f(S, TEXT, "Later suspensions or changes.", null=True),
    "effective_year": _f(I16, YEAR, "Year of date_effective.", null=True),
    "date_scheduled": _f(pl.Date, DATE, "Date a measure that never took effect was due to; null otherwise.", null=True),
    "briefing_date": _f(pl.Date, DATE, "Date the status is stated on (the briefing date: the build date unless the settings name one)."),
    "control_status": _f(S, TEXT, "Status of the measure on the briefing date: not announced yet, announced, in force, suspended, suspension ended or lifted.", checks=(("isin", ("not announced yet", "announced", "in force", "suspended", "suspension ended", "lifted")),)),
    "status_since": _f(pl.Date, DATE, "Date the status began (announcement, effective date, suspension or its end).", null=True),
    "status_until": _f(pl.Date, DATE, "End date of a suspension, or the date an announced measure is due to take effect.", null=True),
    "status_scope": _f(S, TEXT, "The part of the measure a suspension or lift concerns; null = the whole measure.", null=True),
    "status_by": _f(S, TEXT, "The announcement that set the status (the measure's own, or a later one).", null=True),
    "status_by_url": _f(S, TEXT, "Link to that announcement or a report of it.", null=True),
    "status_checked_to": _f(pl.Date, DATE, "Sources were searched for suspensions and lifts up to this date."),
    "status_text": _f(S, TEXT, "The status in one sentence: since, until, by which announcement, which part."),
    "has_hs92": _f(B, FLAG, "Whether any registry HS92 code carries the goods."),
    "destination": _f(S, TEXT, "Destination group: United States, other allies (the alliance without the United States) or rest of the partners."),
    "control_date": _f(pl.Date, DATE, "Date the control took effect; null if it never did.", null=True),
    "before_from": _f(pl.Date, DATE, "First month compared before the control.", null=True),
    "before_to": _f(pl.Date, DATE, "Last month compared before the control.", null=True),
    "before_months": _f(I32, MONTHS, "Months compared before the control.", null=True, checks=(("between", (0, 12)),)),
    "after_from": _f(pl.Date, DATE, "First month compared from the control on (its effective month).", null=True),
    "after_to": _f(pl.Date, DATE, "Last month compared from the control on.", null=True),
    "after_months": _f(I32, MONTHS, "Months compared from the control on.", null=True, checks=(("between", (0, 12)),)),
    "before_t": _f(F64, T, "China's exports in the months before, t (gross weight).", null=True, checks=GE0),
    "after_t": _f(F64, T, "China's exports in the months after, t (gross weight).", null=True, checks=GE0),
    "change_t_pct": _f(F64, SHARE, "Change of the monthly average tonnage, after vs before (fraction).", null=True, checks=(("ge", -1),)),
    "before_usd": _f(F64, USD, "China's exports in the months before, US$.", null=True, checks=GE0),
    "after_usd": _f(F64, USD, "China's exports in the months after, US$.", null=True, checks=GE0),
    "change_usd_pct": _f(F64, SHARE, "Change of the monthly average value, after vs before (fraction).", null=True, checks=(("ge", -1),)),
    # --- supply-risk departures from the reference implementation ----------------------------
    "departure": _f(S, TEXT, "What the mart does differently from geopolrisk-py 2.0.1."),
    "ours": _f(S, TEXT, "What the mart does."),
    "departure_reference": _f(S, TEXT, "What the reference implementation does (the variant computed)."),
    "departure_measure": _f(S, TEXT, "The supply_risk column compared.", checks=(("isin", ("geopolrisk_score", "characterisation_factor")),)),
    "rows_compared": _f(I32, COUNT, "Rows (importer, mineral, year) with a value both ways."),
    "rows_changed": _f(I32, COUNT, "Rows whose value differs."),
    "median_change": _f(F64, SHARE, "Median of |ours / reference - 1| over the rows changed (fraction).", null=True, checks=GE0),
    "max_change": _f(F64, SHARE, "Largest |ours / reference - 1| (fraction).", null=True, checks=GE0),
    "example_importer": _f(S, CODE, "Importer of the largest change.", null=True),
    "example_mineral": _f(S, CODE, "Mineral of the largest change.", null=True),
    "example_year": _f(I16, YEAR, "Year of the largest change.", null=True),
    "example_ours": _f(F64, INDEX, "The mart's value in that row.", null=True),
    "example_reference": _f(F64, INDEX, "The reference variant's value in that row.", null=True),
    # --- curated stockpile programmes ---------------------------------------------------------
    "programme_id": _f(S, CODE, "Programme identifier (data/reference/policy/stockpiles.yaml)."),
    "stockpile_country": _f(S, CODE, "ISO3 of the economy running the programme."),
    "programme": _f(S, TEXT, "Programme name."),
    "agency": _f(S, TEXT, "Agency that runs it."),
    "programme_status": _f(S, TEXT, "Whether the programme is operating, planned or proposed."),
    "budget": _f(F64, "see `budget_currency`", "Money figure of the programme in `budget_currency` of `budget_year` (a budget or the value of stocks held: `budget_kind`); null where not published.", null=True),
    "budget_currency": _f(S, CODE, "Currency of the budget."),
    "budget_kind": _f(S, CODE, "What the money figure is: budget (funds allocated) or inventory_value (value of the stocks held).", checks=(("isin", ("budget", "inventory_value")),)),
    "budget_year": _f(I16, YEAR, "Year of the figure's currency (current money of that year); null where no figure is published.", null=True),
    "primary_urls": _f(S, TEXT, "Government or agency pages (or an official record of them), comma-separated; null where none was retrieved.", null=True),
    "primary_note": _f(S, TEXT, "Why no primary page is cited, or what stands in for it.", null=True),
    "budget_what": _f(S, TEXT, "What the budget covers.", null=True),
    "budget_note": _f(S, TEXT, "Source and caveats of the budget."),
    "target_days": _f(F64, DAYS, "Days of use the programme aims to hold; null where none is set.", null=True),
    "target_days_note": _f(S, TEXT, "Source and caveats of the target."),
    "minerals_note": _f(S, TEXT, "Which minerals the programme covers, as published."),
    # --- snapshot tables (as published; the parsers keep upstream names) -----------------------
    "baci_exporter_code": _f(I32, CODE, "Exporter's BACI numeric country code (i)."),
    "baci_importer_code": _f(I32, CODE, "Importer's BACI numeric country code (j)."),
    "value_kusd": _f(F64, KUSD, "Trade value in thousand current USD (v).", checks=GE0),
    "baci_code": _f(I32, CODE, "BACI numeric country code."),
    "country_name": _f(S, TEXT, "Country name as published.", null=True),
    "country_name_repaired": _f(S, TEXT, "Country name with its text encoding repaired.", null=True),
    "iso2": _f(S, CODE, "ISO 3166-1 alpha-2 code as published.", null=True),
    "iso3": _f(S, CODE, "ISO 3166-1 alpha-3 code as published.", null=True),
    "sheet_name": _f(S, TEXT, "Raw material as the map names it.", null=True),
    "category_wmd": _f(S, TEXT, "World Mining Data category.", null=True),
    "reference_id": _f(S, CODE, "Row identifier of the map.", null=True),
    "supply_chain_stage": _f(S, TEXT, "Supply-chain stage of the HS code (ore, refined, ...).", null=True),
    "symbol": _f(S, CODE, "Chemical symbol.", null=True),
    "geology": _f(S, TEXT, "Geological group.", null=True),
    "reference": _f(S, TEXT, "Reference the map cites.", null=True),
    "eol_rir_2023": _f(F64, SHARE, "End-of-life recycling input rate (2023).", null=True),
    "hs_code_complementary": _f(S, TEXT, "Complementary HS codes as published.", null=True),
    "hs_codes_complementary": _f(pl.List(pl.Utf8), CODE, "Complementary HS codes, parsed.", null=True),
    "hs_code": _f(S, CODE, "HS 1992 code as published.", null=True),
    "hs_code_flag": _f(S, CODE, "Flag the parser set on the HS code.", null=True),
    "stage_label": _f(S, TEXT, "Stage as the 2026 summaries label it.", null=True),
    "product": _f(S, TEXT, "Product the figure is for.", null=True),
    "production": _f(F64, AS_PUBLISHED, "Production in `unit`.", null=True),
    "production_is_estimate": _f(B, FLAG, "True where the production figure is an estimate.", null=True),
    "note_flag": _f(S, CODE, "Note marker published with the figure.", null=True),
    "reserves": _f(F64, "see `reserves_unit`", "Reserves in `reserves_unit`.", null=True),
    "reserves_text": _f(S, TEXT, "The reserves cell exactly as published.", null=True),
    "reserves_unit": _f(S, CODE, "Unit of `reserves`.", null=True),
    "capacity": _f(F64, AS_PUBLISHED, "Capacity in `unit`.", null=True),
    "section": _f(S, TEXT, "Section of the summary.", null=True),
    "subsection": _f(S, TEXT, "Subsection of the summary.", null=True),
    "label": _f(S, TEXT, "Row label as published.", null=True),
    "period": _f(S, TEXT, "Years the shares cover.", null=True),
    "category": _f(S, TEXT, "Product category the shares are for.", null=True),
    "partner_country": _f(S, TEXT, "Partner country as published.", null=True),
    "share_pct": _f(F64, PCT, "Share of U.S. imports from the partner, percent.", null=True),
    "commodity_code": _f(S, CODE, "USGS commodity code of the file."),
    "country_raw": _f(S, TEXT, "Country cell exactly as published.", null=True),
    "type": _f(S, TEXT, "Row type (mine production, refinery production, ...).", null=True),
    "column": _f(S, TEXT, "Header of the column the cell sits under."),
    "usgs_measure": _f(S, CODE, "What the column measures (production, capacity, reserves).", null=True),
    "qualifier": _f(S, TEXT, "Qualifier of the column header.", null=True),
    "unit_factor_t": _f(F64, "t per unit", "Metric tons per unit of `unit`.", null=True),
    "notes": _f(S, TEXT, "Notes as published.", null=True),
    "year_text": _f(S, TEXT, "Year cell exactly as published.", null=True),
    "column_number": _f(I16, COUNT, "Position of the column in the file."),
    "unit_meaning": _f(S, TEXT, "What the unit token means.", null=True),
    "wb_code": _f(S, CODE, "World Bank country code."),
    "wgi_country_code": _f(I32, CODE, "Numeric country code as published.", null=True),
    "estimate": _f(F64, INDEX, "WGI estimate.", null=True),
    "stderr": _f(F64, INDEX, "Standard error of the estimate.", null=True),
    "normalized": _f(F64, SHARE, "0-1 normalised score.", null=True),
    "wmd_country_code": _f(I32, CODE, "World Mining Data numeric country code.", null=True),
    "country_iso": _f(S, CODE, "ISO code as published.", null=True),
    "is_total": _f(B, FLAG, "True for the world or regional total rows.", null=True),
    # --- monthly China exports, U.S. magnet and USITC imports, OECD restrictions, Pink Sheet ---
    "month": _f(pl.Date, DATE, "First day of the month the figure refers to."),
    "partner_name": _f(S, TEXT, "Partner as the source names it."),
    "partner": _f(S, CODE, "Partner ISO3 (an economy of data/reference/economies.csv).", checks=(("known", "economy"),)),
    "quantity_kg": _f(F64, KG, "Quantity in kilograms as published; 0 where only a value was reported.", checks=GE0),
    "unit_value": _f(F64, USD_PER_KG, "value_usd / quantity_kg as published; null where the file has inf (no quantity).", null=True, checks=GE0),
    "quantity_reported": _f(B, FLAG, "False where the source gave a value but a quantity of 0 (not reported): quantity_t is then null."),
    "minerals_in_code": _f(pl.List(pl.Utf8), CODE, "Registry minerals whose lines the HS6 code holds (from the extract's HS map)."),
    "hs8": _f(S, CODE, "China's eight-digit national tariff line.", checks=(("str_length", 8),)),
    "material": _f(S, TEXT, "Material as the HS map names it."),
    "hs_map_group": _f(S, CODE, "Mineral group the HS map assigns the line to."),
    "basket": _f(S, TEXT, "Product basket of the extract."),
    "partner_code": _f(I32, CODE, "UN Comtrade numeric partner code."),
    "partner_iso3": _f(S, CODE, "Partner ISO3 as UN Comtrade publishes it."),
    "is_aggregate_partner": _f(B, FLAG, "True where the partner is a Comtrade aggregate (areas n.e.s.)."),
    "partner_known": _f(B, FLAG, "True where the partner is an economy of data/reference/economies.csv."),
    "share": _f(F64, SHARE, "Partner's share of the year's U.S. imports. Fraction in [0, 1].", checks=SHARE_CHECK),
    "rank": _f(I32, "rank", "Partner's rank by value that year, 1 = largest.", checks=(("ge", 1),)),
    "hs4": _f(S, CODE, "HTS four-digit heading.", checks=(("str_length", 4),)),
    "usitc_measure": _f(S, CODE, "customs_value, first_unit_quantity or second_unit_quantity.", checks=(("isin", USITC_MEASURES),)),
    "usitc_period": _f(S, CODE, "full_year or year_to_date (the months of the download year to date).", checks=(("isin", USITC_PERIODS),)),
    "year_to_date": _f(B, FLAG, "True for year-to-date figures (the same months in every year), False for full years."),
    "quantity_description": _f(S, TEXT, "Unit in which the HTS lines count quantity, as DataWeb states it."),
    "suppressed": _f(F64, AS_PUBLISHED, "Suppressed quantity DataWeb reports beside the figure; null on the value sheets.", null=True),
    "sheet": _f(S, TEXT, "Workbook sheet the row was read from."),
    "cell": _f(S, CODE, "Workbook cell of the figure (A1 notation)."),
    "parameter": _f(S, TEXT, "DataWeb query parameter."),
    "parameter_value": _f(S, TEXT, "Its value as exported (empty where none)."),
    "data_year": _f(I16, YEAR, "Data year of the OECD inventory."),
    "resource": _f(S, TEXT, "Raw material as the OECD inventory names it."),
    "measure_code": _f(S, CODE, "OECD measure code (M1 export tax, M6 licensing requirement, M9 VAT rebate, ...)."),
    "measure_type": _f(S, TEXT, "OECD measure label."),
    "rate": _f(F64, "see `rate_unit`", "Rate of the measure (tax or rebate); null for licensing.", null=True, checks=GE0),
    "rate_unit": _f(S, CODE, "Unit of `rate`.", null=True),
    "condition": _f(S, TEXT, "Condition of the measure as published.", null=True),
    "introduced": _f(pl.Date, DATE, "Date the measure was introduced.", null=True),
    "ends": _f(pl.Date, DATE, "Date the measure ends; null if open-ended.", null=True),
    "temporary": _f(B, FLAG, "True where OECD marks the measure temporary."),
    "document": _f(S, TEXT, "Legal document as published (typos kept).", null=True),
    "document_number": _f(I32, CODE, "Announcement number read off `document`; null if none.", null=True),
    "document_year": _f(I16, YEAR, "Announcement year read off `document`; null if none.", null=True),
    "link": _f(S, TEXT, "Link to the legal document."),
    "oecd_agency": _f(S, TEXT, "Agency that issued the measure.", null=True),
    "hs6_lines": _f(pl.List(pl.Utf8), CODE, "HS six-digit lines the measure covers."),
    "wb_commodity_code": _f(S, CODE, "World Bank commodity code (case as published)."),
    "price": _f(F64, AS_PUBLISHED, "Price in nominal USD per `unit`.", checks=GE0),
    "currency": _f(S, CODE, "Currency of `price`.", checks=(("isin", ("USD",)),)),
    "updated": _f(S, TEXT, "The sheet's 'Updated on' line."),
    "oecd_resources": _f(S, TEXT, "OECD raw materials listed under the announcement, comma-separated; null if OECD has none.", null=True),
    "oecd_introduced": _f(pl.Date, DATE, "Earliest OECD introduction date under the announcement.", null=True),
    "reason": _f(S, TEXT, "Why the row is listed."),
    "minerals_only_in_oecd": _f(pl.List(pl.Utf8), CODE, "Registry minerals OECD names for a matched announcement and the YAML does not.", null=True),
    "minerals_only_in_yaml": _f(pl.List(pl.Utf8), CODE, "Registry minerals the YAML names for a matched announcement and OECD does not.", null=True),
    # --- IEA, BGS, source precedence and the three-way reconciliation --------------------------
    "iea_mineral": _f(S, TEXT, "Mineral as the IEA block heading names it."),
    "row_kind": _f(S, CODE, "economy, rest_of_world, total or top3_share (never a country).", checks=(("isin", ("economy", "rest_of_world", "total", "top3_share")),)),
    "scenario": _f(S, TEXT, "IEA scenario of the figure (base case)."),
    "value_kt": _f(F64, "kt", "Quantity in thousand metric tons as published; null on top-3-share rows.", null=True),
    "sub_commodity": _f(S, TEXT, "Sub-commodity as the source names it.", null=True),
    "yearbook_table": _f(S, TEXT, "BGS yearbook table.", null=True),
    "units": _f(S, TEXT, "Unit as published (tonnes (metal content), kilograms, ...)."),
    "quantity": _f(F64, AS_PUBLISHED, "Quantity in `units`; null where BGS has no figure.", null=True),
    "quantity_book": _f(S, TEXT, "The figure in BGS's book style ('...' = no figure).", null=True),
    "precision_code": _f(S, CODE, "BGS precision (SDMX) code: A normal, N not significant, O missing, ...", null=True),
    "precision": _f(S, TEXT, "BGS description of the precision code.", null=True),
    "figure_notes_code": _f(S, CODE, "BGS figure note codes.", null=True),
    "figure_notes": _f(S, TEXT, "BGS notes on the figure.", null=True),
    "table_notes_code": _f(S, CODE, "BGS table note codes.", null=True),
    "table_notes": _f(S, TEXT, "BGS notes on the table.", null=True),
    "bgs_country_code": _f(S, CODE, "Country code as BGS publishes it (ISO3, or BGS's own for historical economies).", null=True),
    "economy_code": _f(S, CODE, "ISO3 code, historical-economy code (data/reference/historical_economies.csv) or typed aggregate (WORLD, OTHER).", checks=(("known", "economy_or_historical"),)),
    "economy_kind": _f(S, CODE, "economy, historical (a state that no longer exists, with its successors in data/reference/historical_economies.csv) or aggregate.", checks=(("isin", (*ENTITY_KINDS, "historical")),)),
    "basis_detail": _f(S, TEXT, "Detail of the tonnage basis as the source states it.", null=True),
    "history_year": _f(I16, YEAR, "Calendar year the figure refers to.", checks=(("between", (1971, MAX_YEAR)),)),
    "outlook_year": _f(I16, YEAR, "Year of the projection.", checks=(("between", (2024, 2050)),)),
    "bgs_commodity": _f(S, TEXT, "Commodity as BGS names it."),
    "bgs_sub_commodity": _f(S, TEXT, "Sub-commodity as BGS names it.", null=True),
    "bgs_units": _f(S, TEXT, "Unit as BGS publishes it."),
    "precedence_rank": _f(I16, "rank", "Rank of the chosen source in the declared precedence of its stage (1 = first choice; transforms/metadata/precedence.py).", checks=(("ge", 1),)),
    "chosen_because": _f(S, TEXT, "Why this source's figure is the one in the table (the precedence rule applied)."),
    "sources_available": _f(S, TEXT, "Every source with a figure for this mineral, stage and year, in precedence order, comma-separated."),
    "source_a": _f(S, TEXT, "First source of the pair."),
    "source_b": _f(S, TEXT, "Second source of the pair."),
    "a_t": _f(F64, T, "Figure of source_a, metric tons.", checks=GE0),
    "b_t": _f(F64, T, "Figure of source_b, metric tons.", checks=GE0),
    "product_a": _f(S, TEXT, "What source_a's figure is for.", null=True),
    "product_b": _f(S, TEXT, "What source_b's figure is for.", null=True),
    "rel_tolerance": _f(F64, SHARE, "The named tolerance of the pair (transforms/reconcile.py)."),
    "within_tolerance": _f(B, FLAG, "True where |rel_diff| is within the tolerance (or both figures are below the minimum tonnage)."),
    # --- USGS MCS 2025 table T4, the MCS 2026 transcription comparison, unit sanity ---
    "critical_mineral": _f(S, TEXT, "Critical mineral as USGS names it in table T4."),
    "primary_applications": _f(S, TEXT, "Primary applications as USGS prints them in table T4."),
    "category_note": _f(S, TEXT, "T4's note on the mineral (the MCS chapter that covers it).", null=True),
    "usgs_mineral": _f(S, TEXT, "The element as USGS names it (rare earths and platinum-group metals one by one)."),
    "end_uses": _f(S, TEXT, "What the mineral is used for, in USGS's words (MCS table T4, \"Primary Applications\")."),
    "diff_table": _f(S, CODE, "Which MCS 2026 table the figure is in: world, salient or import_sources."),
    "mcs2026_commodity": _f(S, CODE, "MCS 2026 commodity slug (as the transcription and the registry's usgs2026_commodity name it)."),
    "transcribed_value": _f(F64, AS_PUBLISHED, "The transcription's figure (metric tons where the unit is a mass).", null=True),
    "official_value": _f(F64, AS_PUBLISHED, "The data release's figure (metric tons where the unit is a mass).", null=True),
    "transcribed_text": _f(S, TEXT, "The transcription's text where the cell is not a plain number.", null=True),
    "official_text": _f(S, TEXT, "The data release's text where the cell is not a plain number.", null=True),
    "diff_note": _f(S, TEXT, "value differs, text differs, only in transcription or only in release."),
    "transcribed_line": _f(I32, LINE, "Line of the figure in the transcription's file.", null=True),
    "official_line": _f(I32, LINE, "Line of the figure in MCS2026_Commodities_Data.csv.", null=True),
    "outlook_share_year": _f(I16, YEAR, "Year of the figure: 2023 (IEA's latest) or a projection year (2030, 2035, 2040).", checks=(("between", (2020, 2050)),)),
    "top1_economy_or_historical": _f(S, CODE, "Code of the largest economy (ties broken by code); historical economies (USSR, Zaire, ...) by their BGS code.", null=True, checks=(("known", "economy_or_historical"),)),
    "element": _f(S, CODE, "Element of a group mineral (platinum, palladium of the platinum-group metals).", checks=(("isin", tuple(sorted({e for es in conc_history.ELEMENTS.values() for e in es}))),)),
    "sanity_case": _f(S, TEXT, "unit statement (header unit vs the notes), edition jump or year jump (over 50-fold)."),
    "compared_with": _f(S, TEXT, "The figure or statement the case's figure is compared with (file:line column, or the notes' unit)."),
    "sanity_detail": _f(S, TEXT, "The two units or the two figures in metric tons."),
    "sanity_ratio": _f(F64, INDEX, "Second figure (or stated unit) over the first (or header unit).", null=True),
    "sanity_status": _f(S, TEXT, "corrected (a row fix of corrections.yaml removes it), accepted (corrections.yaml explains it) or unexplained (fails the build).", checks=(("isin", ("corrected", "accepted", "unexplained")),)),
    "sanity_reason": _f(S, TEXT, "The reason corrections.yaml gives for the fix or the acceptance.", null=True),
    # USGS revisions between MCS editions (clean usgs_revisions).
    "previous_edition": _f(I16, YEAR, "The earlier MCS edition that published the figure (the last one before `edition`).", checks=(("between", (2020, MAX_YEAR)),)),
    "previous_production_t": _f(F64, T, "Production in metric tons as `previous_edition` published it.", checks=GE0),
    "revision_t": _f(F64, T, "Revision in metric tons: the figure of `edition` minus that of `previous_edition` (negative = revised down)."),
    "revision_rel": _f(F64, SHARE, "Revision as a fraction of the earlier figure (0.5 = revised up by half); null where the earlier figure was 0.", null=True),
    "revision_world_share": _f(F64, SHARE, "Revision as a fraction of the newer edition's world total for that mineral, stage and year (how much of world output moved); null where USGS gives no world total.", null=True),
}


def resolve(col: str | Col, fields: dict[str, Field]) -> tuple[str, Field]:
    """(column name, field with the table's overrides applied)."""
    from dataclasses import replace

    if isinstance(col, str):
        return col, fields[col]
    base = fields[col.field or col.name]
    changes = {
        k: v
        for k, v in (("description", col.description), ("nullable", col.nullable), ("checks", col.checks))
        if v is not None
    }
    return col.name, replace(base, **changes) if changes else base
