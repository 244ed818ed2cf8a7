"""Table metadata of the metric marts (concentration, dependence, supply risk), their pandera
schemas, and the invariants the blocking asset checks test.

Same dataclasses as the clean layer (:mod:`transforms.tables`): each mart is described once —
title, description, usage warnings, primary key, per column dtype, description and value
constraints — and :func:`schema_from_meta` turns that into a lazy ``pandera.polars`` schema.
``transforms.tables.schema_for`` only knows the clean tables, hence the generic builder here.

Shares are fractions in [0, 1]; float sums may exceed a bound by rounding noise only, so range
checks allow ``FLOAT_TOLERANCE`` above 1 (and above 10,000 for HHI in percent points).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.marts import concentration as conc
from transforms.marts import dependence as dep
from transforms.tables import (
    MAX_YEAR,
    MIN_YEAR,
    MINERAL_COL,
    STAGE_COL,
    STAGES,
    UNIT_BASIS,
    Col,
    TableMeta,
    ValidationReport,
    validate_meta,
)

FLOAT_TOLERANCE = 1e-9
# Shares that sum to a whole (China + alliance + rest) may exceed 1 by float rounding only.
SHARE_SUM_TOLERANCE = 1e-6
SHARE_MAX = 1.0 + FLOAT_TOLERANCE
HHI_MAX = 10_000.0 * (1.0 + FLOAT_TOLERANCE)
# The EC scales WGI to 0-10, so a WGI-weighted HHI on fractional shares lies in [0, 10].
HHI_WGI_MAX = 10.0 * (1.0 + FLOAT_TOLERANCE)
# Several bases joined by commas where a group mixes them (e.g. arsenic: oxide and metal).
UNIT_BASIS_LIST_PATTERN = rf"^{UNIT_BASIS}(,{UNIT_BASIS})*$"
BLOCS = (dep.BLOC_EU27, dep.BLOC_ALLIANCE)

_YEAR = Col(
    pl.Int16, "Calendar year the figures refer to.", checks=(("between", (MIN_YEAR, MAX_YEAR)),)
)
_IMPORTER = Col(
    pl.Utf8,
    "Importer: an alliance economy (ISO3), EU27 (the EU as a bloc) or ALLIANCE (the alliance as a bloc).",
    checks=(("known", "importer"),),
)
_IMPORTER_KIND = Col(pl.Utf8, "economy or bloc.", checks=(("isin", dep.IMPORTER_KINDS),))


def _share(description: str, nullable: bool = True) -> Col:
    return Col(
        pl.Float64,
        description + " Fraction in [0, 1].",
        nullable=nullable,
        checks=(("between", (0.0, SHARE_MAX)),),
    )


def _count(description: str, nullable: bool = False) -> Col:
    return Col(pl.Int32, description, nullable=nullable, checks=(("ge", 0),))


METRICS_TABLES: dict[str, TableMeta] = {
    "concentration": TableMeta(
        name="concentration",
        title="Supply concentration by mineral, stage, year and measure",
        description=(
            "How concentrated production, reserves and exports of each mineral are (HHI), who leads, "
            "and the shares of China, the alliance and everyone else; `alliance_pooled_hhi` counts the "
            "alliance as one supplier. Production and reserves from USGS MCS, exports from CEPII BACI (USD). "
            "Formulas and denominators: transforms/marts/concentration.py."
        ),
        primary_key=tuple(conc.KEY),
        usage_warnings=(
            "Shares of production and reserves use the published world total where it exists: 'Other countries' and withheld (W) figures are in `rest_share` and `unattributed_share`, never in China's or the alliance's share.",
            "HHI sums over named economies only; a large `unattributed_share` makes it a lower bound.",
            "Reserves have no year in the source: `year` = MCS edition - 1, stage = mine.",
            "Exports are by value (USD) of the mineral's HS codes at that stage; mine = ores and concentrates, refinery = refined forms. Re-exports count as exports.",
            "Tonnage bases differ between minerals (`unit_basis`): compare shares, not tonnes, across minerals.",
        ),
        columns={
            "mineral": MINERAL_COL,
            "stage": STAGE_COL,
            "year": _YEAR,
            "measure": Col(
                pl.Utf8, "production, reserves or exports.", checks=(("isin", conc.MEASURES),)
            ),
            "unit": Col(
                pl.Utf8, "Unit of `total`: t (metric tons) or usd.", checks=(("isin", conc.UNITS),)
            ),
            "unit_basis": Col(
                pl.Utf8,
                "Tonnage basis of production/reserves (comma-joined where mixed); null for exports.",
                nullable=True,
                checks=(("matches", UNIT_BASIS_LIST_PATTERN),),
            ),
            "source": Col(pl.Utf8, "Source and edition(s) of the figures."),
            "denominator": Col(
                pl.Utf8,
                "What the shares divide by: world_total, world_total_excl_usa_plus_usa, sum_of_parts, or no_figures.",
                checks=(("isin", conc.DENOMINATORS),),
            ),
            "total": Col(
                pl.Float64,
                "The denominator's value in `unit`; null when there are no figures.",
                nullable=True,
                checks=(("ge", 0),),
            ),
            "economies": _count("Economies with a positive figure."),
            "withheld_economies": _count("Economies whose figure is withheld (W)."),
            "not_numeric_economies": _count(
                "Economies with another non-numeric cell (NA, empty, ...)."
            ),
            "hhi": Col(
                pl.Float64,
                "Herfindahl-Hirschman index on shares in percent, 0-10,000.",
                nullable=True,
                checks=(("between", (0.0, HHI_MAX)),),
            ),
            "top1_code": Col(
                pl.Utf8,
                "ISO3 of the largest economy (ties broken by code).",
                nullable=True,
                checks=(("known", "economy"),),
            ),
            "top1_share": _share("Share of the largest economy."),
            "top3_share": _share("Share of the three largest economies together."),
            "china_share": _share(
                "Share of China (per the settings: mainland, or with Hong Kong and Macao)."
            ),
            "alliance_share": _share("Share of the alliance economies together."),
            "rest_share": _share(
                "Share of every other economy plus the unattributed rest; china + alliance + rest = 1."
            ),
            "unattributed_share": _share(
                "Share not published for any single economy ('Other countries', withheld, aggregates)."
            ),
            "alliance_pooled_hhi": Col(
                pl.Float64,
                "HHI with the alliance counted as one supplier, 0-10,000.",
                nullable=True,
                checks=(("between", (0.0, HHI_MAX)),),
            ),
        },
    ),
    "dependence": TableMeta(
        name="dependence",
        title="Import dependence by importer, mineral, stage and year",
        description=(
            "Imports and exports of each ally, of the EU27 as a bloc and of the alliance as a bloc "
            "(intra-bloc trade removed), with the shares of China and the allies in imports, the top "
            "supplier and net import reliance against USGS production. CEPII BACI; formulas in "
            "transforms/marts/dependence.py."
        ),
        primary_key=tuple(dep.KEY),
        usage_warnings=(
            "Trade tonnes are gross weight of the traded good; USGS production is mostly metal content or oxide: net import reliance is indicative wherever `basis_mismatch` is true.",
            "Only the registry's HS codes are covered (e.g. antimony ore but not antimony oxide or metal; no code at all for gallium), so a low China share can mean China ships the mineral in a form outside the codes.",
            "Hong Kong re-exports are not attributed to China unless the settings say so.",
            "For ALLIANCE, `alliance_share` is 0 by construction; for EU27 it counts the non-EU allies.",
        ),
        columns={
            "importer": _IMPORTER,
            "importer_kind": _IMPORTER_KIND,
            "mineral": MINERAL_COL,
            "stage": STAGE_COL,
            "year": _YEAR,
            "source": Col(pl.Utf8, "Trade source and version."),
            "imports_usd": Col(
                pl.Float64, "Imports from outside the importer, current USD.", checks=(("ge", 0),)
            ),
            "imports_t": Col(
                pl.Float64,
                "Imports in metric tons (gross weight); null where no flow has a quantity.",
                nullable=True,
                checks=(("ge", 0),),
            ),
            "import_qty_coverage": _share("Share of import value whose flows carry a quantity."),
            "exports_usd": Col(
                pl.Float64, "Exports to outside the importer, current USD.", checks=(("ge", 0),)
            ),
            "exports_t": Col(
                pl.Float64,
                "Exports in metric tons (gross weight); null where no flow has a quantity.",
                nullable=True,
                checks=(("ge", 0),),
            ),
            "china_share": _share("China's share of import value."),
            "china_share_t": _share("China's share of import tonnes (flows with a quantity)."),
            "alliance_share": _share(
                "Share of import value from alliance economies (outside the importer)."
            ),
            "top_supplier": Col(
                pl.Utf8,
                "Largest supplier by value (ISO3, or an aggregate code such as SACU).",
                nullable=True,
                checks=(("known", "country_or_aggregate"),),
            ),
            "top_supplier_share": _share("Largest supplier's share of import value."),
            "production_t": Col(
                pl.Float64,
                "USGS production of the importer (members summed), metric tons on `production_unit_basis`.",
                nullable=True,
                checks=(("ge", 0),),
            ),
            "production_status": Col(
                pl.Utf8,
                "reported, not_listed (taken as 0), withheld, not_numeric or no_table.",
                checks=(("isin", dep.PRODUCTION_STATUSES),),
            ),
            "production_unit_basis": Col(
                pl.Utf8,
                "Basis of the USGS production table.",
                nullable=True,
                checks=(("matches", UNIT_BASIS_LIST_PATTERN),),
            ),
            "production_source": Col(
                pl.Utf8, "USGS MCS edition of the production figure.", nullable=True
            ),
            "net_import_reliance": Col(
                pl.Float64,
                "(imports_t - exports_t) / (production_t + imports_t - exports_t); negative for a net exporter.",
                nullable=True,
                checks=(("le", SHARE_MAX),),
            ),
            "nir_note": Col(
                pl.Utf8,
                "Why NIR is negative or null: net_exporter, apparent_consumption_not_positive, no_tonnage, production_unknown.",
                nullable=True,
                checks=(("isin", dep.NIR_NOTES),),
            ),
            "basis_mismatch": Col(
                pl.Boolean,
                "True where the production basis is not the gross weight trade measures.",
                nullable=True,
            ),
        },
    ),
    "supply_risk": TableMeta(
        name="supply_risk",
        title="Supply risk by importer, mineral and year: GeoPolRisk and the EU CRM indicator",
        description=(
            "The GeoPolRisk score and characterisation factor (Koyamparambath et al. 2024, geopolrisk-py) "
            "and the EU CRM supply-risk indicator (EC 2017 methodology, simplified) per importer, mineral "
            "and year, on World Mining Data production, BACI trade tonnes and WGI political stability. "
            "Formulas, citations and simplifications: transforms/marts/supply_risk.py."
        ),
        primary_key=("importer", "mineral", "year"),
        usage_warnings=(
            "The EU CRM indicator here uses WGI political stability only, imports-only sourcing and SI = 1: it is not the Commission's published value.",
            "Production (WMD, contained/oxide/ore) and trade (BACI gross weight) tonnes are added as the method does; bases differ.",
            "Trade codes may be of the other stage than production (`trade_stage`), e.g. cobalt and rare earths trade only in refined codes.",
            "Minerals without HS codes in the BACI subset (gallium) have no trade, hence no score.",
        ),
        columns={
            "importer": _IMPORTER,
            "importer_kind": _IMPORTER_KIND,
            "mineral": MINERAL_COL,
            "year": _YEAR,
            "production_stage": Col(
                pl.Utf8,
                "World Mining Data stage used for production (mine where reported).",
                checks=(("isin", STAGES),),
            ),
            "trade_stage": Col(
                pl.Utf8,
                "Stage of the HS codes used for trade; null where the mineral has no trade rows.",
                nullable=True,
                checks=(("isin", STAGES),),
            ),
            "production_unit_basis": Col(
                pl.Utf8,
                "Basis of the WMD production figures.",
                checks=(("matches", UNIT_BASIS_LIST_PATTERN),),
            ),
            "source": Col(pl.Utf8, "Sources combined."),
            "hhi_production": Col(
                pl.Float64,
                "HHI of world production, normalised 0-1.",
                checks=(("between", (0.0, SHARE_MAX)),),
            ),
            "producers": _count("Economies with positive production that year."),
            "imports_t": Col(
                pl.Float64,
                "Imports in metric tons (all partners, intra-bloc included, as the library does).",
                nullable=True,
                checks=(("ge", 0),),
            ),
            "domestic_production_t": Col(
                pl.Float64,
                "Domestic WMD production (members summed), metric tons.",
                checks=(("ge", 0),),
            ),
            "partners": _count("Partners outside the importer it imports from.", nullable=True),
            "partners_wgi_imputed": _count(
                "Of those, partners without a WGI score (counted 0.5).", nullable=True
            ),
            "weighted_instability": _share(
                "Σ g_i f_i / (p + F): imports weighted by the partners' political instability over domestic supply."
            ),
            "geopolrisk_score": _share("GeoPolRisk score = hhi_production × weighted_instability."),
            "price_usd_per_kg": Col(
                pl.Float64, "Import unit value, USD per kg.", nullable=True, checks=(("ge", 0),)
            ),
            "characterisation_factor": Col(
                pl.Float64,
                "Geopolitical supply risk potential, kg Cu-eq per kg: score × price / 0.409412948.",
                nullable=True,
                checks=(("ge", 0),),
            ),
            "hhi_wgi_global": Col(
                pl.Float64,
                "Σ S_c² × WGI_c on global production shares, WGI scaled 0-10.",
                checks=(("between", (0.0, HHI_WGI_MAX)),),
            ),
            "hhi_wgi_sourcing": Col(
                pl.Float64,
                "Σ S_c² × WGI_c on the importer's extra-bloc import shares (tonnes).",
                nullable=True,
                checks=(("between", (0.0, HHI_WGI_MAX)),),
            ),
            "import_reliance_raw": Col(
                pl.Float64,
                "(imports - exports) / (production + imports - exports), tonnes, extra-bloc; null where the denominator is not positive.",
                nullable=True,
                checks=(("le", SHARE_MAX),),
            ),
            "import_reliance": _share(
                "Import reliance bounded to [0, 1] as the EC indicator defines it (net exporter = 0)."
            ),
            "eol_rir": _share(
                "End-of-life recycling input rate (registry; 0 where missing).", nullable=False
            ),
            "eol_rir_missing": Col(
                pl.Boolean, "True where the registry has no EoL-RIR and 0 was used."
            ),
            "substitution_index": Col(
                pl.Float64,
                "Substitution index (1: not available).",
                checks=(("between", (0.0, 1.0)),),
            ),
            "crm_supply_risk": Col(
                pl.Float64,
                "EU CRM supply risk, simplified: [GS × IR/2 + sourcing × (1 - IR/2)] × (1 - EoL_RIR) × SI.",
                nullable=True,
                checks=(("between", (0.0, HHI_WGI_MAX)),),
            ),
        },
    ),
}


def known_with_importers(known: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The clean layer's reference sets plus ``importer`` (economies and the two blocs)."""
    return {**known, "importer": frozenset(known["economy"]) | frozenset(BLOCS)}


def validate_mart(
    table: str, df: pl.DataFrame, known: Mapping[str, frozenset[str]]
) -> ValidationReport:
    """Validate a metric mart lazily; failure cases carry the offending rows' primary key."""
    return validate_meta(METRICS_TABLES[table], df, known)


# Share columns per mart, and the groups of shares that partition a whole.
SHARE_COLUMNS: dict[str, tuple[str, ...]] = {
    "concentration": (
        "top1_share",
        "top3_share",
        "china_share",
        "alliance_share",
        "rest_share",
        "unattributed_share",
    ),
    "dependence": (
        "import_qty_coverage",
        "china_share",
        "china_share_t",
        "alliance_share",
        "top_supplier_share",
    ),
    "supply_risk": (
        "hhi_production",
        "weighted_instability",
        "geopolrisk_score",
        "import_reliance",
        "eol_rir",
    ),
}
SHARE_SUMS: dict[str, tuple[tuple[str, ...], ...]] = {
    # china + alliance + rest is the whole (= 1); the others are parts of it.
    "concentration": (("china_share", "alliance_share", "rest_share"),),
    # China is never an ally, so the two shares of imports are disjoint parts.
    "dependence": (("china_share", "alliance_share"),),
    "supply_risk": (),
}


def share_violations(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows with a share outside [0, 1] or shares of one whole summing above 1 (+ rounding).

    Returns the offending rows' primary key and a ``violation`` text; empty when all pass.
    Concentration also needs ``top1_share <= top3_share`` and shares summing to 1 where there
    are figures.
    """
    key = list(METRICS_TABLES[table].primary_key)
    problems = []
    for col in SHARE_COLUMNS[table]:
        bad = pl.col(col).is_not_null() & ((pl.col(col) < 0) | (pl.col(col) > SHARE_MAX))
        problems.append(
            df.filter(bad).select(*key, pl.lit(f"{col} outside [0, 1]").alias("violation"))
        )
    for cols in SHARE_SUMS[table]:
        total = pl.sum_horizontal(*cols)
        bad = pl.all_horizontal(*(pl.col(c).is_not_null() for c in cols)) & (
            total > 1 + SHARE_SUM_TOLERANCE
        )
        problems.append(
            df.filter(bad).select(*key, pl.lit(f"{' + '.join(cols)} > 1").alias("violation"))
        )
    if table == "concentration":
        whole = pl.col("china_share") + pl.col("alliance_share") + pl.col("rest_share")
        problems.append(
            df.filter(
                pl.col("china_share").is_not_null() & ((whole - 1).abs() > SHARE_SUM_TOLERANCE)
            ).select(*key, pl.lit("china + alliance + rest != 1").alias("violation"))
        )
        problems.append(
            df.filter(pl.col("top1_share") > pl.col("top3_share") + SHARE_SUM_TOLERANCE).select(
                *key, pl.lit("top1_share > top3_share").alias("violation")
            )
        )
    return pl.concat(problems, how="vertical")


def hhi_violations(table: str, df: pl.DataFrame) -> pl.DataFrame:
    """Rows whose HHI is out of bounds: concentration 0-10,000 (pooling the alliance can only
    raise it), supply risk 0-1 for the production HHI and 0-10 for the WGI-weighted ones."""
    key = list(METRICS_TABLES[table].primary_key)
    bounds = {
        "concentration": {"hhi": HHI_MAX, "alliance_pooled_hhi": HHI_MAX},
        "supply_risk": {
            "hhi_production": SHARE_MAX,
            "hhi_wgi_global": HHI_WGI_MAX,
            "hhi_wgi_sourcing": HHI_WGI_MAX,
        },
    }[table]
    problems = []
    for col, hi in bounds.items():
        bad = pl.col(col).is_not_null() & ((pl.col(col) < 0) | (pl.col(col) > hi))
        problems.append(
            df.filter(bad).select(*key, pl.lit(f"{col} outside [0, {hi:g}]").alias("violation"))
        )
    if table == "concentration":
        below = (
            pl.col("alliance_pooled_hhi") < pl.col("hhi") * (1 - FLOAT_TOLERANCE) - FLOAT_TOLERANCE
        )
        problems.append(
            df.filter(below).select(*key, pl.lit("alliance_pooled_hhi < hhi").alias("violation"))
        )
    return pl.concat(problems, how="vertical")
