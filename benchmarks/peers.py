"""The same trade ingest written with DuckDB and with pandas, for the scale benchmark.

Each peer does the work of :func:`transforms.ingest.ingest_trade` on the same files: keep the
registry's HS6 codes, tag mineral and stage, map BACI country codes to ISO3 with the same
lookup table, and sum value (USD), quantity (t) and the number of flows per year, mineral,
stage, exporter and importer. They return a polars frame of the same schema so the benchmark can
check that all three agree. They do not check the input (no line-level errors, no duplicate or
unknown-code checks): that work is the project's alone, and its cost is in its timings.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.ingest import TRADE_FLOWS_SCHEMA, VALUE_FACTOR_USD


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in TRADE_FLOWS_SCHEMA.items()]).sort(
        "year", "mineral", "stage", "exporter_code", "importer_code"
    )


def duckdb_ingest(
    files: list[Path], fmt: str, hs: pl.DataFrame, countries: pl.DataFrame
) -> pl.DataFrame:
    """One SQL query over all files; DuckDB parallelises across and within files."""
    import duckdb

    con = duckdb.connect()
    con.register("hs", hs.to_arrow())
    con.register("countries", countries.to_arrow())
    names = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    if fmt == "csv":
        source = (
            f"read_csv({names}, header = true, delim = ',', quote = '', "
            "columns = {'t': 'SMALLINT', 'i': 'INTEGER', 'j': 'INTEGER', 'k': 'VARCHAR', "
            "'v': 'DOUBLE', 'q': 'DOUBLE'}, nullstr = ['', 'NA'])"
        )
    else:
        source = f"read_parquet({names})"
    query = f"""
        WITH rows AS (
            SELECT t, i, j, k, v, q FROM {source}
            WHERE k IN (SELECT hs6 FROM hs)
        )
        SELECT r.t AS year, h.mineral, h.stage,
               e.country_code AS exporter_code, m.country_code AS importer_code,
               sum(r.v) * {VALUE_FACTOR_USD} AS value_usd, sum(r.q) AS quantity_t,
               count(*) AS flows, count(*) - count(r.q) AS flows_without_quantity
        FROM rows r
        JOIN hs h ON r.k = h.hs6
        LEFT JOIN countries e ON r.i = e.baci_code
        LEFT JOIN countries m ON r.j = m.baci_code
        GROUP BY ALL
    """
    return _finish(pl.from_arrow(con.sql(query).to_arrow_table()))


def pandas_ingest(
    files: list[Path],
    fmt: str,
    hs: pl.DataFrame,
    countries: pl.DataFrame,
    *,
    chunksize: int = 2_000_000,
) -> pl.DataFrame:
    """pandas the careful way: typed, column-selected reads, in chunks, file by file."""
    import pandas as pd

    codes = set(hs["hs6"].to_list())
    dtypes = {"t": "int16", "i": "int32", "j": "int32", "k": "str", "v": "float64", "q": "float64"}
    kept = []
    for path in files:
        if fmt == "csv":
            reader = pd.read_csv(
                path,
                usecols=list(dtypes),
                dtype=dtypes,
                chunksize=chunksize,
                na_values=["", "NA"],
                keep_default_na=False,
                engine="c",
            )
            for chunk in reader:
                kept.append(chunk[chunk["k"].isin(codes)])
        else:
            kept.append(
                pd.read_parquet(path, columns=list(dtypes), filters=[("k", "in", sorted(codes))])
            )
    rows = pd.concat(kept, ignore_index=True)
    rows["q"] = rows["q"].astype("float64")
    hs_pd = hs.to_pandas()
    lookup = countries.to_pandas()
    rows = rows.merge(hs_pd, left_on="k", right_on="hs6", how="inner")
    rows = rows.merge(
        lookup.rename(columns={"baci_code": "i", "country_code": "exporter_code"}),
        on="i",
        how="left",
    )
    rows = rows.merge(
        lookup.rename(columns={"baci_code": "j", "country_code": "importer_code"}),
        on="j",
        how="left",
    )
    rows["q_missing"] = rows["q"].isna()
    grouped = rows.groupby(
        ["t", "mineral", "stage", "exporter_code", "importer_code"], dropna=False
    ).agg(
        value=("v", "sum"),
        quantity_t=("q", "sum"),
        quantities=("q", "count"),
        flows=("v", "size"),
        flows_without_quantity=("q_missing", "sum"),
    )
    out = grouped.reset_index().rename(columns={"t": "year"})
    out["value_usd"] = out.pop("value") * VALUE_FACTOR_USD
    # A group without any published quantity has no quantity (null), not zero tonnes.
    out.loc[out.pop("quantities") == 0, "quantity_t"] = float("nan")
    return _finish(pl.from_pandas(out, nan_to_null=True))
