"""Read CEPII BACI bilateral trade files (HS92, release V202401b) into typed polars frames.

BACI publishes one CSV per year (``BACI_HS92_Y2022_V202401b.csv``, ~11M rows each) inside a
release zip (``BACI_HS92_V202401b.zip``) that also holds the country and product code tables
and a Readme. The project also keeps a gzipped extract of the critical-raw-material codes
(``BACI_HS92_V202401b_critical_subset.csv.gz``). All share BACI's layout ``t,i,j,k,v,q``:

    t year, i exporter and j importer (BACI country codes), k HS6 product,
    v value in thousand current USD, q quantity in metric tons (gross weight of the good).

Output of :func:`scan_baci` / :func:`read_baci` / :func:`iter_baci`:

    year Int16, exporter_code Int32, importer_code Int32, hs6 Utf8 (6 chars, zero-padded),
    value_kusd Float64, quantity_t Float64 (null where BACI has no quantity), file Utf8.

Quirks handled: ``q`` published as ``NA`` (optionally space-padded) or blank -> null quantity;
codes and values padded with spaces; ``k`` that lost its leading zero (``10121`` -> ``010121``);
CRLF line ends; a UTF-8 byte-order mark before the header.

Scale: every file is read lazily with all columns as text and the HS6 filter is applied right
after the scan, before any numeric cast. Measured on synthetic 11M-row years (2 cores):
:func:`read_baci` with an HS6 filter peaks near 0.55 GB RSS (1.5 s a year) whatever the number of
years, and :func:`sink_baci_parquet` of all rows near 0.6 GB (4 s a year), because both handle one
file at a time. Collecting or sinking one :func:`scan_baci` frame over many years lets polars
overlap the files and grows with them (1.7 GB for 9 years); collecting unfiltered years into
memory costs ~1.3 GB a year. Zip members are extracted to disk first (polars scans paths);
the file-by-file functions extract one member at a time and delete it after use.

Malformed input raises :class:`~transforms.errors.UpstreamFormatError` naming the file (for zip
members ``release.zip/member.csv``), the 1-based line and the column. The fast path casts strictly
and guards each batch; only when that fails does a second, line-by-line pass over the offending
file find the first bad line, so correct files never pay for it.
"""

from __future__ import annotations

import atexit
import csv
import io
import math
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError

BACI_COLUMNS: tuple[str, ...] = ("t", "i", "j", "k", "v", "q")
"""BACI's own header, in order."""

BACI_SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int16(),
    "exporter_code": pl.Int32(),
    "importer_code": pl.Int32(),
    "hs6": pl.Utf8(),
    "value_kusd": pl.Float64(),
    "quantity_t": pl.Float64(),
    "file": pl.Utf8(),
}
"""Output schema of :func:`scan_baci` and :func:`read_baci`."""

# BACI writes a missing quantity as NA (right-aligned with spaces in the official per-year files);
# the project's subset leaves it blank. Both mean "no quantity reported", never zero.
QUANTITY_MISSING = ("", "NA")

_COLUMN_LABEL = {
    "t": "t (year)",
    "i": "i (exporter)",
    "j": "j (importer)",
    "k": "k (HS6 product)",
    "v": "v (value, thousand USD)",
    "q": "q (quantity, t)",
}
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# HS6 codes are digits that may have lost leading zeros; BACI also publishes a legacy non-WCO
# code of six letters and digits (9999AA, "commodities not specified") which is kept as is.
_HS6_PATTERN = r"^(\d{1,6}|[0-9A-Z]{6})$"
_HS6_RE = re.compile(_HS6_PATTERN)
_NUM = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
# A row that matches this is valid (non-negative numbers, codes within Int16/Int32 range), so the
# second pass only runs the column-by-column checks on the rare row that does not.
_GOOD_ROW_RE = re.compile(
    rf"^ *\d{{1,4}} *, *\d{{1,9}} *, *\d{{1,9}} *, *(?:\d{{1,6}}|[0-9A-Z]{{6}}) *, *{_NUM} *,"
    rf" *(?:{_NUM}|NA)? *$"
)
_YEAR_IN_NAME = re.compile(r"_Y(\d{4})_")
_INT_RANGE = {"t": (-(2**15), 2**15 - 1), "i": (-(2**31), 2**31 - 1), "j": (-(2**31), 2**31 - 1)}


@dataclass(frozen=True)
class BaciSource:
    """One BACI trade table: a CSV or CSV.gz on disk, or a CSV member of a release zip."""

    name: str
    """Name used in the ``file`` column and in errors (``release.zip/member.csv`` for members)."""
    path: Path
    """The file on disk (for a zip member: the zip)."""
    member: str | None = None
    """The member name inside the zip, if any."""

    @property
    def year(self) -> int | None:
        """The year in a per-year file name (``..._Y2022_...``), else None."""
        m = _YEAR_IN_NAME.search(self.name.rsplit("/", 1)[-1])
        return int(m.group(1)) if m else None


class _BaciBatchProblem(Exception):
    """Raised inside a polars batch guard; turned into an UpstreamFormatError by a second pass."""


# ---------------------------------------------------------------------------------------------
# Finding the trade tables


def _is_trade_table(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    lower = base.lower()
    if not (lower.endswith(".csv") or lower.endswith(".csv.gz")):
        return False
    # The release zip and BACI folders also hold the code tables; those are not trade rows.
    if "country_codes" in lower or "product_codes" in lower:
        return False
    return lower.startswith("baci_")


def baci_sources(
    paths: Iterable[Path | str] | Path | str, *, years: Iterable[int] | None = None
) -> list[BaciSource]:
    """Resolve files, release zips and folders to the BACI trade tables they hold, in name order.

    ``years`` drops per-year files (``_Y2022_``) of other years without opening them; files
    without a year in their name (the multi-year subset) are kept and filtered by row later.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    wanted = set(years) if years is not None else None
    found: list[BaciSource] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            children = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and (p.suffix.lower() == ".zip" or _is_trade_table(p.name))
            )
            found.extend(baci_sources(children, years=years))
            continue
        if not path.exists():
            raise UpstreamFormatError(str(path), "BACI file not found")
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    members = sorted(
                        info.filename
                        for info in zf.infolist()
                        if not info.is_dir() and _is_trade_table(info.filename)
                    )
            except zipfile.BadZipFile as exc:
                raise UpstreamFormatError(str(path), f"not a readable zip archive: {exc}") from exc
            if not members:
                raise UpstreamFormatError(str(path), "zip holds no BACI trade CSV (BACI_*.csv)")
            found.extend(BaciSource(f"{path.name}/{m}", path, m) for m in members)
        else:
            found.append(BaciSource(path.name, path))
    if wanted is not None:
        found = [s for s in found if s.year is None or s.year in wanted]
    return found


# ---------------------------------------------------------------------------------------------
# Raw byte access shared by the header check and the second pass


@contextmanager
def _open_lines(source: BaciSource) -> Iterator[Iterator[bytes]]:
    """The lines (bytes, with their line ends) of a trade table, decompressing gzip as it goes."""
    gzipped = (source.member or source.path.name).lower().endswith(".gz")
    if source.member is not None:
        with zipfile.ZipFile(source.path) as zf, zf.open(source.member) as fh:
            yield _gzip_lines(fh) if gzipped else iter(fh)
    else:
        with open(source.path, "rb") as fh:
            yield _gzip_lines(fh) if gzipped else iter(fh)


def _check_header_line(name: str, raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    found = [c.strip().strip('"').strip() for c in text.split(",")]
    if found == list(BACI_COLUMNS):
        return
    for pos, expected in enumerate(BACI_COLUMNS):
        got = found[pos] if pos < len(found) else None
        if got != expected:
            raise UpstreamFormatError(
                name,
                f"header is not BACI's {','.join(BACI_COLUMNS)}: expected column {pos + 1} to be "
                f"{expected!r}, found {got!r}",
                line=1,
                column=expected,
                value=text[:200],
            )
    raise UpstreamFormatError(
        name,
        f"header has {len(found)} columns, BACI has {len(BACI_COLUMNS)} ({','.join(BACI_COLUMNS)})",
        line=1,
        column=found[len(BACI_COLUMNS)],
        value=text[:200],
    )


def validate_baci_header(path: Path | str | BaciSource) -> None:
    """Check that a BACI trade table (or every one in a zip/folder) starts with ``t,i,j,k,v,q``.

    Raises UpstreamFormatError naming the file, line 1 and the first column that differs.
    """
    sources = [path] if isinstance(path, BaciSource) else baci_sources(path)
    for source in sources:
        try:
            with _open_lines(source) as lines:
                first = next(lines, b"")
        except EOFError as exc:
            raise UpstreamFormatError(
                source.name, "gzip stream is truncated before the end of the header", line=1
            ) from exc
        except (OSError, zlib.error, zipfile.BadZipFile) as exc:
            raise UpstreamFormatError(
                source.name, f"cannot read the header: {exc}", line=1
            ) from exc
        if not first.strip():
            raise UpstreamFormatError(
                source.name, "file is empty, expected a t,i,j,k,v,q header", line=1
            )
        _check_header_line(source.name, first)


# ---------------------------------------------------------------------------------------------
# Second pass: find the first offending line, only after the fast path failed


def _gzip_lines(fh: io.BufferedIOBase) -> Iterator[bytes]:
    """Lines of a gzip stream; a truncated stream raises EOFError after its last complete line,
    with the partial line (if any) in the exception's args[1]."""
    decomp = zlib.decompressobj(wbits=31)
    pending = b""
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        data = decomp.decompress(chunk)
        while decomp.eof and decomp.unused_data:
            # Concatenated gzip members are legal; keep decompressing the next one.
            rest = decomp.unused_data
            decomp = zlib.decompressobj(wbits=31)
            data += decomp.decompress(rest)
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if not decomp.eof:
        raise EOFError("gzip stream ends before its end-of-stream marker", pending)
    if pending:
        yield pending


def _check_number(raw: str, col: str, *, integer: bool) -> str | None:
    """Why ``raw`` is not a valid BACI value of column ``col``, or None if it is."""
    if raw == "":
        return f"{_COLUMN_LABEL[col]} is empty"
    if integer:
        if not _INT_RE.match(raw):
            return f"{_COLUMN_LABEL[col]} is not an integer"
        low, high = _INT_RANGE[col]
        if not low <= int(raw) <= high:
            return f"{_COLUMN_LABEL[col]} is out of range"
        return None
    if not _FLOAT_RE.match(raw):
        return f"{_COLUMN_LABEL[col]} is not a number"
    value = float(raw)
    if not math.isfinite(value):
        return f"{_COLUMN_LABEL[col]} is not finite"
    if value < 0:
        return f"{_COLUMN_LABEL[col]} is negative"
    return None


def _row_problem(
    fields: list[str], hs6_filter: frozenset[str] | None
) -> tuple[str, str, str] | None:
    """(column, message, value) of the first problem in a data row, or None."""
    if len(fields) != len(BACI_COLUMNS):
        if len(fields) < len(BACI_COLUMNS):
            missing = BACI_COLUMNS[len(fields)]
            return (
                missing,
                f"row has {len(fields)} fields, BACI rows have 6 (missing {missing})",
                ",".join(fields),
            )
        return "q", f"row has {len(fields)} fields, BACI rows have 6", ",".join(fields)
    values = [f.strip() for f in fields]
    t, i, j, k, v, q = values
    if not _HS6_RE.match(k):
        if hs6_filter is None:
            return "k", f"{_COLUMN_LABEL['k']} is not an HS6 code (up to 6 digits)", fields[3]
        return None  # a row the filter drops is never cast by the fast path
    if hs6_filter is not None and k.zfill(6) not in hs6_filter:
        return None
    for col, raw in (("t", t), ("i", i), ("j", j)):
        why = _check_number(raw, col, integer=True)
        if why:
            return col, why, fields[BACI_COLUMNS.index(col)]
    why = _check_number(v, "v", integer=False)
    if why:
        return "v", why, fields[4]
    if q not in QUANTITY_MISSING:
        why = _check_number(q, "q", integer=False)
        if why:
            return "q", why, fields[5]
    return None


def find_baci_problem(
    source: BaciSource | Path | str, *, hs6_filter: Iterable[str] | None = None
) -> UpstreamFormatError | None:
    """Read a BACI trade table line by line and return an error for its first bad line, if any.

    This is the slow path behind every BACI error message; it checks what the fast path checks
    (header, field count, numbers, non-negative v/q, HS6 codes, gzip integrity) and returns None
    for a good file.
    """
    if not isinstance(source, BaciSource):
        found = baci_sources(source)
        for one in found:
            problem = find_baci_problem(one, hs6_filter=hs6_filter)
            if problem is not None:
                return problem
        return None
    wanted = frozenset(hs6_filter) if hs6_filter is not None else None
    name = source.name
    line_no = 0
    try:
        with _open_lines(source) as lines:
            for raw in lines:
                line_no += 1
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return UpstreamFormatError(
                        name, f"line is not UTF-8 text: {exc.reason}", line=line_no
                    )
                if line_no == 1:
                    try:
                        _check_header_line(name, raw)
                    except UpstreamFormatError as err:
                        return err
                    continue
                text = text.rstrip("\r\n")
                if text.replace(",", "") == "":
                    continue  # as in the fast path: no data, nothing to check
                if _GOOD_ROW_RE.match(text):
                    continue
                fields = text.split(",")
                if '"' in text:
                    # BACI never quotes; polars would read a quote as the start of a quoted
                    # field, possibly spanning lines, so point at it rather than guess.
                    col = next(c for c, f in zip(BACI_COLUMNS, fields, strict=False) if '"' in f)
                    return UpstreamFormatError(
                        name, "unexpected quote character", line=line_no, column=col, value=text
                    )
                problem = _row_problem(fields, wanted)
                if problem is not None:
                    col, why, value = problem
                    return UpstreamFormatError(name, why, line=line_no, column=col, value=value)
    except EOFError as exc:
        partial = exc.args[1] if len(exc.args) > 1 else b""
        if partial:
            fields = partial.decode("utf-8", errors="replace").rstrip("\r").split(",")
            column = BACI_COLUMNS[min(len(fields), len(BACI_COLUMNS)) - 1]
            return UpstreamFormatError(
                name,
                "gzip stream is truncated: the file ends inside this line",
                line=line_no + 1,
                column=column,
                value=partial.decode("utf-8", errors="replace")[:200],
            )
        return UpstreamFormatError(
            name,
            f"gzip stream is truncated after line {line_no}",
            line=line_no + 1,
            column=BACI_COLUMNS[0],
        )
    except (OSError, zlib.error, zipfile.BadZipFile) as exc:
        return UpstreamFormatError(name, f"cannot read the file: {exc}", line=line_no + 1)
    if line_no == 0:
        return UpstreamFormatError(name, "file is empty, expected a t,i,j,k,v,q header", line=1)
    return None


@contextmanager
def baci_errors(
    sources: Iterable[BaciSource], *, hs6_filter: Iterable[str] | None = None
) -> Iterator[None]:
    """Turn a failure while collecting BACI frames into an UpstreamFormatError with a line.

    On failure every source is re-read line by line (:func:`find_baci_problem`); the first bad
    line becomes the error. If the files are all fine the original exception propagates, since
    it did not come from them.

    Use around ``collect``/``sink_*`` of a :func:`scan_baci` frame::

        with baci_errors(baci_sources(paths)):
            scan_baci(paths).sink_parquet(out)
    """
    sources = list(sources)
    try:
        yield
    except UpstreamFormatError:
        raise
    except (pl.exceptions.PolarsError, _BaciBatchProblem, OSError, EOFError, zlib.error) as exc:
        for source in sources:
            problem = find_baci_problem(source, hs6_filter=hs6_filter)
            if problem is not None:
                raise problem from exc
        if not isinstance(exc, _BaciBatchProblem):
            raise  # the files are fine: the failure is not theirs (memory, disk, a caller's query)
        names = ", ".join(s.name for s in sources) or "(no files)"
        raise UpstreamFormatError(names, f"BACI column {exc} failed its check") from exc


# ---------------------------------------------------------------------------------------------
# Zip members on disk (polars scans paths, not zip members)

_EXTRACTED: dict[tuple[str, int, int, str], Path] = {}
_EXTRACT_ROOT: Path | None = None


def _extract_root() -> Path:
    global _EXTRACT_ROOT
    if _EXTRACT_ROOT is None:
        _EXTRACT_ROOT = Path(tempfile.mkdtemp(prefix="baci-members-"))
        atexit.register(shutil.rmtree, _EXTRACT_ROOT, True)
    return _EXTRACT_ROOT


def _extract_member(source: BaciSource, into: Path | None = None) -> Path:
    """Copy a zip member to disk (streamed, never held in memory) and return its path.

    Without ``into`` the copy lives for the rest of the process (a lazy frame may be collected
    long after :func:`scan_baci` returns) and is reused by later calls.
    """
    assert source.member is not None
    stat = source.path.stat()
    key = (str(source.path.resolve()), stat.st_size, stat.st_mtime_ns, source.member)
    if into is None and key in _EXTRACTED and _EXTRACTED[key].exists():
        return _EXTRACTED[key]
    target_dir = into if into is not None else Path(tempfile.mkdtemp(dir=_extract_root()))
    target = target_dir / source.member.rsplit("/", 1)[-1]
    try:
        with (
            zipfile.ZipFile(source.path) as zf,
            zf.open(source.member) as src,
            open(target, "wb") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UpstreamFormatError(source.name, f"cannot extract the zip member: {exc}") from exc
    if into is None:
        _EXTRACTED[key] = target
    return target


# ---------------------------------------------------------------------------------------------
# The fast path


def _guard(check: str, column: str):
    """A batch guard for the streaming engine: passes the batch through or raises."""

    def run(s: pl.Series) -> pl.Series:
        if check == "present":
            bad = s.null_count() > 0
        elif check == "hs6":
            bad = s.null_count() > 0 or not s.str.contains(_HS6_PATTERN).all()
        else:
            present = s.drop_nulls()
            bad = bool((present < 0).any()) or not present.is_finite().all()
            # A value is always published; only the quantity may be missing.
            bad = bad or (check == "value" and s.null_count() > 0)
        if bad:
            raise _BaciBatchProblem(column)
        return s

    return run


def _scan_one(
    source: BaciSource, path: Path, hs6_filter: frozenset[str] | None, years: frozenset[int] | None
) -> pl.LazyFrame:
    lf = pl.scan_csv(
        path,
        schema={c: pl.Utf8() for c in BACI_COLUMNS},
        has_header=True,
        encoding="utf8",
    )
    # An empty line (or one of bare commas) carries no data; polars reads it as an all-null row.
    lf = lf.filter(~pl.all_horizontal(pl.col(c).is_null() for c in BACI_COLUMNS))
    lf = lf.with_columns(pl.col("k").str.strip_chars())
    if hs6_filter is not None:
        # Filter on the text code before any numeric cast so that rows of other products cost
        # as little as possible; a bad k in a dropped row is never looked at, as in the slow pass.
        lf = lf.filter(pl.col("k").str.zfill(6).is_in(sorted(hs6_filter)))
    q = pl.col("q").str.strip_chars()
    lf = lf.select(
        year=pl.col("t").str.strip_chars().cast(pl.Int16, strict=True),
        exporter_code=pl.col("i").str.strip_chars().cast(pl.Int32, strict=True),
        importer_code=pl.col("j").str.strip_chars().cast(pl.Int32, strict=True),
        k=pl.col("k"),
        value_kusd=pl.col("v").str.strip_chars().cast(pl.Float64, strict=True),
        quantity_t=pl.when(q.is_in(list(QUANTITY_MISSING)))
        .then(None)
        .otherwise(q)
        .cast(pl.Float64, strict=True),
    )
    lf = lf.with_columns(
        pl.col(c).map_batches(
            _guard(check, c), return_dtype=BACI_SCHEMA.get(c, pl.Utf8()), is_elementwise=True
        )
        for c, check in (
            ("year", "present"),
            ("exporter_code", "present"),
            ("importer_code", "present"),
            ("k", "hs6"),
            ("value_kusd", "value"),
            ("quantity_t", "quantity"),
        )
    )
    lf = lf.select(
        "year",
        "exporter_code",
        "importer_code",
        hs6=pl.col("k").str.zfill(6),
        value_kusd="value_kusd",
        quantity_t="quantity_t",
        file=pl.lit(source.name, dtype=pl.Utf8),
    )
    if years is not None:
        lf = lf.filter(pl.col("year").is_in(sorted(years)))
    return lf


def _normalise_filter(hs6_filter: Iterable[str] | None) -> frozenset[str] | None:
    if hs6_filter is None:
        return None
    raw = [str(c).strip() for c in hs6_filter]
    bad = sorted(c for c in raw if not _HS6_RE.match(c))
    if bad:
        raise ValueError(f"hs6_filter holds codes that are not 6-digit HS codes: {bad[:5]}")
    return frozenset(c.zfill(6) for c in raw)


def scan_baci(
    paths: Iterable[Path | str] | Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
) -> pl.LazyFrame:
    """Lazily read BACI trade tables (CSV, CSV.gz, release zip, or a folder of them).

    Headers are checked now; content is checked when the frame is collected. Collect inside
    :func:`baci_errors` to get UpstreamFormatError with a line number instead of a polars error
    (:func:`read_baci` and :func:`iter_baci` do this). Zip members are extracted to a temporary
    folder that lives until the process exits: pass ``years`` to extract only the years needed,
    or use :func:`iter_baci`, which extracts one member at a time.
    """
    wanted = _normalise_filter(hs6_filter)
    year_set = frozenset(years) if years is not None else None
    sources = baci_sources(paths, years=year_set)
    if not sources:
        raise UpstreamFormatError(str(paths), "no BACI trade tables (BACI_*.csv[.gz]) found")
    frames = []
    for source in sources:
        validate_baci_header(source)
        path = _extract_member(source) if source.member is not None else source.path
        frames.append(_scan_one(source, path, wanted, year_set))
    return pl.concat(frames, how="vertical")


def iter_baci(
    paths: Iterable[Path | str] | Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
) -> Iterator[pl.DataFrame]:
    """Yield one collected frame per BACI trade table, reading them one after another.

    This keeps memory to one file's worth (zip members are extracted one at a time into a
    temporary folder removed right after use), which is what a multi-year run should use.
    """
    wanted = _normalise_filter(hs6_filter)
    year_set = frozenset(years) if years is not None else None
    sources = baci_sources(paths, years=year_set)
    if not sources:
        raise UpstreamFormatError(str(paths), "no BACI trade tables (BACI_*.csv[.gz]) found")
    for source in sources:
        validate_baci_header(source)
        with tempfile.TemporaryDirectory(prefix="baci-member-") as tmp:
            path = _extract_member(source, Path(tmp)) if source.member is not None else source.path
            with baci_errors([source], hs6_filter=wanted):
                frame = _scan_one(source, path, wanted, year_set).collect(engine="streaming")
        yield frame


def sink_baci_parquet(
    paths: Iterable[Path | str] | Path | str,
    out_dir: Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
) -> list[Path]:
    """Write each BACI trade table to ``out_dir/<its name>.parquet``, one file at a time.

    The way to turn a whole release into parquet within a fixed memory budget; returns the
    parquet paths in source order.
    """
    wanted = _normalise_filter(hs6_filter)
    year_set = frozenset(years) if years is not None else None
    sources = baci_sources(paths, years=year_set)
    if not sources:
        raise UpstreamFormatError(str(paths), "no BACI trade tables (BACI_*.csv[.gz]) found")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        validate_baci_header(source)
        stem = source.name.rsplit("/", 1)[-1].removesuffix(".gz").removesuffix(".csv")
        target = out_dir / f"{stem}.parquet"
        with tempfile.TemporaryDirectory(prefix="baci-member-") as tmp:
            path = _extract_member(source, Path(tmp)) if source.member is not None else source.path
            try:
                with baci_errors([source], hs6_filter=wanted):
                    _scan_one(source, path, wanted, year_set).sink_parquet(target)
            except BaseException:
                target.unlink(missing_ok=True)  # never leave half a table behind
                raise
        written.append(target)
    return written


def read_baci(
    paths: Iterable[Path | str] | Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
) -> pl.DataFrame:
    """Read BACI trade tables into one frame (file by file, see :func:`iter_baci`)."""
    frames = list(iter_baci(paths, hs6_filter, years=years))
    if not frames:
        return pl.DataFrame(schema=BACI_SCHEMA)
    return pl.concat(frames, how="vertical", rechunk=False)


# ---------------------------------------------------------------------------------------------
# Code tables


def _decode(path: Path) -> tuple[str, str]:
    """Text of a small code table and the encoding it was read with.

    BACI's code tables have been published in UTF-8 and in Windows-1252 over the releases; a
    byte that is invalid UTF-8 means the latter (latin-1 as a last resort, as it never fails).
    """
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def repair_mojibake(text: str | None) -> str | None:
    """Undo UTF-8 text that was decoded as Windows-1252/latin-1 and re-encoded (``CuraÃ§ao``).

    Returns the text unchanged when it does not round-trip, so correct names are left alone.
    """
    if text is None or text.isascii():
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return fixed
    return text


def _read_code_table(path: Path, expected: list[str]) -> tuple[list[list[str]], list[int]]:
    text, _ = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UpstreamFormatError(path.name, "file is empty", line=1)
    header = [h.strip() for h in header]
    if header != expected:
        diff = next(
            (n for n, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b),
            len(header),
        )
        col = expected[diff] if diff < len(expected) else header[diff]
        raise UpstreamFormatError(
            path.name,
            f"expected header {','.join(expected)}",
            line=1,
            column=col,
            value=",".join(header),
        )
    rows: list[list[str]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    for row in reader:
        if not row or all(c.strip() == "" for c in row):
            start = reader.line_num + 1
            continue  # trailing empty rows carry nothing
        if len(row) != len(expected):
            raise UpstreamFormatError(
                path.name,
                f"row has {len(row)} fields, expected {len(expected)}",
                line=start,
                value=",".join(row),
            )
        rows.append(row)
        lines.append(start)
        start = reader.line_num + 1
    return rows, lines


def parse_baci_country_codes(path: Path | str) -> pl.DataFrame:
    """BACI's country table (``country_codes_V202401b.csv``).

    Columns: ``baci_code`` Int32, ``country_name`` (as published), ``country_name_repaired``
    (the same with UTF-8 mojibake undone: ``CuraÃ§ao`` -> ``Curaçao``), ``iso2``, ``iso3`` (as
    published: BACI's own pseudo-codes such as ``S19`` for "Other Asia, nes" = Taiwan are kept,
    and an empty cell stays null), ``file``, ``line``.
    """
    path = Path(path)
    rows, lines = _read_code_table(
        path, ["country_code", "country_name", "country_iso2", "country_iso3"]
    )
    codes = []
    for row, line in zip(rows, lines, strict=True):
        raw = row[0].strip()
        if not _INT_RE.match(raw):
            raise UpstreamFormatError(
                path.name,
                "country code is not an integer",
                line=line,
                column="country_code",
                value=row[0],
            )
        codes.append(int(raw))

    def text(col: int) -> list[str | None]:
        return [r[col].strip() or None for r in rows]

    names = text(1)
    return pl.DataFrame(
        {
            "baci_code": pl.Series(codes, dtype=pl.Int32),
            "country_name": pl.Series(names, dtype=pl.Utf8),
            "country_name_repaired": pl.Series([repair_mojibake(n) for n in names], dtype=pl.Utf8),
            "iso2": pl.Series(text(2), dtype=pl.Utf8),
            "iso3": pl.Series(text(3), dtype=pl.Utf8),
            "file": pl.Series([path.name] * len(rows), dtype=pl.Utf8),
            "line": pl.Series(lines, dtype=pl.Int32),
        }
    )


def parse_baci_product_codes(path: Path | str) -> pl.DataFrame:
    """BACI's HS92 product table (``product_codes_HS92_V202401b.csv``).

    Columns: ``hs6`` Utf8 (6 chars, zero-padded even if the file lost the leading zero),
    ``description``, ``file``, ``line``. The file is read as UTF-8, or Windows-1252 if it is not
    valid UTF-8.
    """
    path = Path(path)
    rows, lines = _read_code_table(path, ["code", "description"])
    codes = []
    for row, line in zip(rows, lines, strict=True):
        raw = row[0].strip()
        if not _HS6_RE.match(raw):
            raise UpstreamFormatError(
                path.name, "product code is not an HS6 code", line=line, column="code", value=row[0]
            )
        codes.append(raw.zfill(6))
    return pl.DataFrame(
        {
            "hs6": pl.Series(codes, dtype=pl.Utf8),
            "description": pl.Series([r[1].strip() or None for r in rows], dtype=pl.Utf8),
            "file": pl.Series([path.name] * len(rows), dtype=pl.Utf8),
            "line": pl.Series(lines, dtype=pl.Int32),
        }
    )
