"""Byte- and file-level guards every upstream reader goes through before it parses anything.

A parser's own error ("byte 0xff is not UTF-8", "unrecognised column header", "unterminated
quote", "incorrect header check") is true but misleading when the file as a whole is wrong.
These checks look at the file first and say what is wrong with it, naming the file and, where
there is one, the line and the byte offset:

* the path: a folder, a dangling link, a link that leaves the upstream folder for a file of
  another name (``/etc/passwd``), a file that cannot be read (permissions), an empty file, a
  file larger than :data:`MAX_FILE_BYTES`;
* the text: UTF-16 (save as UTF-8), NUL bytes (padding, a binary file), line ends that are
  carriage returns only (old Mac), a line longer than :data:`MAX_LINE_BYTES`;
* gzip: a ``.gz`` that is not gzip (plain text or something else), and expansion capped both as
  a ratio (:data:`MAX_GZIP_RATIO`) and in absolute size (:data:`MAX_GZIP_BYTES`), counted as the
  stream is read, so a 0.5 MB bomb is refused after reading a few MB, not after filling memory.

Errors quote at most a short, sanitised excerpt of a file (``transforms.errors.excerpt``): a linked system
file must never reach a log line by line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from transforms.errors import UpstreamFormatError

MAX_FILE_BYTES = 2 * 1024**3
"""No upstream file the briefing reads comes near 2 GiB (the largest, a BACI release zip, is
about 1.3 GiB); a larger one is refused before it is read."""
MAX_LINE_BYTES = 1024**2
"""A CSV line of the publishers' tables is at most a few kB (USGS notes cells); one longer than
1 MiB is a corrupt file, and the cell that makes it so is named."""
MAX_GZIP_RATIO = 100
"""Real CSV gzips expand 5-15 times (BACI's subset: about 8); 100 leaves room for very
repetitive tables and still stops a bomb (1000 times and more) within its first megabytes."""
MAX_GZIP_BYTES = 8 * 1024**3
"""Absolute cap on one decompressed table: BACI's largest per-year table is under 1 GiB."""
_GZIP_MAGIC = b"\x1f\x8b"


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def check_upstream_file(path: Path, root: Path | None = None) -> None:
    """Refuse a path that is not a readable, non-empty regular file inside ``root``.

    A symbolic link may leave ``root`` only for a file of the same name (a mirror of the
    publisher's files, as the refresh and the test folders build); a link to a file of another
    name (``/etc/passwd``) is refused without opening it.
    """
    name = path.name  # as every parser names a file
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            raise UpstreamFormatError(name, "is a symbolic link to nothing (dangling link); the upstream file is missing")
        if root is not None and not _is_inside(target, Path(os.path.realpath(root))) and target.name != path.name:
            raise UpstreamFormatError(
                name,
                "is a symbolic link leaving the upstream folder for a file of another name; refused "
                "(copy the publisher's file into the folder instead)",
            )
    if path.is_dir():
        raise UpstreamFormatError(name, "is a folder where an upstream file is expected")
    if not path.exists():
        raise UpstreamFormatError(name, "is missing")
    if not path.is_file():
        raise UpstreamFormatError(name, "is not a regular file (a device, pipe or socket)")
    if not os.access(path, os.R_OK):
        raise UpstreamFormatError(name, "cannot be read: permission denied (make the file readable)")
    size = path.stat().st_size
    if size == 0:
        raise UpstreamFormatError(name, "file is empty (0 bytes)", line=1)
    if size > MAX_FILE_BYTES:
        raise UpstreamFormatError(name, f"file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} any upstream file may have")


def check_folder(folder: Path, root: Path) -> None:
    """Refuse a folder on the way to upstream files that exists but cannot be listed."""
    if folder.is_dir() and not os.access(folder, os.R_OK | os.X_OK):
        raise UpstreamFormatError(
            _relative(folder, root), "folder cannot be read: permission denied; its files would be left out"
        )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def read_upstream_bytes(path: Path | str) -> bytes:
    """The bytes of an upstream text file, after :func:`check_upstream_file` and :func:`check_text`."""
    path = Path(path)
    check_upstream_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:  # raced away or unreadable after all: say so, never a traceback
        raise UpstreamFormatError(path.name, f"cannot be read: {exc.strerror or exc}") from None
    check_text(path.name, data)
    return data


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_text(name: str, data: bytes) -> None:
    """Refuse bytes that are not a text table as the parsers expect (see module docstring)."""
    if not data:
        raise UpstreamFormatError(name, "file is empty (0 bytes)", line=1)
    if data.startswith(_GZIP_MAGIC):
        raise UpstreamFormatError(name, "file is gzip-compressed, not plain text; decompress it (or name it .gz)", line=1)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 3 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]):
        raise UpstreamFormatError(name, "file is UTF-16; save it as UTF-8", line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UpstreamFormatError(
            name, f"file contains NUL bytes at offset {nul:,} (padding or a binary file, not text)", line=_line_of(data, nul)
        )
    if b"\n" not in data and b"\r" in data.rstrip(b"\r"):
        raise UpstreamFormatError(
            name, "line ends are carriage returns only (old Mac format); save with LF or CRLF line ends", line=1
        )
    check_line_lengths(name, data)


def check_line_lengths(name: str, data: bytes, *, first_line: int = 1) -> None:
    """Refuse a line longer than :data:`MAX_LINE_BYTES`, naming the line and its longest cell."""
    if len(data) <= MAX_LINE_BYTES:
        return
    start, line = 0, first_line
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > MAX_LINE_BYTES:
            cells = [m.group(0) for m in _CELL.finditer(data[start:end])]
            longest = max(range(len(cells)), key=lambda i: len(cells[i]))
            raise UpstreamFormatError(
                name,
                f"cell longer than {MAX_LINE_BYTES:,} bytes at line {line} "
                f"(field {longest + 1}, {len(cells[longest]):,} bytes): not a publisher's table",
                line=line,
                column=_header_cell(data, longest),
            )
        start, line = end + 1, line + 1


# One CSV cell (quoted, with doubled quotes inside, or bare) followed by its comma; in C, so a
# 10 MB line is split in milliseconds.
_CELL = re.compile(rb'(?:"(?:[^"]|"")*"|[^,\r\n]*)(?:,|$)')


def _header_cell(data: bytes, index: int) -> str:
    header = [m.group(0) for m in _CELL.finditer(data.split(b"\n", 1)[0][:65536])]
    cell = header[index].decode("utf-8", errors="replace").lstrip("\ufeff").rstrip(",").strip().strip('"') if index < len(header) else ""
    return cell or f"column {index + 1}"


def check_gzip_magic(name: str, head: bytes) -> None:
    """Refuse a ``.gz`` whose first bytes are not gzip's, saying what the file is instead."""
    if head.startswith(_GZIP_MAGIC):
        return
    if not head:
        raise UpstreamFormatError(name, "file is empty (0 bytes)", line=1)
    sample = head[:512]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample) / len(sample)
    if printable > 0.95:
        raise UpstreamFormatError(name, "not gzip; file is plain text (remove .gz from its name or compress it)")
    if head.startswith(b"PK"):
        raise UpstreamFormatError(name, "not gzip; file is a zip archive")
    raise UpstreamFormatError(name, "not gzip; file is neither gzip nor text")


class GzipBudget:
    """Counts decompressed bytes of one gzip stream and refuses a bomb as soon as it shows."""

    def __init__(self, name: str, compressed_size: int) -> None:
        self.name = name
        self.limit = min(MAX_GZIP_BYTES, max(compressed_size, 1 << 20) * MAX_GZIP_RATIO)
        self.compressed = compressed_size
        self.out = 0

    def add(self, count: int) -> None:
        self.out += count
        if self.out > self.limit:
            raise UpstreamFormatError(
                self.name,
                f"gzip expands beyond {self.limit:,} bytes from {self.compressed:,} compressed "
                f"(more than {MAX_GZIP_RATIO} times, or over {MAX_GZIP_BYTES:,} bytes): refused as a "
                "decompression bomb",
            )
