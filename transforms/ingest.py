"""The project's trade ingest: BACI trade tables -> trade per mineral, stage, year and partners.

This is the one trade path. The Dagster graph runs its steps one asset at a time, and
:func:`ingest_trade` runs them end to end (the scale benchmark, ``benchmarks/baci_ingest.py``,
times exactly that):

1. :func:`read_trade` — read each trade table (CSV, CSV.gz, Parquet, or a release zip; one
   file at a time) with :func:`transforms.parsers.baci.iter_baci`; every kept row is checked,
   and a bad row stops the read with the file, line and column; two files holding the same
   year are refused. The snapshot table ``baci_trade`` is this step's output (all HS codes);
   :func:`ingest_trade` keeps only the registry's (:func:`registry_hs_codes`) while reading;
2. :func:`trade_flows` — apply the accepted row corrections (``data/reference/corrections.yaml``,
   table ``baci_trade``), tag each row with its mineral and stage (an HS code serving two
   minerals is counted for each, never summed across them), harmonise exporters and importers
   from BACI codes to ISO3 (or a typed aggregate such as SACU) with the country-name table
   (:func:`baci_country_lookup`), and convert thousand USD to USD. The clean table ``trade``
   is this step's output (``transforms.clean.clean_trade`` adds its provenance columns);
3. :func:`aggregate_flows` — sum per year, mineral, stage, exporter and importer, as the
   marts do. :func:`ingest_trade` refuses a BACI code without ISO3 before this step, since
   dropping its flows would silently change every share.

Output columns of :func:`ingest_trade`:

    year Int16, mineral Utf8, stage Utf8 (mine / refinery), exporter_code Utf8 (ISO3 or
    aggregate code), importer_code Utf8, value_usd Float64 (current USD), quantity_t Float64
    (metric tons of the traded good, sum of the published quantities; null when none of the
    flows has one), flows UInt32 (BACI rows summed), flows_without_quantity UInt32.

Memory stays at one file's scan plus the registry's rows of every file read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from transforms import reference
from transforms.corrections import apply_row_corrections
from transforms.errors import UpstreamFormatError
from transforms.metadata import dtypes
from transforms.parsers.baci import BACI_SCHEMA, iter_baci
from transforms.parsers.baci.layout import BaciPaths, CodeTablesOption
from transforms.stable import exact_sum

# BACI's v is in thousand USD.
VALUE_FACTOR_USD = 1000.0
# The registry's HS stages in the vocabulary of the clean tables.
HS_STAGE_TO_STAGE = {"ore": "mine", "refined": "refinery"}
GROUP_KEY = ("year", "mineral", "stage", "exporter_code", "importer_code")

TRADE_FLOWS_SCHEMA: dict[str, pl.DataType] = {
    # The clean ``trade`` table's key and measures, typed where the registry declares them.
    **dtypes("trade", [*GROUP_KEY, "value_usd", "quantity_t"]),
    "flows": pl.UInt32(),
    "flows_without_quantity": pl.UInt32(),
}
"""Output schema of :func:`ingest_trade`."""


def registry_hs_codes(hs_map: pl.DataFrame | None = None) -> pl.DataFrame:
    """The registry's HS6 codes with mineral and stage: ``hs6``, ``mineral``, ``stage``."""
    hs = hs_map if hs_map is not None else reference.hs_map_frame()
    return hs.select(
        pl.col("hs6").cast(pl.Utf8).str.zfill(6),
        pl.col("slug").alias("mineral"),
        pl.col("stage").replace_strict(HS_STAGE_TO_STAGE, return_dtype=pl.Utf8),
    ).unique(maintain_order=True)


def baci_country_lookup(codes: Iterable[int] | None = None) -> pl.DataFrame:
    """BACI country code -> ISO3/aggregate code: ``baci_code`` Int32, ``country_code`` Utf8.

    Built from the harmonisation table (source "baci"); ``codes`` restricts it to the codes
    given and keeps the ones it cannot map with a null ``country_code``.
    """
    if codes is None:
        names = reference.country_names_frame().filter(pl.col("source") == "baci")
        frame = names.select(pl.col("name").alias("baci"))
    else:
        frame = pl.DataFrame({"baci": sorted(set(codes))}, schema={"baci": pl.Int32})
    mapped = reference.harmonise_countries(
        frame.select(pl.col("baci").cast(pl.Utf8)), "baci", "baci"
    )
    return mapped.select(
        pl.col("baci").cast(pl.Int32).alias("baci_code"), pl.col("code").alias("country_code")
    )


def read_trade(
    paths: BaciPaths,
    *,
    years: Iterable[int] | None = None,
    hs6_filter: Iterable[str] | None = None,
    code_tables: CodeTablesOption = "auto",
    work_dir: Path | None = None,
) -> pl.DataFrame:
    """Step 1: the parser rows of every trade table (:data:`BACI_SCHEMA`), file by file.

    ``paths``: BACI trade tables, release zips or folders, read in name order. ``years`` keeps
    those years only; ``hs6_filter`` keeps those HS6 codes only (and checks only their rows);
    ``code_tables`` is passed to the parser (check i/j/k against BACI's tables found next to
    the files); ``work_dir``: a folder, owned by the caller, for release-zip members (without
    it they are read in memory, one at a time).
    """
    frames: list[pl.DataFrame] = []
    year_file: dict[int, str] = {}
    for frame in iter_baci(
        paths, hs6_filter, years=years, code_tables=code_tables, work_dir=work_dir
    ):
        _refuse_overlap(frame, year_file)
        frames.append(frame)
    if not frames:
        return pl.DataFrame(schema=BACI_SCHEMA)
    return pl.concat(frames, how="vertical", rechunk=False)


def trade_flows(
    rows: pl.DataFrame, countries: pl.DataFrame, hs: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Step 2: parser rows -> flows of the registry's HS codes with mineral, stage, ISO3, USD.

    ``countries`` is :func:`baci_country_lookup`, ``hs`` :func:`registry_hs_codes` (default:
    the registry's). Columns: year, exporter_code, importer_code (ISO3/aggregate; null where
    the lookup has none), hs6, mineral, stage, value_usd, quantity_t, file.
    """
    hs = hs if hs is not None else registry_hs_codes()
    exporters = countries.rename({"baci_code": "exporter_code", "country_code": "exporter"})
    importers = countries.rename({"baci_code": "importer_code", "country_code": "importer"})
    return (
        apply_row_corrections(rows, "baci_trade")
        .join(hs, on="hs6", how="inner")
        .join(exporters, on="exporter_code", how="left")
        .join(importers, on="importer_code", how="left")
        .select(
            pl.col("year").cast(pl.Int16),
            pl.col("exporter").alias("exporter_code"),
            pl.col("importer").alias("importer_code"),
            "hs6",
            "mineral",
            "stage",
            (pl.col("value_kusd") * VALUE_FACTOR_USD).alias("value_usd"),
            "quantity_t",
            "file",
        )
    )


def aggregate_flows(flows: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Step 3: :func:`trade_flows` output -> the sums of :data:`TRADE_FLOWS_SCHEMA`, lazily."""
    return (
        flows.lazy()
        .group_by(GROUP_KEY)
        .agg(
            exact_sum(pl.col("value_usd")),
            pl.when(pl.col("quantity_t").is_not_null().any())
            .then(exact_sum(pl.col("quantity_t")))
            .alias("quantity_t"),
            pl.len().alias("flows"),
            pl.col("quantity_t").is_null().sum().cast(pl.UInt32).alias("flows_without_quantity"),
        )
        .select([pl.col(c).cast(t) for c, t in TRADE_FLOWS_SCHEMA.items()])
    )


def _refuse_unmapped(frame: pl.DataFrame, countries: pl.DataFrame) -> None:
    """An exporter or importer code without ISO3 is an error naming the file and the code."""
    known = countries.drop_nulls("country_code")["baci_code"]
    for column, label in (("exporter_code", "i (exporter)"), ("importer_code", "j (importer)")):
        unknown = frame.filter(~pl.col(column).is_in(known.implode()))
        if unknown.height:
            row = unknown.row(0, named=True)
            raise UpstreamFormatError(
                row["file"],
                f"BACI country code {row[column]} has no ISO3 in data/reference/country_names.csv "
                f"(source baci); {unknown.height:,} kept rows use it. Add it there",
                column=label,
                value=str(row[column]),
            )


def _refuse_overlap(frame: pl.DataFrame, year_file: dict[int, str]) -> None:
    """Two files holding the same year (a per-year file beside the multi-year extract) would
    count its flows twice."""
    for year, file in frame.select("year", "file").unique().sort("year").iter_rows():
        if year in year_file and year_file[year] != file:
            raise UpstreamFormatError(
                file,
                f"year {year} is also in {year_file[year]}: the inputs overlap; pass one of them",
                column="t (year)",
                value=str(year),
            )
        year_file[year] = file


def ingest_trade(
    paths: BaciPaths,
    *,
    years: Iterable[int] | None = None,
    hs_map: pl.DataFrame | None = None,
    code_tables: CodeTablesOption = "auto",
    work_dir: Path | None = None,
) -> pl.DataFrame:
    """Trade per year, mineral, stage, exporter and importer: steps 1-3 end to end.

    Arguments as :func:`read_trade`; ``hs_map`` replaces the registry's HS map (columns slug,
    stage, hs6). Rows are sorted by the group key.
    """
    hs = registry_hs_codes(hs_map)
    countries = baci_country_lookup()
    rows = read_trade(
        paths,
        years=years,
        hs6_filter=hs["hs6"].unique().to_list(),
        code_tables=code_tables,
        work_dir=work_dir,
    )
    _refuse_unmapped(rows, countries)
    return aggregate_flows(trade_flows(rows, countries, hs)).collect().sort(GROUP_KEY)
