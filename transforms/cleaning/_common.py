"""Helpers shared by the clean transforms: the leading columns of a production-like table, the
lineage columns of a clean row, errors that name the upstream place of a frame's first offending
row, and country harmonisation that refuses unmapped names instead of leaving null codes behind."""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.errors import UpstreamFormatError

# Leading columns of every clean production-like table of these sources (IEA, BGS).
PRODUCTION_COLUMNS: dict[str, pl.DataType] = {
    "mineral": pl.Utf8(),
    "stage": pl.Utf8(),
    "product": pl.Utf8(),
    "economy": pl.Utf8(),
    "economy_kind": pl.Utf8(),
    "country_name": pl.Utf8(),
    "year": pl.Int16(),
    "quantity_t": pl.Float64(),
    "unit_basis": pl.Utf8(),
    "basis_detail": pl.Utf8(),
}


def source_place(line_dtype: pl.DataType | None = None) -> tuple[pl.Expr, pl.Expr]:
    """The lineage columns of a clean row: the snapshot's ``file`` and ``line`` as
    ``source_file`` and ``source_line`` (cast to ``line_dtype`` when given)."""
    line = pl.col("line") if line_dtype is None else pl.col("line").cast(line_dtype)
    return pl.col("file").alias("source_file"), line.alias("source_line")


def first_row_error(
    rows: pl.DataFrame, message: str, *, column: str | None = None, value_col: str | None = None
) -> UpstreamFormatError:
    """An :class:`UpstreamFormatError` at the first of ``rows``: its file, line and ``column``
    (the row's Excel ``cell`` when not given), prefixed with its sheet when it has one."""
    first = rows.row(0, named=True)
    sheet = first.get("sheet")
    return UpstreamFormatError(
        first["file"],
        f"sheet {sheet!r}: {message}" if sheet else message,
        line=first.get("line"),
        column=column if column is not None else first.get("cell"),
        value=None if value_col is None else str(first[value_col]),
    )


def refuse_rows(rows: pl.DataFrame, bad: pl.Expr, message: str, column: str) -> None:
    """Raise :func:`first_row_error` at the first of ``rows`` where ``bad`` holds, pointing at
    ``column`` and quoting its value; return quietly when no row is bad."""
    found = rows.filter(bad)
    if found.height:
        raise first_row_error(found, message, column=column, value_col=column)


def harmonise_or_raise(
    df: pl.DataFrame,
    name_col: str,
    *,
    column: str | None = None,
    source: str = "any",
) -> pl.DataFrame:
    """``df`` with ``economy`` (ISO3 or aggregate code) and ``economy_kind`` for ``name_col``.

    Names are matched exactly (no glued-"e" estimate marker: these sources have none, and
    "Zimbabwe" minus "e" must never be tried). The first unmapped name raises
    :class:`UpstreamFormatError` with the file and line (or cell) of its first row.
    """
    harmonised = reference.harmonise_countries(df, name_col, source)
    bad = harmonised.filter(
        pl.col(name_col).is_not_null() & (pl.col("code").is_null() | pl.col("name_marked_estimate"))
    )
    if bad.height:
        names = sorted(bad[name_col].unique().to_list())
        raise first_row_error(
            bad,
            f"{len(names)} name(s) not in data/reference/country_names.csv (e.g. {names[:5]})",
            column=column,
            value_col=name_col,
        )
    return harmonised.rename({"code": "economy", "kind": "economy_kind"}).drop(
        "name_marked_estimate"
    )
