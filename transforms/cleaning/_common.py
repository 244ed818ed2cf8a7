"""Helpers shared by the clean transforms of the new sources: country harmonisation that refuses
unmapped names (naming where the name came from) instead of leaving null codes behind."""

from __future__ import annotations

import polars as pl

from transforms import reference
from transforms.errors import UpstreamFormatError


def harmonise_or_raise(
    df: pl.DataFrame,
    name_col: str,
    *,
    file_col: str = "file",
    where_col: str = "line",
    column_label: str | None = None,
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
        first = bad.row(0, named=True)
        where = first[where_col]
        raise UpstreamFormatError(
            first[file_col],
            f"{bad[name_col].n_unique()} name(s) not in data/reference/country_names.csv "
            f"(e.g. {sorted(bad[name_col].unique().to_list())[:5]})",
            line=where if isinstance(where, int) else None,
            column=column_label or (where if isinstance(where, str) else name_col),
            value=first[name_col],
        )
    return harmonised.rename({"code": "economy", "kind": "economy_kind"}).drop(
        "name_marked_estimate"
    )
