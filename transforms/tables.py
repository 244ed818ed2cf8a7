"""Table metadata of the clean layer, and the pandera schemas built from it (PUDL style).

Each table is described once here — title, description, usage warnings, primary key, and per
column its dtype, unit-bearing name, description and value constraints. The same metadata
feeds the Dagster asset descriptions and column schemas, the site's data pages, and the
``pandera.polars`` schema that validates the table. Validation is always lazy, so a failure
reports every problem at once; failure cases are joined back to the rows' provenance
(``source_file``, ``source_line``) so a user sees where in which upstream file the bad value is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandera.polars as pa
import polars as pl

# Years the sources cover: BACI starts in 1995, WGI in 1996; MCS 2026 estimates 2025.
MIN_YEAR = 1995
MAX_YEAR = 2026
STAGES = ("mine", "refinery")
# As in the registry's vocabulary (transforms.reference.UNIT_BASES), plus content_of_<x>.
UNIT_BASIS = r"(contained|oxide_equivalent|gross_weight|volume|content_of_[a-z0-9_]+)"
UNIT_BASIS_PATTERN = rf"^{UNIT_BASIS}$"
ENTITY_KINDS = ("economy", "aggregate")


@dataclass(frozen=True)
class Col:
    dtype: pl.DataType | type
    description: str
    nullable: bool = False
    # Named constraints, turned into pandera checks by ``schema_for``: ("ge", 0), ("isin", seq),
    # ("between", (lo, hi)), ("known", "economy" | "mineral" | "country_or_aggregate").
    checks: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class TableMeta:
    name: str
    title: str
    description: str
    primary_key: tuple[str, ...]
    columns: dict[str, Col]
    usage_warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_descriptions(self) -> dict[str, str]:
        return {name: col.description for name, col in self.columns.items()}

    def asset_description(self) -> str:
        text = f"**{self.title}.** {self.description}\n\nPrimary key: `{', '.join(self.primary_key)}`."
        if self.usage_warnings:
            text += "\n\nUsage warnings:\n" + "\n".join(f"- {w}" for w in self.usage_warnings)
        return text


_YEAR = Col(pl.Int16, "Calendar year the figure refers to.", checks=(("between", (MIN_YEAR, MAX_YEAR)),))
MINERAL_COL = Col(pl.Utf8, "Mineral slug from the registry (data/reference/minerals.yaml).", checks=(("known", "mineral"),))
STAGE_COL = Col(pl.Utf8, "Supply-chain stage: mine (ore, concentrate) or refinery (refined, processed).", checks=(("isin", STAGES),))
_BASIS = Col(pl.Utf8, "What the tonnage measures: contained metal, oxide equivalent, gross weight, ...", checks=(("matches", UNIT_BASIS_PATTERN),))
_EDITION = Col(pl.Int16, "Edition of the source the figure comes from (MCS year).", checks=(("between", (2020, MAX_YEAR)),))
_FILE = Col(pl.Utf8, "Upstream file the figure was parsed from.")
_LINE = Col(pl.Int32, "1-based line of that file (header = line 1).", nullable=True)
_FLAG = Col(pl.Utf8, "Text flag published instead of, or with, the number (W withheld, NA, >, E, ...).", nullable=True)
_TEXT = Col(pl.Utf8, "The cell exactly as published.", nullable=True)
_ESTIMATE = Col(pl.Boolean, "True where the source marks the figure as an estimate.")
_SOURCE = Col(pl.Utf8, "Short name of the source.")


TABLES: dict[str, TableMeta] = {
    "production": TableMeta(
        name="production",
        title="Production by mineral, stage, economy and year",
        description=(
            "Mine and refinery production in metric tons from the USGS Mineral Commodity Summaries, "
            "one best figure per mineral, stage, economy and year: where several editions publish a "
            "figure the latest edition wins and the others are listed in `editions_available`. "
            "Aggregate rows (world total, other countries) are kept, typed as aggregates, for reconciliation."
        ),
        primary_key=("mineral", "stage", "country_code", "year"),
        usage_warnings=(
            "Tonnage basis differs by mineral (contained metal, oxide equivalent, gross weight): see `unit_basis`.",
            "Withheld figures (W) have no number: shares computed from this table exclude them.",
            "Filter `country_kind == 'economy'` before summing: aggregate rows would double-count.",
        ),
        columns={
            "mineral": MINERAL_COL,
            "stage": STAGE_COL,
            "country_code": Col(pl.Utf8, "ISO 3166-1 alpha-3 code, or a typed aggregate code (WORLD, OTHER, ...).", checks=(("known", "country_or_aggregate"),)),
            "country_kind": Col(pl.Utf8, "economy or aggregate.", checks=(("isin", ENTITY_KINDS),)),
            "year": _YEAR,
            "production_t": Col(pl.Float64, "Production in metric tons on the stated basis; null where not published as a number.", nullable=True, checks=(("ge", 0),)),
            "value_text": _TEXT,
            "value_flag": _FLAG,
            "unit_basis": _BASIS,
            "is_estimate": _ESTIMATE,
            "source": _SOURCE,
            "edition": _EDITION,
            "editions_available": Col(pl.Utf8, "Every edition that published a figure for this key, comma-separated."),
            "usgs_type": Col(pl.Utf8, "The USGS table row type (or 2026 table title) the figure comes from."),
            "source_file": _FILE,
            "source_line": _LINE,
        },
    ),
    "reserves": TableMeta(
        name="reserves",
        title="Reserves by mineral and economy",
        description=(
            "Reserves in metric tons from the USGS Mineral Commodity Summaries, the latest edition's "
            "figure per mineral and economy; `edition` says which MCS published it."
        ),
        primary_key=("mineral", "country_code"),
        usage_warnings=(
            "Reserves are revised irregularly and are not comparable across economies' reporting codes (JORC, NI 43-101, ...).",
            "Bounds such as '>2,000,000' are stored as the bound with value_flag '>'.",
        ),
        columns={
            "mineral": MINERAL_COL,
            "country_code": Col(pl.Utf8, "ISO3 code or typed aggregate code.", checks=(("known", "country_or_aggregate"),)),
            "country_kind": Col(pl.Utf8, "economy or aggregate.", checks=(("isin", ENTITY_KINDS),)),
            "reserves_t": Col(pl.Float64, "Reserves in metric tons on the stated basis; null where not published as a number.", nullable=True, checks=(("ge", 0),)),
            "value_text": _TEXT,
            "value_flag": _FLAG,
            "unit_basis": _BASIS,
            "source": _SOURCE,
            "edition": _EDITION,
            "editions_available": Col(pl.Utf8, "Every edition that published a figure for this key."),
            "source_file": _FILE,
            "source_line": _LINE,
        },
    ),
    "production_wmd": TableMeta(
        name="production_wmd",
        title="Mine production by mineral, economy and year (World Mining Data)",
        description="Production in metric tons from World Mining Data 2018-2024, for minerals in the registry.",
        primary_key=("mineral", "wmd_commodity", "country_code", "year"),
        usage_warnings=("World Mining Data reports several commodities per mineral for some (e.g. ores and metal): filter on `wmd_commodity`.",),
        columns={
            "mineral": MINERAL_COL,
            "wmd_commodity": Col(pl.Utf8, "Commodity name as World Mining Data publishes it."),
            "stage": STAGE_COL,
            "country_code": Col(pl.Utf8, "ISO3 code.", checks=(("known", "economy"),)),
            "year": _YEAR,
            "production_t": Col(pl.Float64, "Production in metric tons.", nullable=True, checks=(("ge", 0),)),
            "unit_basis": _BASIS,
            "is_estimate": _ESTIMATE,
            "source": _SOURCE,
            "source_file": _FILE,
            "source_line": _LINE,
        },
    ),
    "trade": TableMeta(
        name="trade",
        title="Bilateral trade in critical-mineral products",
        description=(
            "CEPII BACI trade flows for the registry's HS92 codes: exporter, importer, product and year, "
            "value in USD and quantity in metric tons of the traded good, tagged with the mineral and stage."
        ),
        primary_key=("year", "exporter_code", "importer_code", "hs6", "mineral"),
        usage_warnings=(
            "Quantity is the gross weight of the traded good, not contained metal: do not divide by USGS production without a conversion.",
            "An HS code that covers several minerals is tagged with each of them: do not sum value across minerals.",
            "BACI reconciles mirror flows; it is annual, so events within a year cannot be dated.",
            "Before 2000 BACI reports the Southern African Customs Union as one partner (code SACU), not South Africa alone.",
        ),
        columns={
            "year": _YEAR,
            "exporter_code": Col(pl.Utf8, "Exporter ISO3 (or SACU, see usage warnings).", checks=(("known", "country_or_aggregate"),)),
            "importer_code": Col(pl.Utf8, "Importer ISO3 (or SACU, see usage warnings).", checks=(("known", "country_or_aggregate"),)),
            "hs6": Col(pl.Utf8, "HS 1992 six-digit product code.", checks=(("str_length", 6),)),
            "mineral": MINERAL_COL,
            "stage": STAGE_COL,
            "value_usd": Col(pl.Float64, "Trade value in current USD.", checks=(("ge", 0),)),
            "quantity_t": Col(pl.Float64, "Quantity in metric tons (gross weight); null where BACI has none.", nullable=True, checks=(("ge", 0),)),
            "unit_basis": _BASIS,
            "source": _SOURCE,
            "edition": Col(pl.Utf8, "BACI version."),
        },
    ),
    "us_salient": TableMeta(
        name="us_salient",
        title="U.S. salient statistics by mineral",
        description=(
            "U.S. production, imports, exports, consumption, prices, stocks and net import reliance from "
            "the USGS MCS salient tables; the latest edition's figure per mineral, statistic and year."
        ),
        primary_key=("mineral", "usgs_commodity", "statistic", "unit", "year"),
        usage_warnings=(
            "MCS 2026 statistics carry their own names (section | label) and are not merged with 2023/2024's.",
            "Net import reliance 'E' means net exporter; '>75' is stored as 75 with value_flag '>'.",
        ),
        columns={
            "mineral": MINERAL_COL,
            "usgs_commodity": Col(pl.Utf8, "USGS commodity code of the salient file (a mineral may have several, e.g. bauxite and aluminum)."),
            "statistic": Col(pl.Utf8, "Statistic as named in the source (unit suffix removed)."),
            "unit": Col(pl.Utf8, "Unit of `value`: t, usd_per_t, pct, or the published unit when not convertible."),
            "year": _YEAR,
            "value": Col(pl.Float64, "The figure in `unit`; null where not published as a number.", nullable=True),
            "value_text": _TEXT,
            "value_flag": _FLAG,
            "is_estimate": _ESTIMATE,
            "source": _SOURCE,
            "edition": _EDITION,
            "source_file": _FILE,
            "source_line": _LINE,
        },
    ),
    "governance": TableMeta(
        name="governance",
        title="Political stability by economy and year",
        description=(
            "World Bank WGI Political Stability and Absence of Violence/Terrorism: the estimate "
            "(about -2.5 to 2.5), its standard error and the 0-1 normalised score used by GeoPolRisk."
        ),
        primary_key=("country_code", "year"),
        usage_warnings=("No survey in 1997, 1999 and 2001.",),
        columns={
            "country_code": Col(pl.Utf8, "ISO3 code.", checks=(("known", "economy"),)),
            "year": _YEAR,
            "political_stability": Col(pl.Float64, "WGI estimate.", nullable=True, checks=(("between", (-3.5, 3.5)),)),
            "political_stability_se": Col(pl.Float64, "Standard error of the estimate.", nullable=True, checks=(("ge", 0),)),
            "political_stability_score": Col(pl.Float64, "0-1 normalised score (higher = less stable).", nullable=True, checks=(("between", (0, 1)),)),
            "source": _SOURCE,
        },
    ),
}


def _check(kind: str, arg: object, known: Mapping[str, frozenset[str]]) -> pa.Check:
    if kind == "ge":
        return pa.Check.ge(arg)
    if kind == "le":
        return pa.Check.le(arg)
    if kind == "between":
        lo, hi = arg  # type: ignore[misc]
        return pa.Check.in_range(lo, hi)
    if kind == "isin":
        return pa.Check.isin(list(arg))  # type: ignore[arg-type]
    if kind == "matches":
        return pa.Check.str_matches(str(arg))
    if kind == "str_length":
        return pa.Check.str_length(arg, arg)
    if kind == "known":
        allowed = known[str(arg)]
        return pa.Check.isin(sorted(allowed), name=f"known_{arg}", error=f"known_{arg}: value not in the reference tables")
    raise ValueError(f"unknown check kind {kind!r}")


def schema_from_meta(meta: TableMeta, known: Mapping[str, frozenset[str]]) -> pa.DataFrameSchema:
    """A strict, ordered pandera schema with a unique primary key from any ``TableMeta`` (clean
    tables and marts alike); ``known`` holds the reference sets its 'known' checks name."""
    columns = {
        name: pa.Column(
            col.dtype,
            checks=[_check(kind, arg, known) for kind, arg in col.checks],
            nullable=col.nullable,
            description=col.description,
        )
        for name, col in meta.columns.items()
    }
    return pa.DataFrameSchema(
        columns, unique=list(meta.primary_key), strict=True, ordered=True, name=meta.name, description=meta.title
    )


def schema_for(table: str, known: Mapping[str, frozenset[str]]) -> pa.DataFrameSchema:
    """The pandera schema of a clean table; ``known`` holds the reference sets for 'known' checks."""
    return schema_from_meta(TABLES[table], known)


@dataclass
class ValidationReport:
    table: str
    rows: int
    failure_cases: pl.DataFrame  # empty when the table is valid
    primary_key: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.failure_cases.height == 0

    def summary(self, limit: int = 5) -> str:
        """A few failures in words: column, check, value, and the upstream file and line."""
        if self.passed:
            return f"{self.table}: {self.rows:,} rows valid"
        lines = [f"{self.table}: {self.failure_cases.height:,} failure(s)"]
        for case in self.failure_cases.head(limit).iter_rows(named=True):
            where = ""
            if case.get("source_file"):
                where = f" at file {case['source_file']}"
                if case.get("source_line") is not None:
                    where += f", line {case['source_line']}"
            key = ", ".join(f"{k}={case[k]}" for k in self.primary_key if case.get(k) is not None)
            if "uniqueness" in str(case.get("check")):
                lines.append(f"duplicated key [{key}]{where}")
                continue
            lines.append(
                f"column {case.get('column') or '(row)'}: {case.get('check')} failed for value "
                f"{case.get('failure_case')!r}{where}" + (f" [{key}]" if key else "")
            )
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        if self.passed:
            return {}
        grouped = self.failure_cases.group_by("column", "check").len().sort("len", descending=True)
        return {f"{c or '(table)'}: {k}": n for c, k, n in grouped.iter_rows()}


def validate_meta(meta: TableMeta, df: pl.DataFrame, known: Mapping[str, frozenset[str]]) -> ValidationReport:
    """Validate lazily; failure cases carry the offending rows' key and provenance columns."""
    try:
        schema_from_meta(meta, known).validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.with_columns(pl.col("failure_case").cast(pl.Utf8))
        context_cols = [c for c in (*meta.primary_key, "source_file", "source_line") if c in df.columns]
        if context_cols and "index" in cases.columns:
            rows = df.select(context_cols).with_row_index("index").with_columns(pl.col("index").cast(pl.Int32))
            cases = cases.with_columns(pl.col("index").cast(pl.Int32)).join(rows, on="index", how="left")
        return ValidationReport(meta.name, df.height, cases, meta.primary_key)
    return ValidationReport(meta.name, df.height, pl.DataFrame(), meta.primary_key)


def validate(table: str, df: pl.DataFrame, known: Mapping[str, frozenset[str]]) -> ValidationReport:
    """Validate a clean table lazily (see :func:`validate_meta`)."""
    return validate_meta(TABLES[table], df, known)
