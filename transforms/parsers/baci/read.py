"""The public BACI readers: lazily (:func:`scan_baci`), file by file (:func:`iter_baci`), into
one frame (:func:`read_baci`) or into Parquet files (:func:`sink_baci_parquet`).

A release zip's members are read one at a time: into memory by default, or, with ``work_dir``
(a folder the caller creates and removes), as files written there, which keeps memory at the
scan's own need for 11M-row years. The readers create no temporary folders of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import methodcaller
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers.baci.codes import codes_for
from transforms.parsers.baci.layout import (
    BACI_SCHEMA,
    KEY_COLUMNS,
    BaciPaths,
    BaciSource,
    Checks,
    CodeTablesOption,
)
from transforms.parsers.baci.scan import (
    _collect_one,
    _lazy_one,
    _normalise_filter,
    _precheck,
    _reject_duplicates,
    _typed_else_text,
)
from transforms.parsers.baci.sources import (
    baci_sources,
    member_data,
    release_member_data,
    validate_baci_header,
)


def _year_set(years: Iterable[int] | None) -> frozenset[int] | None:
    """The years to read, or None for all of them."""
    return frozenset(years) if years is not None else None


def _checked_sources(
    paths: BaciPaths,
    hs6_filter: Iterable[str] | None,
    year_set: frozenset[int] | None,
    code_tables: CodeTablesOption,
) -> Iterator[tuple[BaciSource, Checks]]:
    """The trade tables of ``paths`` (of ``year_set`` only), one at a time as the caller reads
    them: each one's header validated, with the checks its rows get. None found is an error."""
    wanted = _normalise_filter(hs6_filter)
    sources = baci_sources(paths, years=year_set)
    if not sources:
        raise UpstreamFormatError(str(paths), "no BACI trade tables (BACI_*.csv[.gz]) found")
    for source in sources:
        validate_baci_header(source)
        yield source, Checks(wanted, codes_for(source, code_tables))


def scan_baci(
    paths: BaciPaths,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: CodeTablesOption = "auto",
    work_dir: Path | None = None,
) -> pl.LazyFrame:
    """Lazily read BACI trade tables (CSV, CSV.gz, Parquet, release zip, or a folder of them).

    Headers and field counts are checked now; content is checked when the frame is collected.
    Collect inside :func:`baci_errors` to get UpstreamFormatError with a line number instead of
    a polars error (:func:`read_baci` and :func:`iter_baci` do this, and also reject duplicated
    keys). Zip members are held in memory until the frame is dropped, or written to
    ``work_dir`` (left there for the caller to remove): pass ``years`` to read only the years
    needed, or use :func:`iter_baci`, which reads one member at a time. ``code_tables``: see
    :func:`find_code_tables` ("auto") or pass them.
    """
    year_set = _year_set(years)
    frames = []
    for source, checks in _checked_sources(paths, hs6_filter, year_set, code_tables):
        path = member_data(source, work_dir)
        _precheck(source, path, checks)
        # Text scan: the caller collects later, so there is no second chance at a typed failure.
        frames.append(_lazy_one(source, path, checks, year_set, typed=False))
    return pl.concat(frames, how="vertical")


def iter_baci(
    paths: BaciPaths,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: CodeTablesOption = "auto",
    work_dir: Path | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield one collected frame per BACI trade table, reading them one after another.

    This keeps memory to one file's worth (zip members are read one at a time, into memory or
    as a copy in ``work_dir`` deleted right after use), which is what a multi-year run should use.
    Each frame is checked for duplicated keys (year, exporter, importer, product).
    """
    year_set = _year_set(years)
    for source, checks in _checked_sources(paths, hs6_filter, year_set, code_tables):
        path = member_data(source, work_dir)
        try:
            frame = _collect_one(source, path, checks, year_set)
        finally:
            release_member_data(source, path)
        _reject_duplicates(frame, source)
        yield frame


def sink_baci_parquet(
    paths: BaciPaths,
    out_dir: Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: CodeTablesOption = "auto",
    work_dir: Path | None = None,
) -> list[Path]:
    """Write each BACI trade table to ``out_dir/<its name>.parquet``, one file at a time.

    The way to turn a whole release into parquet within a fixed memory budget; returns the
    parquet paths in source order.
    """
    year_set = _year_set(years)
    out_dir = Path(out_dir)
    written = []
    for source, checks in _checked_sources(paths, hs6_filter, year_set, code_tables):
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = source.name.rsplit("/", 1)[-1].removesuffix(".gz").removesuffix(".csv")
        target = out_dir / f"{stem}.parquet"
        path = member_data(source, work_dir)
        try:
            _precheck(source, path, checks)
            _typed_else_text(source, path, checks, year_set, methodcaller("sink_parquet", target))
            _reject_duplicates(pl.read_parquet(target, columns=list(KEY_COLUMNS)), source)
        except BaseException:
            target.unlink(missing_ok=True)  # never leave half a table behind
            raise
        finally:
            release_member_data(source, path)
        written.append(target)
    return written


def read_baci(
    paths: BaciPaths,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: CodeTablesOption = "auto",
    work_dir: Path | None = None,
) -> pl.DataFrame:
    """Read BACI trade tables into one frame (file by file, see :func:`iter_baci`).

    A key (year, exporter, importer, product) published by two of the files is an error too:
    the inputs overlap (e.g. a per-year file beside the multi-year extract).
    """
    frames = list(
        iter_baci(paths, hs6_filter, years=years, code_tables=code_tables, work_dir=work_dir)
    )
    if not frames:
        return pl.DataFrame(schema=BACI_SCHEMA)
    out = pl.concat(frames, how="vertical", rechunk=False)
    if len(frames) > 1:
        clash = out.filter(pl.struct(KEY_COLUMNS).is_duplicated())
        if clash.height:
            first = clash.sort(KEY_COLUMNS).head(2)
            key = ",".join(str(x) for x in first.row(0)[:4])
            raise UpstreamFormatError(
                " and ".join(first["file"].unique(maintain_order=True).to_list()),
                f"the files overlap: both publish t,i,j,k = {key} ({clash.height:,} rows in all)",
                column="k",
                value=key,
            )
    return out
