"""Read CEPII BACI bilateral trade files (HS92, release V202401b) into typed polars frames.

BACI publishes one CSV per year (``BACI_HS92_Y2022_V202401b.csv``, ~11M rows each) inside a
release zip (``BACI_HS92_V202401b.zip``) that also holds the country and product code tables
and a Readme. The project also keeps a gzipped extract of the critical-raw-material codes
(``BACI_HS92_V202401b_critical_subset.csv.gz``). All share BACI's layout ``t,i,j,k,v,q``:

    t year, i exporter and j importer (BACI country codes), k HS6 product,
    v value in thousand current USD, q quantity in metric tons (gross weight of the good).

Parquet copies of those tables (same six columns, typed or as text) are read too.

Output of :func:`scan_baci` / :func:`read_baci` / :func:`iter_baci`:

    year Int16, exporter_code Int32, importer_code Int32, hs6 Utf8 (6 chars, zero-padded),
    value_kusd Float64, quantity_t Float64 (null where BACI has no quantity), file Utf8.

Quirks handled: ``q`` published as ``NA`` (optionally space-padded) or blank -> null quantity;
codes and values padded with spaces; ``k`` that lost its leading zero (``10121`` -> ``010121``);
CRLF line ends; a UTF-8 byte-order mark before the header.

Checks (each failure names the file, the 1-based line and the column): the header; six fields
on every line; integer t/i/j, an HS6 code in k, numbers in v and q; v and q not negative and
not absurd (v above :data:`MAX_VALUE_KUSD`, q above :data:`MAX_QUANTITY_T`); one row per
t, i, j, k; and, when BACI's own code tables sit next to the trade table (same folder or same
release zip; see :func:`find_code_tables`), every i and j in the country table and every k in
the product table. With an ``hs6_filter`` only the rows the filter keeps are checked, so a
damaged row of another product never stops a run that does not use it.

Scale: each file is scanned lazily with t, i, j and v parsed by the CSV reader itself and k and
q as text, and the HS6 filter drops rows on the raw code text before anything else is computed.
Polars' reader fills a row that is short of fields with nulls, which for a missing q would look
like a blank quantity, so the file's commas and line ends are also counted (numpy when it is
installed, ~0.1 s per 11M-row year, in a thread beside the scan; ``bytes.count`` otherwise) and
a count that does not come to six fields a line sends the file to the second pass. Measured on
synthetic 11M-row years (``benchmarks/results/baci_ingest.md``, 2 cores): ~1 s a year of CSV,
~0.3 s of Parquet, and ~0.4-0.6 GB RSS whatever the number of years, since :func:`iter_baci`
holds one file at a time. Zip members are extracted to disk first (polars scans paths); the
file-by-file functions extract one member at a time and delete it.

Malformed input raises :class:`~transforms.errors.UpstreamFormatError` naming the file (for zip
members ``release.zip/member.csv``), the line and the column. The fast path casts strictly and
guards each batch; only when that fails does a second pass find the first bad line: a vectorised
search over the file as text (seconds for 11M rows), then, if that finds nothing, a line-by-line
read (~25 s for 11M rows). Correct files never pay for either.
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._csv import find_markup

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

MAX_QUANTITY_T = 1e10
"""A flow heavier than this (10 Gt, more than all the coal mined on Earth in a year) is a
corrupt figure, not trade. The largest real flow, Australian iron ore to China, is ~0.75 Gt."""
MAX_VALUE_KUSD = 1e9
"""A flow worth more than this (USD 1 trillion for one product between two economies in a year)
is a corrupt figure: the largest real flows are near USD 0.1 trillion."""

KEY_COLUMNS = ("year", "exporter_code", "importer_code", "hs6")
"""BACI publishes one row per year, exporter, importer and product."""

_COLUMN_LABEL = {
    "t": "t (year)",
    "i": "i (exporter)",
    "j": "j (importer)",
    "k": "k (HS6 product)",
    "v": "v (value, thousand USD)",
    "q": "q (quantity, t)",
}
_OUTPUT_TO_COLUMN = {
    "year": "t",
    "exporter_code": "i",
    "importer_code": "j",
    "hs6": "k",
    "value_kusd": "v",
    "quantity_t": "q",
}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
# HS6 codes are digits that may have lost leading zeros; BACI also publishes a legacy non-WCO
# code of six letters and digits (9999AA, "commodities not specified") which is kept as is.
_HS6_PATTERN = r"^([0-9]{1,6}|[0-9A-Z]{6})$"
_HS6_RE = re.compile(_HS6_PATTERN)
_NUM = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# A row that matches this is well formed (non-negative numbers, codes within Int16/Int32
# range); the second pass still checks its bounds, codes and key, but skips the field parsing.
_GOOD_ROW_RE = re.compile(  # ASCII only: \d would take any script's digits
    rf"^ *(\d{{1,4}}) *, *(\d{{1,9}}) *, *(\d{{1,9}}) *, *(\d{{1,6}}|[0-9A-Z]{{6}}) *, *({_NUM}) *,"
    rf" *({_NUM}|NA)? *$",
    re.ASCII,
)
_YEAR_IN_NAME = re.compile(r"_Y(\d{4})_")
_INT_RANGE = {"t": (-(2**15), 2**15 - 1), "i": (-(2**31), 2**31 - 1), "j": (-(2**31), 2**31 - 1)}
# What the CSV reader parses itself; k stays text (leading zeros, 9999AA) and so does q (NA).
_READ_SCHEMA = {
    "t": pl.Int16(),
    "i": pl.Int32(),
    "j": pl.Int32(),
    "k": pl.Utf8(),
    "v": pl.Float64(),
    "q": pl.Utf8(),
}
_TRADE_SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class BaciSource:
    """One BACI trade table: a CSV, CSV.gz or Parquet file, or a CSV member of a release zip."""

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

    @property
    def is_parquet(self) -> bool:
        return (self.member or self.path.name).lower().endswith(".parquet")


@dataclass(frozen=True)
class BaciCodeTables:
    """BACI's country and product code tables, as the sets of codes a trade table may use."""

    countries: frozenset[int]
    products: frozenset[str]
    countries_file: str
    products_file: str


class _BaciBatchProblem(Exception):
    """Raised inside a polars batch guard; turned into an UpstreamFormatError by a second pass."""


@dataclass(frozen=True)
class _Checks:
    """What the row checks need besides the row: the filter and the code tables."""

    hs6_filter: frozenset[str] | None = None
    codes: BaciCodeTables | None = None


# ---------------------------------------------------------------------------------------------
# Finding the trade tables


def _is_trade_table(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    lower = base.lower()
    if not lower.endswith(_TRADE_SUFFIXES):
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
            except (zipfile.BadZipFile, OSError) as exc:
                raise UpstreamFormatError(
                    path.name, f"not a readable zip archive: {exc}", line=None
                ) from exc
            if not members:
                raise UpstreamFormatError(path.name, "zip holds no BACI trade CSV (BACI_*.csv)")
            found.extend(BaciSource(f"{path.name}/{m}", path, m) for m in members)
        else:
            found.append(BaciSource(path.name, path))
    if wanted is not None:
        found = [s for s in found if s.year is None or s.year in wanted]
    return found


# ---------------------------------------------------------------------------------------------
# Code tables next to a trade table


def _code_table_candidates(names: Iterable[str]) -> tuple[list[str], list[str]]:
    countries, products = [], []
    for name in names:
        base = name.rsplit("/", 1)[-1].lower()
        if base.endswith(".csv") and base.startswith("country_codes"):
            countries.append(name)
        elif base.endswith(".csv") and base.startswith("product_codes"):
            products.append(name)
    return sorted(countries), sorted(products)


def load_code_tables(country_codes: Path | str, product_codes: Path | str) -> BaciCodeTables:
    """The code sets of BACI's ``country_codes_*.csv`` and ``product_codes_*.csv``."""
    countries = parse_baci_country_codes(country_codes)
    products = parse_baci_product_codes(product_codes)
    return BaciCodeTables(
        countries=frozenset(countries["baci_code"].to_list()),
        products=frozenset(products["hs6"].to_list()),
        countries_file=Path(country_codes).name,
        products_file=Path(product_codes).name,
    )


def find_code_tables(source: BaciSource) -> BaciCodeTables | None:
    """BACI's code tables shipped with a trade table: in its folder, or in its release zip.

    None unless exactly one country table and one product table are found, so a folder of
    several releases is read without code checks rather than checked against the wrong table.
    """
    if source.member is not None:
        with zipfile.ZipFile(source.path) as zf:
            countries, products = _code_table_candidates(i.filename for i in zf.infolist())
            if len(countries) != 1 or len(products) != 1:
                return None
            with tempfile.TemporaryDirectory(prefix="baci-codes-") as tmp:
                paths = []
                for member in (countries[0], products[0]):
                    target = Path(tmp) / member.rsplit("/", 1)[-1]
                    target.write_bytes(zf.read(member))
                    paths.append(target)
                return load_code_tables(*paths)
    folder = source.path.parent
    countries, products = _code_table_candidates(p.name for p in folder.iterdir() if p.is_file())
    if len(countries) != 1 or len(products) != 1:
        return None
    return load_code_tables(folder / countries[0], folder / products[0])


_CODE_CACHE: dict[tuple, BaciCodeTables | None] = {}


def _codes_for(
    source: BaciSource, code_tables: BaciCodeTables | Literal["auto"] | None
) -> BaciCodeTables | None:
    if code_tables != "auto":
        return code_tables
    where = source.path if source.member is not None else source.path.parent
    stat = where.stat()
    key = (str(where.resolve()), stat.st_mtime_ns, source.member is not None)
    if key not in _CODE_CACHE:
        _CODE_CACHE[key] = find_code_tables(source)
    return _CODE_CACHE[key]


# ---------------------------------------------------------------------------------------------
# Raw byte access shared by the header check, the field count and the second pass


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


def _validate_parquet_columns(source: BaciSource) -> None:
    try:
        names = list(pl.scan_parquet(source.path).collect_schema().names())
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise UpstreamFormatError(source.name, f"not a readable Parquet file: {exc}") from exc
    missing = [c for c in BACI_COLUMNS if c not in names]
    if missing:
        raise UpstreamFormatError(
            source.name,
            f"Parquet file lacks BACI column(s) {', '.join(missing)} (has {', '.join(names)})",
            column=missing[0],
        )


def validate_baci_header(path: Path | str | BaciSource) -> None:
    """Check that a BACI trade table (or every one in a zip/folder) starts with ``t,i,j,k,v,q``.

    Raises UpstreamFormatError naming the file, line 1 and the first column that differs.
    """
    sources = [path] if isinstance(path, BaciSource) else baci_sources(path)
    for source in sources:
        if source.is_parquet:
            _validate_parquet_columns(source)
            continue
        if source.member is None and source.path.stat().st_size == 0:
            raise UpstreamFormatError(
                source.name, "file is empty (0 bytes), expected a t,i,j,k,v,q header", line=1
            )
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


def _count_bytes(chunk: bytes | bytearray | memoryview, size: int) -> tuple[int, int]:
    """Commas and line feeds in the first ``size`` bytes of ``chunk``."""
    if _np is not None:
        view = _np.frombuffer(chunk, dtype=_np.uint8, count=size)
        return int(_np.count_nonzero(view == 44)), int(_np.count_nonzero(view == 10))
    data = bytes(chunk[:size])
    return data.count(b","), data.count(b"\n")


try:  # numpy makes the field count ~5x faster; it is optional (bytes.count is the fallback)
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the environment
    _np = None


def _count_fields(path: Path, gzipped: bool) -> tuple[int, int] | None:
    """(commas, lines) of a trade table, or None for a truncated gzip stream."""
    commas = lines = 0
    last = b"\n"
    if gzipped:
        decomp = zlib.decompressobj(wbits=31)
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                data = decomp.decompress(chunk)
                while decomp.eof and decomp.unused_data:
                    rest = decomp.unused_data
                    decomp = zlib.decompressobj(wbits=31)
                    data += decomp.decompress(rest)
                if data:
                    c, n = _count_bytes(data, len(data))
                    commas, lines, last = commas + c, lines + n, data[-1:]
        if not decomp.eof:
            return None  # truncated stream: the second pass says where
    else:
        buf = bytearray(1 << 22)
        with open(path, "rb", buffering=0) as fh:
            while size := fh.readinto(buf):
                c, n = _count_bytes(buf, size)
                commas, lines, last = commas + c, lines + n, bytes(buf[size - 1 : size])
    if last != b"\n":
        lines += 1  # a last line without its line end still counts
    return commas, lines


def _empty_lines(source: BaciSource) -> int:
    """Lines without any character but their line end (no fields at all)."""
    with _open_lines(source) as lines:
        return sum(1 for line in lines if not line.strip(b"\r\n"))


def _fields_add_up(path: Path, gzipped: bool) -> bool:
    """True when the file has exactly six fields on every line (commas = 5 x lines).

    Empty lines break the equality without being wrong; :func:`_precheck` allows for them.
    """
    counted = _count_fields(path, gzipped)
    return counted is not None and counted[0] == 5 * counted[1]


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
    return _check_amount(float(raw), col)


def _check_amount(value: float, col: str) -> str | None:
    if not math.isfinite(value):
        return f"{_COLUMN_LABEL[col]} is not finite"
    if value < 0:
        return f"{_COLUMN_LABEL[col]} is negative"
    limit = MAX_VALUE_KUSD if col == "v" else MAX_QUANTITY_T
    if value > limit:
        return f"{_COLUMN_LABEL[col]} is absurd (above {limit:.0e}): not a real trade flow"
    return None


def _check_codes(t: str, i: str, j: str, k: str, checks: _Checks) -> tuple[str, str, str] | None:
    """(column, message, value) for a code missing from BACI's tables, else None."""
    codes = checks.codes
    if codes is None:
        return None
    for col, raw in (("i", i), ("j", j)):
        if int(raw) not in codes.countries:
            return (
                col,
                f"{_COLUMN_LABEL[col]} {int(raw)} is not in BACI's country table "
                f"{codes.countries_file}",
                raw,
            )
    if k.zfill(6) not in codes.products:
        return "k", f"{_COLUMN_LABEL['k']} is not in BACI's product table {codes.products_file}", k
    return None


def _row_problem(fields: list[str], checks: _Checks) -> tuple[str, str, str] | None:
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
    # Spaces only, as the fast path strips them (Python's strip() also takes \x1c-\x1f).
    values = [f.strip(" ") for f in fields]
    t, i, j, k, v, q = values
    wanted = checks.hs6_filter
    if not _HS6_RE.match(k):
        if wanted is None:
            return "k", f"{_COLUMN_LABEL['k']} is not an HS6 code (up to 6 digits)", fields[3]
        return None  # a row the filter drops is never cast by the fast path
    if wanted is not None and k.zfill(6) not in wanted:
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
    return _check_codes(t, i, j, k, checks)


def _good_row_problem(match: re.Match[str], checks: _Checks) -> tuple[str, str, str] | None:
    """The checks a well-formed row still needs: filter, bounds, codes."""
    t, i, j, k, v, q = match.groups()
    if checks.hs6_filter is not None and k.zfill(6) not in checks.hs6_filter:
        return None
    why = _check_amount(float(v), "v")
    if why:
        return "v", why, v
    if q not in (None, "NA"):
        why = _check_amount(float(q), "q")
        if why:
            return "q", why, q
    return _check_codes(t, i, j, k, checks)


def _byte_column(raw: bytes, exc: UnicodeDecodeError) -> str:
    """The BACI column a byte offset of a line falls in."""
    return BACI_COLUMNS[min(raw[: exc.start].count(b","), len(BACI_COLUMNS) - 1)]


_INT_TEXT = r"^[+-]?[0-9]+$"
_FLOAT_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _locate_with_polars(
    source: BaciSource, path: Path, checks: _Checks
) -> UpstreamFormatError | None:
    """The first data line that fails a check, by one vectorised pass over the file as text.

    Every line is a row (no quoting, lossy UTF-8), so the row index gives the line. None when
    no row fails or polars cannot read the file as six text columns (a row with more fields,
    a truncated gzip stream): the line-by-line pass decides those.
    """
    cols = BACI_COLUMNS
    text = {c: pl.col(c).str.strip_chars(" ") for c in cols}

    def integer(e: pl.Expr, col: str) -> pl.Expr:
        low, high = _INT_RANGE[col]
        return e.str.contains(_INT_TEXT) & e.cast(pl.Int64, strict=False).is_between(low, high)

    def amount(e: pl.Expr, limit: float) -> pl.Expr:
        x = e.cast(pl.Float64, strict=False)
        return e.str.contains(_FLOAT_TEXT) & x.is_finite() & (x >= 0) & (x <= limit)

    t, i, j, k, v, q = (text[c] for c in cols)
    hs_ok = k.str.contains(_HS6_PATTERN).fill_null(False)
    kept = hs_ok
    if checks.hs6_filter is not None:
        kept = hs_ok & k.str.zfill(6).is_in(sorted(checks.hs6_filter))
    row_ok = (
        integer(t, "t")
        & integer(i, "i")
        & integer(j, "j")
        & amount(v, MAX_VALUE_KUSD)
        & (q.is_null() | q.is_in(["", "NA"]) | amount(q, MAX_QUANTITY_T))
    )
    if checks.codes is not None:
        countries = sorted(checks.codes.countries)
        row_ok = (
            row_ok
            & i.cast(pl.Int64, strict=False).is_in(countries)
            & j.cast(pl.Int64, strict=False).is_in(countries)
            & k.str.zfill(6).is_in(sorted(checks.codes.products))
        )
    empty = pl.all_horizontal(pl.col(c).is_null() for c in cols)
    odd = pl.any_horizontal(
        pl.col(c).str.contains('"', literal=True) | pl.col(c).str.contains("\ufffd", literal=True)
        for c in cols
    ).fill_null(False)
    bad = ~empty & (odd | (kept & ~row_ok.fill_null(False)))
    if checks.hs6_filter is None:
        bad = bad | (~empty & ~hs_ok)
    try:
        found = (
            pl.scan_csv(
                path,
                has_header=True,
                new_columns=list(cols),
                schema_overrides=dict.fromkeys(cols, pl.Utf8()),
                quote_char=None,
                encoding="utf8-lossy",
            )
            .with_row_index("_row")
            .filter(bad)
            .head(1)
            .collect(engine="streaming")
        )
    except (pl.exceptions.PolarsError, OSError):
        return None
    if found.height == 0:
        return None
    row = found.row(0, named=True)
    line = int(row["_row"]) + 2  # 0-based row after the header line
    fields = ["" if row[c] is None else row[c] for c in cols]
    raw = ",".join(fields)
    for c, f in zip(cols, fields, strict=True):
        if "\ufffd" in f:
            return UpstreamFormatError(
                source.name, "line is not UTF-8 text", line=line, column=c, value=raw[:200]
            )
        if '"' in f:
            return UpstreamFormatError(
                source.name, "unexpected quote character", line=line, column=c, value=raw[:200]
            )
    problem = _row_problem(fields, checks)
    if problem is None:
        return None  # the two passes disagree: let the line-by-line pass decide
    col, why, value = problem
    return UpstreamFormatError(source.name, why, line=line, column=col, value=value)


def find_baci_problem(
    source: BaciSource | Path | str,
    *,
    hs6_filter: Iterable[str] | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = None,
    path: Path | None = None,
    exhaustive: bool = True,
) -> UpstreamFormatError | None:
    """Find the first bad line of a BACI trade table; an error naming it, or None.

    This is the slow path behind every BACI error message; it checks what the fast path checks
    (header, field count, numbers, non-negative and plausible v/q, HS6 codes, codes in BACI's
    tables when given, gzip integrity) and returns None for a good file. Duplicated keys are
    located by :func:`find_duplicate_line`. A vectorised search over the file as text finds
    most problems in seconds (``path``: the file on disk, for a zip member its extracted copy);
    the line-by-line pass (~25 s for an 11M-row year) runs only when that search finds nothing
    and ``exhaustive`` is true.
    """
    if not isinstance(source, BaciSource):
        for one in baci_sources(source):
            problem = find_baci_problem(one, hs6_filter=hs6_filter, code_tables=code_tables)
            if problem is not None:
                return problem
        return None
    if source.is_parquet:
        return _find_parquet_problem(source, hs6_filter=hs6_filter, code_tables=code_tables)
    checks = _Checks(
        frozenset(hs6_filter) if hs6_filter is not None else None,
        _codes_for(source, code_tables),
    )
    on_disk = path if path is not None else (source.path if source.member is None else None)
    if on_disk is not None:
        problem = _locate_with_polars(source, on_disk, checks)
        if problem is not None or not exhaustive:
            return problem
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
                        name,
                        f"line is not UTF-8 text: {exc.reason}",
                        line=line_no,
                        column=_byte_column(raw, exc),
                        value=raw.decode("utf-8", errors="replace").rstrip("\r\n")[:200],
                    )
                if line_no == 1:
                    try:
                        _check_header_line(name, raw)
                    except UpstreamFormatError as err:
                        return err
                    continue
                text = text.rstrip("\r\n")
                if text.replace(",", "").strip(" ") == "" and text.count(",") in (0, 5):
                    continue  # as in the fast path: no data, nothing to check
                good = _GOOD_ROW_RE.match(text)
                if good is not None:
                    problem = _good_row_problem(good, checks)
                    if problem is not None:
                        col, why, value = problem
                        return UpstreamFormatError(name, why, line=line_no, column=col, value=value)
                    continue
                fields = text.split(",")
                quoted = [c for c, f in zip(BACI_COLUMNS, fields, strict=False) if '"' in f]
                if quoted:
                    # BACI never quotes; a quote would make a CSV reader join fields or lines,
                    # so point at it rather than guess. (Beyond the sixth field, the field
                    # count is the problem to report.)
                    return UpstreamFormatError(
                        name,
                        "unexpected quote character",
                        line=line_no,
                        column=quoted[0],
                        value=text,
                    )
                problem = _row_problem(fields, checks)
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


def find_duplicate_line(
    source: BaciSource, keys: Iterable[tuple[int, int, int, str]]
) -> UpstreamFormatError | None:
    """The first line that repeats an earlier row's t, i, j, k, among the given keys.

    ``keys`` are the duplicated keys the fast path found, so only those are remembered.
    """
    wanted = set(keys)
    seen: dict[tuple[int, int, int, str], int] = {}
    if source.is_parquet:
        frame = (
            _parquet_typed(pl.scan_parquet(source.path), source)
            .with_row_index("_row", offset=1)
            .collect()
        )
        for row, *key in frame.select("_row", *KEY_COLUMNS).iter_rows():
            key_t = tuple(key)
            if key_t in wanted:
                if key_t in seen:
                    return _duplicate_error(source.name, None, key_t, seen[key_t], row)
                seen[key_t] = row
        return None
    with _open_lines(source) as lines:
        for line_no, raw in enumerate(lines, start=1):
            if line_no == 1:
                continue
            fields = raw.decode("utf-8", errors="replace").strip().split(",")
            if len(fields) != len(BACI_COLUMNS):
                continue
            try:
                key = (
                    int(fields[0]),
                    int(fields[1]),
                    int(fields[2]),
                    fields[3].strip().zfill(6),
                )
            except ValueError:
                continue
            if key in wanted:
                if key in seen:
                    return _duplicate_error(source.name, line_no, key, seen[key], None)
                seen[key] = line_no
    return None


def _duplicate_error(
    name: str, line: int | None, key: tuple, first: int, row: int | None
) -> UpstreamFormatError:
    where = f"line {first}" if line is not None else f"row {first}"
    return UpstreamFormatError(
        name,
        f"duplicated key t,i,j,k = {','.join(map(str, key))}: BACI has one row per year, "
        f"exporter, importer and product, and {where} already holds it"
        + (f" (Parquet row {row})" if row is not None else ""),
        line=line,
        column="k",
        value=",".join(map(str, key)),
    )


@contextmanager
def baci_errors(
    sources: Iterable[BaciSource],
    *,
    hs6_filter: Iterable[str] | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = "auto",
    paths: dict[str, Path] | None = None,
) -> Iterator[None]:
    """Turn a failure while collecting BACI frames into an UpstreamFormatError with a line.

    ``paths`` maps a source's name to its file on disk where that is not ``source.path`` (an
    extracted zip member), so the fast search can read it.

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
            problem = find_baci_problem(
                source,
                hs6_filter=hs6_filter,
                code_tables=code_tables,
                path=(paths or {}).get(source.name),
            )
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


def _guard(s: pl.Series) -> pl.Series:
    """A batch guard for the streaming engine: passes a batch of good rows through or raises.

    ``s`` is a struct of the year and the row's ``_bad`` flag; returning the year makes every
    output row depend on the guard, so the optimiser cannot drop it.
    """
    if s.struct.field("_bad").any():
        raise _BaciBatchProblem("row check")
    return s.struct.field("year")


def _bad_rows(checks: _Checks) -> pl.Expr:
    """True for a typed row (year..quantity_t) that fails any check of the fast path."""
    v, q = pl.col("value_kusd"), pl.col("quantity_t")
    bad = (
        pl.any_horizontal(
            pl.col(c).is_null() for c in ("year", "exporter_code", "importer_code", "value_kusd")
        )
        | ~pl.col("hs6").str.contains(_HS6_PATTERN).fill_null(False)
        | ~v.is_finite()
        | (v < 0)
        | (v > MAX_VALUE_KUSD)
        | (q.is_not_null() & (~q.is_finite() | (q < 0) | (q > MAX_QUANTITY_T)))
    )
    codes = checks.codes
    if codes is not None:
        countries = sorted(codes.countries)
        bad = (
            bad
            | ~pl.col("exporter_code").is_in(countries)
            | ~pl.col("importer_code").is_in(countries)
            | ~pl.col("hs6").str.zfill(6).is_in(sorted(codes.products))
        )
    return bad.fill_null(True)


def _with_checks(lf: pl.LazyFrame, checks: _Checks, source: BaciSource) -> pl.LazyFrame:
    """Typed rows (year..quantity_t) -> the output columns, guarded by every row check."""
    guarded = pl.struct(pl.col("year"), _bad_rows(checks).alias("_bad")).map_batches(
        _guard, return_dtype=pl.Int16, is_elementwise=True
    )
    return lf.select(
        year=guarded,
        exporter_code="exporter_code",
        importer_code="importer_code",
        hs6=pl.col("hs6").str.zfill(6),
        value_kusd="value_kusd",
        quantity_t="quantity_t",
        file=pl.lit(source.name, dtype=pl.Utf8),
    )


def _hs6_prefilter(k: pl.Expr, wanted: frozenset[str]) -> pl.Expr:
    """Rows whose raw k text can be one of ``wanted``: exact codes, codes that lost their
    leading zeros, and (to be stripped and looked at again) any text that is not 6 bytes."""
    exact = sorted(wanted | {c.lstrip("0") or "0" for c in wanted})
    return k.is_in(exact) | (k.str.len_bytes() != 6)


def _scan_csv_one(
    source: BaciSource,
    path: Path,
    checks: _Checks,
    years: frozenset[int] | None,
    *,
    typed: bool = True,
) -> pl.LazyFrame:
    """The lazy scan of one CSV trade table.

    ``typed``: the CSV reader parses t, i, j and v itself (fastest), but then a bad value in
    *any* row, even one the HS6 filter drops, fails the scan; the text scan reads every column
    as text and casts only the rows it keeps. :func:`_collect_one` tries the first, then the
    second.
    """
    # quote_char None: BACI never quotes, and a stray quote must fail a check rather than
    # silently join fields.
    schema = _READ_SCHEMA if typed else dict.fromkeys(BACI_COLUMNS, pl.Utf8())
    # The header was checked already (quoted names too); its cells are renamed, so polars reads
    # rows by position only.
    lf = pl.scan_csv(
        path,
        has_header=True,
        new_columns=list(BACI_COLUMNS),
        schema_overrides=schema,
        encoding="utf8",
        quote_char=None,
    )
    # An empty line (or one of bare commas) carries no data; polars reads it as an all-null row.
    lf = lf.filter(~pl.all_horizontal(pl.col(c).is_null() for c in BACI_COLUMNS))
    k = pl.col("k")
    if checks.hs6_filter is not None:
        # Drop rows of other products on the raw text, before anything else is computed; a bad
        # value in a dropped row is never looked at (by the text scan), as in the slow pass.
        lf = lf.filter(_hs6_prefilter(k, checks.hs6_filter))
        lf = lf.with_columns(k.str.strip_chars(" "))
        lf = lf.filter(k.str.zfill(6).is_in(sorted(checks.hs6_filter)))
    else:
        lf = lf.with_columns(k.str.strip_chars(" "))

    def number(col: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(col) if typed else pl.col(col).str.strip_chars(" ").cast(dtype, strict=True)

    if years is not None:
        lf = lf.filter(number("t", pl.Int16()).is_in(sorted(years)))
    q = pl.col("q").str.strip_chars(" ")
    lf = lf.select(
        year=number("t", pl.Int16()),
        exporter_code=number("i", pl.Int32()),
        importer_code=number("j", pl.Int32()),
        hs6=k,
        value_kusd=number("v", pl.Float64()),
        quantity_t=pl.when(q.is_in(list(QUANTITY_MISSING)))
        .then(None)
        .otherwise(q)
        .cast(pl.Float64, strict=True),
    )
    return _with_checks(lf, checks, source)


def _parquet_typed(lf: pl.LazyFrame, source: BaciSource) -> pl.LazyFrame:
    """A Parquet trade table's six columns cast to the output types (k and q may be text)."""
    schema = lf.collect_schema()
    # Integer codes lost their leading zeros (zfill restores them); text codes may be padded.
    k = pl.col("k").cast(pl.Utf8)
    if not schema["k"].is_integer():
        k = k.str.strip_chars(" ")
    q = pl.col("q")
    if schema["q"] in (pl.Utf8, pl.String):
        text = q.str.strip_chars(" ")
        q = pl.when(text.is_in(list(QUANTITY_MISSING))).then(None).otherwise(text)
    return lf.select(
        year=pl.col("t").cast(pl.Int16, strict=True),
        exporter_code=pl.col("i").cast(pl.Int32, strict=True),
        importer_code=pl.col("j").cast(pl.Int32, strict=True),
        hs6=k,
        value_kusd=pl.col("v").cast(pl.Float64, strict=True),
        quantity_t=q.cast(pl.Float64, strict=True),
    )


def _scan_parquet_one(
    source: BaciSource, checks: _Checks, years: frozenset[int] | None
) -> pl.LazyFrame:
    lf = pl.scan_parquet(source.path)
    schema = lf.collect_schema()
    if checks.hs6_filter is not None:
        k = pl.col("k")
        if schema["k"].is_integer():
            codes = sorted({int(c) for c in checks.hs6_filter if c.isascii() and c.isdigit()})
            lf = lf.filter(k.is_in(codes))
        else:
            lf = lf.filter(_hs6_prefilter(k, checks.hs6_filter))
    lf = _parquet_typed(lf, source)
    if checks.hs6_filter is not None:
        lf = lf.filter(pl.col("hs6").str.zfill(6).is_in(sorted(checks.hs6_filter)))
    if years is not None:
        lf = lf.filter(pl.col("year").is_in(sorted(years)))
    return _with_checks(lf, checks, source)


def _find_parquet_problem(
    source: BaciSource,
    *,
    hs6_filter: Iterable[str] | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = None,
) -> UpstreamFormatError | None:
    """The first bad row of a Parquet trade table (rows are 1-based; Parquet has no header)."""
    _validate_parquet_columns(source)
    checks = _Checks(
        frozenset(hs6_filter) if hs6_filter is not None else None,
        _codes_for(source, code_tables),
    )
    raw = pl.scan_parquet(source.path).select(BACI_COLUMNS).with_row_index("_row", offset=1)
    try:
        # Where the columns cast cleanly, the typed checks find the first bad row at once.
        bad_rows = (
            _parquet_typed(pl.scan_parquet(source.path), source)
            .with_row_index("_row", offset=1)
            .filter(_bad_rows(checks))
        )
        if checks.hs6_filter is not None:
            bad_rows = bad_rows.filter(pl.col("hs6").str.zfill(6).is_in(sorted(checks.hs6_filter)))
        candidates: list[int] | None = bad_rows.select("_row").head(1).collect()["_row"].to_list()
    except pl.exceptions.PolarsError:
        candidates = None  # a column does not even cast: look at every row as text
    text = raw.select("_row", *[pl.col(c).cast(pl.Utf8) for c in BACI_COLUMNS])
    if candidates is not None:
        if not candidates:
            return None
        text = text.filter(pl.col("_row") == candidates[0])
    for row, *fields in text.collect().iter_rows():
        cells = ["" if f is None else f for f in fields]
        problem = _row_problem(cells, checks)
        if problem is None and candidates:
            problem = ("v", "value or quantity is not a finite number", ",".join(cells))
        if problem is not None:
            col, why, value = problem
            return UpstreamFormatError(
                source.name, f"Parquet row {row}: {why}", column=col, value=value
            )
    return None


def _normalise_filter(hs6_filter: Iterable[str] | None) -> frozenset[str] | None:
    if hs6_filter is None:
        return None
    raw = [str(c).strip() for c in hs6_filter]
    bad = sorted(c for c in raw if not _HS6_RE.match(c))
    if bad:
        raise ValueError(f"hs6_filter holds codes that are not 6-digit HS codes: {bad[:5]}")
    return frozenset(c.zfill(6) for c in raw)


def _fields_ok(source: BaciSource, path: Path) -> bool:
    if source.is_parquet:
        return True
    return _fields_add_up(path, (source.member or source.path.name).lower().endswith(".gz"))


def _precheck(
    source: BaciSource, path: Path, checks: _Checks, *, fields_ok: bool | None = None
) -> None:
    """Six fields on every line (see module docstring), or the second pass says where not."""
    if fields_ok is None:
        fields_ok = _fields_ok(source, path)
    if fields_ok:
        return
    problem = find_baci_problem(
        source, hs6_filter=checks.hs6_filter, code_tables=checks.codes, path=path, exhaustive=False
    )
    if problem is not None:
        raise problem
    # Nothing found by the fast search: either empty lines (harmless) or a row short of only
    # its last field, which only the line-by-line pass can tell from a blank quantity.
    counted = _count_fields(path, (source.member or source.path.name).lower().endswith(".gz"))
    if counted is not None and counted[0] == 5 * (counted[1] - _empty_lines(source)):
        return
    problem = find_baci_problem(source, hs6_filter=checks.hs6_filter, code_tables=checks.codes)
    if problem is not None:
        raise problem


def _lazy_one(
    source: BaciSource,
    path: Path,
    checks: _Checks,
    years: frozenset[int] | None,
    *,
    typed: bool,
) -> pl.LazyFrame:
    if source.is_parquet:
        return _scan_parquet_one(source, checks, years)
    return _scan_csv_one(source, path, checks, years, typed=typed)


def _collect_one(
    source: BaciSource, path: Path, checks: _Checks, years: frozenset[int] | None
) -> pl.DataFrame:
    """One trade table, collected: typed scan first, text scan if that one fails to parse.

    The field count runs in a thread meanwhile (polars and numpy both release the GIL), so it
    costs CPU the scan leaves idle rather than wall time; its verdict is applied before the
    frame is returned.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        counted = pool.submit(_fields_ok, source, path)
        with baci_errors(
            [source],
            hs6_filter=checks.hs6_filter,
            code_tables=checks.codes,
            paths={source.name: path},
        ):
            try:
                frame = _lazy_one(source, path, checks, years, typed=True).collect(
                    engine="streaming"
                )
            except pl.exceptions.ComputeError:
                if source.is_parquet:
                    raise
                frame = _lazy_one(source, path, checks, years, typed=False).collect(
                    engine="streaming"
                )
        _precheck(source, path, checks, fields_ok=counted.result())
    return frame


def scan_baci(
    paths: Iterable[Path | str] | Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = "auto",
) -> pl.LazyFrame:
    """Lazily read BACI trade tables (CSV, CSV.gz, Parquet, release zip, or a folder of them).

    Headers and field counts are checked now; content is checked when the frame is collected.
    Collect inside :func:`baci_errors` to get UpstreamFormatError with a line number instead of
    a polars error (:func:`read_baci` and :func:`iter_baci` do this, and also reject duplicated
    keys). Zip members are extracted to a temporary folder that lives until the process exits:
    pass ``years`` to extract only the years needed, or use :func:`iter_baci`, which extracts
    one member at a time. ``code_tables``: see :func:`find_code_tables` ("auto") or pass them.
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
        checks = _Checks(wanted, _codes_for(source, code_tables))
        _precheck(source, path, checks)
        # Text scan: the caller collects later, so there is no second chance at a typed failure.
        frames.append(_lazy_one(source, path, checks, year_set, typed=False))
    return pl.concat(frames, how="vertical")


def _reject_duplicates(frame: pl.DataFrame, source: BaciSource) -> None:
    if frame.select(pl.struct(KEY_COLUMNS).n_unique()).item() == frame.height:
        return  # the usual case, and cheaper to establish than which rows repeat
    duplicated = frame.filter(pl.struct(KEY_COLUMNS).is_duplicated())
    keys = set(duplicated.select(KEY_COLUMNS).unique().iter_rows())
    problem = find_duplicate_line(source, keys)
    if problem is None:  # pragma: no cover - the fast path and the second pass disagree
        key = next(iter(keys))
        problem = UpstreamFormatError(
            source.name, f"duplicated key t,i,j,k = {key}", column="k", value=str(key)
        )
    raise problem


def iter_baci(
    paths: Iterable[Path | str] | Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = "auto",
) -> Iterator[pl.DataFrame]:
    """Yield one collected frame per BACI trade table, reading them one after another.

    This keeps memory to one file's worth (zip members are extracted one at a time into a
    temporary folder removed right after use), which is what a multi-year run should use.
    Each frame is checked for duplicated keys (year, exporter, importer, product).
    """
    wanted = _normalise_filter(hs6_filter)
    year_set = frozenset(years) if years is not None else None
    sources = baci_sources(paths, years=year_set)
    if not sources:
        raise UpstreamFormatError(str(paths), "no BACI trade tables (BACI_*.csv[.gz]) found")
    for source in sources:
        validate_baci_header(source)
        checks = _Checks(wanted, _codes_for(source, code_tables))
        with tempfile.TemporaryDirectory(prefix="baci-member-") as tmp:
            path = _extract_member(source, Path(tmp)) if source.member is not None else source.path
            frame = _collect_one(source, path, checks, year_set)
        _reject_duplicates(frame, source)
        yield frame


def sink_baci_parquet(
    paths: Iterable[Path | str] | Path | str,
    out_dir: Path | str,
    hs6_filter: Iterable[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    code_tables: BaciCodeTables | Literal["auto"] | None = "auto",
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
        checks = _Checks(wanted, _codes_for(source, code_tables))
        stem = source.name.rsplit("/", 1)[-1].removesuffix(".gz").removesuffix(".csv")
        target = out_dir / f"{stem}.parquet"
        with tempfile.TemporaryDirectory(prefix="baci-member-") as tmp:
            path = _extract_member(source, Path(tmp)) if source.member is not None else source.path
            try:
                _precheck(source, path, checks)
                with baci_errors(
                    [source], hs6_filter=wanted, code_tables=checks.codes, paths={source.name: path}
                ):
                    try:
                        _lazy_one(source, path, checks, year_set, typed=True).sink_parquet(target)
                    except pl.exceptions.ComputeError:
                        if source.is_parquet:
                            raise
                        _lazy_one(source, path, checks, year_set, typed=False).sink_parquet(target)
                _reject_duplicates(pl.read_parquet(target, columns=list(KEY_COLUMNS)), source)
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
    code_tables: BaciCodeTables | Literal["auto"] | None = "auto",
) -> pl.DataFrame:
    """Read BACI trade tables into one frame (file by file, see :func:`iter_baci`).

    A key (year, exporter, importer, product) published by two of the files is an error too:
    the inputs overlap (e.g. a per-year file beside the multi-year extract).
    """
    frames = list(iter_baci(paths, hs6_filter, years=years, code_tables=code_tables))
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
    if not path.is_file():
        raise UpstreamFormatError(path.name, "BACI code table not found")
    text, _ = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UpstreamFormatError(path.name, "file is empty", line=1)
    header = [h.strip() for h in header]
    if header != expected:
        diff = next(
            (n for n, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b),
            min(len(header), len(expected)),
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
                column=expected[min(len(row), len(expected) - 1)],
                value=",".join(row),
            )
        for column, cell in zip(expected, row, strict=True):
            markup = find_markup(cell)
            if markup is not None or "\ufeff" in cell:
                raise UpstreamFormatError(
                    path.name,
                    f"markup ({markup!r}) in a text cell: upstream cells are plain text"
                    if markup is not None
                    else "byte-order mark inside the file (two files pasted together?)",
                    line=start,
                    column=column,
                    value=cell[:200],
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
    and an empty cell stays null), ``file``, ``line``. Markup in a cell is refused.
    """
    path = Path(path)
    rows, lines = _read_code_table(
        path, ["country_code", "country_name", "country_iso2", "country_iso3"]
    )
    codes = []
    seen: dict[int, int] = {}
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
        code = int(raw)
        if not 0 <= code < 2**31:
            raise UpstreamFormatError(
                path.name,
                "country code out of range",
                line=line,
                column="country_code",
                value=row[0],
            )
        if code in seen:
            raise UpstreamFormatError(
                path.name,
                f"country code listed twice (first on line {seen[code]})",
                line=line,
                column="country_code",
                value=row[0],
            )
        seen[code] = line
        codes.append(code)

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
    seen: dict[str, int] = {}
    for row, line in zip(rows, lines, strict=True):
        raw = row[0].strip()
        if not _HS6_RE.match(raw):
            raise UpstreamFormatError(
                path.name, "product code is not an HS6 code", line=line, column="code", value=row[0]
            )
        code = raw.zfill(6)
        if code in seen:
            raise UpstreamFormatError(
                path.name,
                f"product code listed twice (first on line {seen[code]})",
                line=line,
                column="code",
                value=row[0],
            )
        seen[code] = line
        codes.append(code)
    return pl.DataFrame(
        {
            "hs6": pl.Series(codes, dtype=pl.Utf8),
            "description": pl.Series([r[1].strip() or None for r in rows], dtype=pl.Utf8),
            "file": pl.Series([path.name] * len(rows), dtype=pl.Utf8),
            "line": pl.Series(lines, dtype=pl.Int32),
        }
    )
