"""Where BACI trade tables are and how their bytes are read.

Resolves files, folders and release zips to :class:`~.layout.BaciSource` records, checks the
``t,i,j,k,v,q`` header, counts fields (commas and line ends) for the fast path's six-fields
check, and yields raw lines (gzip and zip members decompressed as streams) for the second pass.

A zip member is handed to polars either as bytes held in memory (the default: one member at a
time) or, when the caller passes a working folder, as a file written there; this module never
creates, or registers clean-up of, a temporary folder.
"""

from __future__ import annotations

import io
import shutil
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from transforms.errors import UpstreamFormatError
from transforms.parsers._guards import (
    MAX_GZIP_BYTES,
    MAX_GZIP_RATIO,
    GzipBudget,
    check_gzip_magic,
    check_text,
    check_upstream_file,
)
from transforms.parsers.baci.layout import (
    _TRADE_SUFFIXES,
    BACI_COLUMNS,
    BaciPaths,
    BaciSource,
    TableData,
)

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
    paths: BaciPaths, *, years: Iterable[int] | None = None
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
                p for p in path.iterdir() if p.suffix.lower() == ".zip" or _is_trade_table(p.name)
            )
            found.extend(baci_sources(children, years=years))
            continue
        if not path.exists() and not path.is_symlink():
            raise UpstreamFormatError(str(path), "BACI file not found")
        check_upstream_file(path, path.parent)
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    infos = [i for i in zf.infolist() if not i.is_dir() and _is_trade_table(i.filename)]
                    members = sorted(info.filename for info in infos)
                    _refuse_zip_bomb(path.name, infos)
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
# Raw byte access shared by the header check, the field count and the second pass


def _refuse_zip_bomb(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """A member that would expand beyond the caps of :mod:`transforms.parsers._guards`."""
    for info in infos:
        limit = min(MAX_GZIP_BYTES, max(info.compress_size, 1 << 20) * MAX_GZIP_RATIO)
        if info.file_size > limit:
            raise UpstreamFormatError(
                f"{name}/{info.filename}",
                f"zip member expands to {info.file_size:,} bytes from {info.compress_size:,}: "
                "refused as a decompression bomb",
            )


@contextmanager
def _open_lines(source: BaciSource) -> Iterator[Iterator[bytes]]:
    """The lines (bytes, with their line ends) of a trade table, decompressing gzip as it goes."""
    gzipped = (source.member or source.path.name).lower().endswith(".gz")
    if source.member is not None:
        with zipfile.ZipFile(source.path) as zf, zf.open(source.member) as fh:
            size = zf.getinfo(source.member).compress_size
            yield _gzip_lines(fh, GzipBudget(source.name, size)) if gzipped else iter(fh)
    else:
        with open(source.path, "rb") as fh:
            if not gzipped:
                yield iter(fh)
                return
            check_gzip_magic(source.name, fh.peek(512)[:512])
            yield _gzip_lines(fh, GzipBudget(source.name, source.path.stat().st_size))


def refuse_gzip_bomb(source: BaciSource) -> None:
    """Stream a gzip file once, in constant memory, and refuse it if it expands beyond the caps
    of :class:`GzipBudget`: polars, which reads alongside the streamed field count, would expand
    a bomb in memory. A truncated stream is left to the line-by-line pass, which says where."""
    if source.member is not None or not source.path.name.lower().endswith(".gz"):
        return
    budget = GzipBudget(source.name, source.path.stat().st_size)
    decomp = zlib.decompressobj(wbits=31)
    with open(source.path, "rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                while chunk:
                    budget.add(len(decomp.decompress(chunk, 1 << 24)))
                    chunk = decomp.unconsumed_tail
                    if decomp.eof and decomp.unused_data:
                        chunk, decomp = decomp.unused_data, zlib.decompressobj(wbits=31)
        except zlib.error:
            return


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
                f"{expected!r}, found " + (repr(got) if got is not None else "no such column"),
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
        refuse_gzip_bomb(source)
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
        check_text(source.name, first)  # UTF-16, NUL bytes, CR-only line ends: said as such
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


def _count_fields(path: TableData, gzipped: bool) -> tuple[int, int] | None:
    """(commas, lines) of a trade table, or None for a truncated gzip stream."""
    commas = lines = 0
    last = b"\n"
    if gzipped:
        decomp = zlib.decompressobj(wbits=31)
        size = len(path) if isinstance(path, bytes) else Path(path).stat().st_size
        budget = GzipBudget(path.name if isinstance(path, Path) else "gzip member", size)
        with _open_binary(path) as fh:
            while chunk := fh.read(1 << 22):
                data = decomp.decompress(chunk)
                while decomp.eof and decomp.unused_data:
                    rest = decomp.unused_data
                    decomp = zlib.decompressobj(wbits=31)
                    data += decomp.decompress(rest)
                budget.add(len(data))
                if data:
                    c, n = _count_bytes(data, len(data))
                    commas, lines, last = commas + c, lines + n, data[-1:]
        if not decomp.eof:
            return None  # truncated stream: the second pass says where
    else:
        buf = bytearray(1 << 22)
        with _open_binary(path) as fh:
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


def _fields_add_up(path: TableData, gzipped: bool) -> bool:
    """True when the file has exactly six fields on every line (commas = 5 x lines).

    Empty lines break the equality without being wrong; :func:`_precheck` allows for them.
    """
    counted = _count_fields(path, gzipped)
    return counted is not None and counted[0] == 5 * counted[1]


# ---------------------------------------------------------------------------------------------
# Lines of a gzip stream (the second pass reads every line)


def _gzip_lines(fh: io.BufferedIOBase, budget: GzipBudget) -> Iterator[bytes]:
    """Lines of a gzip stream; a truncated stream raises EOFError after its last complete line,
    with the partial line (if any) in the exception's args[1]. Expansion is capped by ``budget``."""
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
        budget.add(len(data))
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if not decomp.eof:
        raise EOFError("gzip stream ends before its end-of-stream marker", pending)
    if pending:
        yield pending


# ---------------------------------------------------------------------------------------------
# Zip members: polars reads paths or bytes, not members


def member_data(source: BaciSource, work_dir: Path | None = None) -> TableData:
    """What polars reads for a trade table: its path, or for a zip member its decompressed bytes
    (``work_dir`` None) or a copy streamed into ``work_dir`` (the caller owns that folder)."""
    if source.member is None:
        return source.path
    try:
        with zipfile.ZipFile(source.path) as zf, zf.open(source.member) as src:
            if work_dir is None:
                return src.read()
            target = Path(work_dir) / source.member.rsplit("/", 1)[-1]
            with open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            return target
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UpstreamFormatError(source.name, f"cannot extract the zip member: {exc}") from exc


def release_member_data(source: BaciSource, data: TableData) -> None:
    """Delete a member's copy that :func:`member_data` wrote into the caller's folder."""
    if source.member is not None and isinstance(data, Path):
        data.unlink(missing_ok=True)


@contextmanager
def _open_binary(data: TableData) -> Iterator[io.BufferedIOBase]:
    if isinstance(data, bytes):
        yield io.BytesIO(data)
    else:
        with open(data, "rb") as fh:
            yield fh
