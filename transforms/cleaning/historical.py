"""The historical economies reference table (data/reference/historical_economies.csv).

Long series (BGS from 1971) name states that no longer exist: the Soviet Union, Yugoslavia,
Czechoslovakia, the two Germanys, Serbia and Montenegro, Zaire, Rhodesia. They are typed
historical entities with their successor states, never dropped and never merged into a
successor silently: a reader who wants a successor-based series must choose how to split.

Columns: code (ISO 3166-3-based where one exists), name, successors (ISO3 or historical codes,
``;``-separated), from_year, to_year, source, note. :func:`load_historical_economies` checks
that codes are unique, years ordered, and every successor is an economy of economies.csv or
another historical entity.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms import reference

HISTORICAL_FILE = "historical_economies.csv"
HISTORICAL_COLUMNS = ["code", "name", "successors", "from_year", "to_year", "source", "note"]


def load_historical_economies(directory: Path | str | None = None) -> pl.DataFrame:
    """The checked table, ``successors`` as a list of codes (see module)."""
    folder = Path(directory) if directory is not None else reference.REFERENCE_DIR
    path = folder / HISTORICAL_FILE
    raw = pl.read_csv(path, infer_schema=False)
    if raw.columns != HISTORICAL_COLUMNS:
        raise reference.ReferenceDataError(
            HISTORICAL_FILE, "header", f"must be {HISTORICAL_COLUMNS}"
        )
    table = raw.with_columns(
        pl.col("successors").str.split(";"),
        pl.col("from_year").cast(pl.Int16),
        pl.col("to_year").cast(pl.Int16),
    )
    codes = set(table["code"].to_list())
    if len(codes) != table.height:
        raise reference.ReferenceDataError(HISTORICAL_FILE, "code", "codes must be unique")
    known = set(reference.economies_frame(folder)["iso3"].to_list()) | codes
    for line, row in enumerate(table.iter_rows(named=True), start=2):
        entry = f"line {line} ({row['code']})"
        if row["from_year"] > row["to_year"]:
            raise reference.ReferenceDataError(HISTORICAL_FILE, entry, "from_year after to_year")
        unknown = [s for s in row["successors"] if s not in known]
        if unknown:
            raise reference.ReferenceDataError(
                HISTORICAL_FILE, entry, f"successors {unknown} are neither economies nor historical"
            )
    return table
