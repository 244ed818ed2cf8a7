"""pandera (``pandera.polars``) schemas built from the registry, and lazy validation reports.

Every table's schema is strict, ordered and unique on its primary key. Validation is always
lazy, so a failure reports every problem at once; failure cases are joined back to the rows'
key and provenance (``source_file``, ``source_line``) so a user sees where in which upstream
file the bad value is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from transforms.metadata.table import Table


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


def schema_from_meta(meta: Table, known: Mapping[str, frozenset[str]]) -> pa.DataFrameSchema:
    """A strict, ordered pandera schema with a unique primary key from any registry ``Table``;
    ``known`` holds the reference sets its 'known' checks name."""
    columns = {
        name: pa.Column(
            f.dtype,
            checks=[_check(kind, arg, known) for kind, arg in f.checks],
            nullable=f.nullable,
            description=f.description,
        )
        for name, f in meta.columns.items()
    }
    return pa.DataFrameSchema(
        columns, unique=list(meta.primary_key), strict=True, ordered=True, name=meta.name, description=meta.title
    )


@dataclass
class ValidationReport:
    table: str
    rows: int
    failure_cases: pl.DataFrame  # empty when the table is valid
    primary_key: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.failure_cases.height == 0

    def summary(self, limit: int = 10) -> str:
        """Up to ``limit`` failures in words: column, check, value, and the upstream file and line
        (ten, so that failures in several upstream files all get named)."""
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
                f"column {case.get('column') or '(row)'}: {case.get('check')} failed for "
                + ("a missing value" if case.get("failure_case") is None else f"value {case.get('failure_case')!r}")
                + where
                + (f" [{key}]" if key else "")
            )
        if self.failure_cases.height > limit:
            lines.append(f"... and {self.failure_cases.height - limit:,} more (asset check metadata lists them)")
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        if self.passed:
            return {}
        grouped = self.failure_cases.group_by("column", "check").len().sort("len", descending=True)
        return {f"{c or '(table)'}: {k}": n for c, k, n in grouped.iter_rows()}


def validate_meta(meta: Table, df: pl.DataFrame, known: Mapping[str, frozenset[str]]) -> ValidationReport:
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
