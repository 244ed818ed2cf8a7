"""Corruptions of upstream files: each takes a file's bytes and returns them broken, with the
place a correct error message must name (line 1-based, header = 1; column by header name).

The functions are named by ``break.kind`` in ``cases.yaml``; :func:`make` turns a case's
``break`` mapping into the function that applies it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Broken:
    """A corrupted file and where the problem is (line 1-based, header = 1; None = no line)."""

    data: bytes
    line: int | None
    column: str | None
    fs: str = "file"
    """What takes the file's place: "file" (``data``), "folder", "dangling_link", "link_out"
    (a link to a file of another name outside the folder, holding ``data``) or "missing"."""


# ---------------------------------------------------------------------------------------------
# Corruptions of text files (operating on physical lines, keeping line ends)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _eol(line: bytes) -> bytes:
    return line[len(line.rstrip(b"\r\n")) :]


def _cells(line: bytes) -> list[str]:
    return next(csv.reader([line.decode("utf-8-sig").rstrip("\r\n")]))


def _row(cells: list[str], eol: bytes, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(cells)
    return out.getvalue().encode("utf-8") + eol


def _header(data: bytes) -> list[str]:
    return [h.strip() for h in _cells(_lines(data)[0])]


def _index(data: bytes, column: str) -> int:
    return _header(data).index(column)


def replace_cell(line: int, column: str, value: str) -> Callable[[bytes], Broken]:
    def make(data: bytes) -> Broken:
        lines = _lines(data)
        cells = _cells(lines[line - 1])
        cells[_index(data, column)] = value
        lines[line - 1] = _row(cells, _eol(lines[line - 1]))
        return Broken(b"".join(lines), line, column)

    return make


def raw_bytes_in_cell(
    line: int, column: str, raw: bytes, *, at_start: bool = False
) -> Callable[[bytes], Broken]:
    """Insert raw bytes into a cell (not re-encoded: for non-UTF-8 bytes and stray BOMs)."""

    def make(data: bytes) -> Broken:
        lines = _lines(data)
        cells = _cells(lines[line - 1])
        i = _index(data, column)
        marker = "\x00MARK\x00"
        cells[i] = marker + cells[i] if at_start else cells[i][:2] + marker + cells[i][2:]
        text = _row(cells, _eol(lines[line - 1]))
        lines[line - 1] = text.replace(marker.encode(), raw)
        return Broken(b"".join(lines), line, column)

    return make


def truncate_in_row(line: int, fields: int) -> Callable[[bytes], Broken]:
    """Cut the file inside row ``line``, after ``fields`` complete fields and part of the next."""

    def make(data: bytes) -> Broken:
        lines = _lines(data)
        cells = _cells(lines[line - 1])
        kept = (
            _row(cells[:fields], b"")
            + b","
            + cells[fields][: max(1, len(cells[fields]) // 2)].encode()
        )
        header = _header(data)
        return Broken(b"".join(lines[: line - 1]) + kept, line, header[fields + 1])

    return make


def empty(data: bytes) -> Broken:
    return Broken(b"", 1, None)


def header_only(data: bytes) -> Broken:
    """The header without any data row (a download that stopped after line 1)."""
    return Broken(_lines(data)[0], 2, None)


def utf16(data: bytes) -> Broken:
    """The file saved as UTF-16 (Excel's "Unicode text")."""
    return Broken(data.decode("utf-8-sig").encode("utf-16"), 1, None)


def cr_only(data: bytes) -> Broken:
    """Line ends turned into carriage returns only (classic Mac OS)."""
    return Broken(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r"), 1, None)


def nul_padding(data: bytes) -> Broken:
    """NUL bytes after the last line (a disk or copy that padded the file)."""
    return Broken(data + b"\0" * 4096, data.count(b"\n") + 1, None)


def long_cell(line: int, column: str, size: int) -> Callable[[bytes], Broken]:
    """A cell of ``size`` bytes (a runaway export)."""

    def make(data: bytes) -> Broken:
        return Broken(replace_cell(line, column, "x" * size)(data).data, line, column)

    return make


def plain_gz(data: bytes) -> Broken:
    """A plain CSV saved under the .gz name."""
    return Broken(gzip.decompress(data), None, None)


def gzip_bomb(data: bytes) -> Broken:
    """About 1 MB of gzip that expands to 500 MB of valid-looking BACI rows."""
    out = zlib.compressobj(9, zlib.DEFLATED, 31)
    row = b"2020,4,8,260111,1.0,1.0\n" * 40_000  # 1 MB
    parts = [out.compress(b"t,i,j,k,v,q\n")]
    parts += [out.compress(row) for _ in range(500)]
    return Broken(b"".join(parts) + out.flush(), None, None)


def folder(data: bytes) -> Broken:
    return Broken(b"", None, None, fs="folder")


def dangling_link(data: bytes) -> Broken:
    return Broken(b"", None, None, fs="dangling_link")


def link_out(data: bytes) -> Broken:
    """A link to a system file (its stand-in, written outside the case folder)."""
    secret = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    return Broken(secret, None, None, fs="link_out")


def missing(data: bytes) -> Broken:
    return Broken(b"", None, None, fs="missing")


def wrong_delimiter(column: str) -> Callable[[bytes], Broken]:
    def make(data: bytes) -> Broken:
        lines = [_row(_cells(x), _eol(x), delimiter=";") for x in _lines(data)]
        return Broken(b"".join(lines), 1, column)

    return make


def drop_column(column: str) -> Callable[[bytes], Broken]:
    def make(data: bytes) -> Broken:
        i = _index(data, column)
        out = []
        for x in _lines(data):
            cells = _cells(x)
            out.append(_row(cells[:i] + cells[i + 1 :], _eol(x)))
        return Broken(b"".join(out), 1, column)

    return make


def add_column(name: str, value: str, *, reported: str | None = None) -> Callable[[bytes], Broken]:
    """Append a column after the last named one (before spreadsheet padding)."""

    def make(data: bytes) -> Broken:
        header = _header(data)
        at = max(i for i, h in enumerate(header) if h) + 1
        out = []
        for n, x in enumerate(_lines(data)):
            cells = _cells(x)
            if not any(c.strip() for c in cells):
                out.append(x)
                continue
            out.append(_row([*cells[:at], name if n == 0 else value, *cells[at:]], _eol(x)))
        return Broken(b"".join(out), 1, reported or name)

    return make


def rename_header(old: str, new: str, *, reported: str | None = None) -> Callable[[bytes], Broken]:
    def make(data: bytes) -> Broken:
        lines = _lines(data)
        cells = _cells(lines[0])
        cells[[c.strip() for c in cells].index(old)] = new
        lines[0] = (b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b"") + _row(
            cells, _eol(lines[0])
        )
        return Broken(b"".join(lines), 1, reported or old)

    return make


def unit_slip_header(line: int, old: str, new: str, column: str) -> Callable[[bytes], Broken]:
    """A unit in the header changed (``_t_`` -> ``_kt_``): every figure of those columns is
    read 1,000 times larger. The place reported is a row whose figure the checks compare
    (``line``, ``column`` as renamed)."""

    def make(data: bytes) -> Broken:
        lines = _lines(data)
        lines[0] = lines[0].replace(old.encode(), new.encode())
        return Broken(b"".join(lines), line, column)

    return make


def duplicate_row(line: int, column: str) -> Callable[[bytes], Broken]:
    """Print row ``line`` twice; the second copy (line + 1) is the one reported."""

    def make(data: bytes) -> Broken:
        lines = _lines(data)
        copy = lines[line - 1] if lines[line - 1].endswith(b"\n") else lines[line - 1] + b"\n"
        lines.insert(line, copy)
        return Broken(b"".join(lines), line + 1, column)

    return make


# ---------------------------------------------------------------------------------------------
# BACI's gzipped table and zips


_GUNZIPPED: dict[str, bytes] = {}


def gz(corruption: Callable[[bytes], Broken]) -> Callable[[bytes], Broken]:
    """Apply a text corruption to the decompressed table and gzip the result again."""

    def wrapped(data: bytes) -> Broken:
        key = hashlib.sha256(data).hexdigest()
        if key not in _GUNZIPPED:
            _GUNZIPPED[key] = gzip.decompress(data)
        broken = corruption(_GUNZIPPED[key])
        return Broken(
            gzip.compress(broken.data, compresslevel=1, mtime=0), broken.line, broken.column, broken.fs
        )

    return wrapped


def truncated_gzip(data: bytes) -> Broken:
    """A download cut off: the first 60% of the compressed bytes."""
    cut = data[: int(len(data) * 0.6)]
    survived = zlib.decompressobj(wbits=31).decompress(cut)
    partial = survived.rsplit(b"\n", 1)[-1]
    fields = len(partial.split(b",")) if partial else 1
    columns = ("t", "i", "j", "k", "v", "q")
    return Broken(cut, survived.count(b"\n") + 1, columns[min(fields, 6) - 1])


def not_a_zip(data: bytes) -> Broken:
    """What a failed download often saves under the zip's name: the server's error page."""
    page = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"
    return Broken(page, None, None)


_KINDS: dict[str, Callable[..., Any]] = {
    "replace_cell": replace_cell,
    "raw_bytes_in_cell": raw_bytes_in_cell,
    "truncate_in_row": truncate_in_row,
    "wrong_delimiter": wrong_delimiter,
    "drop_column": drop_column,
    "add_column": add_column,
    "rename_header": rename_header,
    "duplicate_row": duplicate_row,
    "long_cell": long_cell,
    "unit_slip_header": unit_slip_header,
}
# Corruptions that need no argument: the function is the break itself.
_PLAIN: dict[str, Callable[[bytes], Broken]] = {
    "empty": empty,
    "truncated_gzip": truncated_gzip,
    "not_a_zip": not_a_zip,
    "header_only": header_only,
    "utf16": utf16,
    "cr_only": cr_only,
    "nul_padding": nul_padding,
    "plain_gz": plain_gz,
    "gzip_bomb": gzip_bomb,
    "folder": folder,
    "dangling_link": dangling_link,
    "link_out": link_out,
    "missing": missing,
}


def make(spec: Mapping[str, Any], rows: Mapping[str, int]) -> Callable[[bytes], Broken]:
    """The corruption a case's ``break`` mapping describes; ``line`` may name a row of ``rows``
    (``name+N`` for N lines below it)."""
    args = dict(spec)
    kind = args.pop("kind")
    compressed = args.pop("gzip", False)
    if "line" in args and isinstance(args["line"], str):
        name, _, offset = args["line"].partition("+")
        args["line"] = rows[name] + int(offset or 0)
    if "raw" in args:
        args["raw"] = bytes.fromhex(args["raw"])
    if kind in _PLAIN:
        if args:
            raise ValueError(f"break kind {kind!r} takes no arguments, got {sorted(args)}")
        corruption = _PLAIN[kind]
    elif kind in _KINDS:
        corruption = _KINDS[kind](**args)
    else:
        raise ValueError(f"unknown break kind {kind!r} (known: {sorted(_KINDS | _PLAIN)})")
    return gz(corruption) if compressed else corruption
