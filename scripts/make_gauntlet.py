"""The bad-input gauntlet: corrupted copies of the real upstream files, and what the user sees.

Each case takes one real file from the upstream folder (``../shared/data``), breaks it the way
real downloads break (truncated, empty, wrong delimiter, missing/extra/renamed columns, text in
numbers, negative or absurd quantities, repeated keys, unknown codes, non-UTF-8 bytes, a
byte-order mark mid-file, a share over 100%, HTML in a name, a zip that is not a zip) and
writes a minimal upstream folder for it under ``--out``: the broken file plus symlinks to the
untouched real files the snapshot needs (lithium's USGS tables, BACI, World Mining Data, WGI,
the HS map and the MCS 2026 files). Corrupted copies live only there; none is committed.

    uv run python scripts/make_gauntlet.py --out /tmp/gauntlet            # write the cases
    uv run python scripts/make_gauntlet.py --out /tmp/gauntlet --run      # ... and run them

``--run`` runs ``briefing snapshot --from <case> --out <copy of data/snapshot>`` for every case
(and ``briefing build --from-upstream <case>`` for the cases the clean layer catches, in
throwaway DAGSTER_HOME and warehouse folders), checks the outcome, and writes the table
"corruption -> what the user sees" to ``benchmarks/results/gauntlet.md`` for the site's
data-quality page. ``tests/test_gauntlet.py`` runs the same cases with assertions.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import html
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UPSTREAM = Path(
    os.environ.get("BRIEFING_UPSTREAM_DIR", REPO_ROOT / ".." / "shared" / "data")
).resolve()
SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
RESULTS_MD = REPO_ROOT / "benchmarks" / "results" / "gauntlet.md"

WORLD = "usgs-mcs/mcs2024/world/mcs2024-lithi_world.csv"
SALIENT = "usgs-mcs/mcs2024/salient/mcs2024-lithi_salient.csv"
BACI = "baci-hs92/BACI_HS92_V202401b_critical_subset.csv.gz"
BACI_COUNTRIES = "baci-hs92/country_codes_V202401b.csv"
BACI_ZIP = "baci-hs92/BACI_HS92_V202401b.zip"
WMD = "world-mining-data/wmd_production_2018_2024.csv"
WGI = "wgi/wgi_political_stability_estimate.csv"
IMPORTS = "usgs-mcs/mcs2026/us_import_sources.csv"

# What a snapshot needs, kept small so that every case runs in about a second: the required
# tables each get their real file(s), USGS only for lithium.
MINIMAL = (
    "usgs-mcs/mcs2023/world/mcs2023-lithi_world.csv",
    WORLD,
    "usgs-mcs/mcs2023/salient/mcs2023-lithi_salient.csv",
    SALIENT,
    "usgs-mcs/mcs2026/world_production_reserves.csv",
    "usgs-mcs/mcs2026/us_salient.csv",
    IMPORTS,
    BACI,
    BACI_COUNTRIES,
    "baci-hs92/product_codes_HS92_V202401b.csv",
    WMD,
    WGI,
    "wgi/wgi_political_stability_stderr.csv",
    "wgi/wgi_political_stability_normalized.csv",
    "reference/hs_code_map_scrreen.csv",
)

# Rows picked for the corruptions: ordinary data rows of registry minerals, so that a row the
# clean layer looks at (lithium, Chile) is the one that is broken.
WORLD_ROW = 3  # MCS2024,Argentina,"Mine production, lithium content",6590,9600,...
# Below WORLD_ROW: the combined build applies corruptions bottom-up, so an inserted copy here
# does not move the row above.
WORLD_DUP_ROW = 8  # MCS2024,China,"Mine production, lithium content",22600,33000,...
SALIENT_ROW = 4  # MCS2024,Lithium,2021,W,2640,...
BACI_ROW = 700_001
WMD_ROW = 3936  # Lithium (Li2O),Chile,152,CHL,2018,38850.0,metr. t,r
WMD_OTHER_ROW = 3901  # Lithium (Li2O),Argentina,32,ARG,2018,13810.0,metr. t,r
WGI_ROW = 39  # Chile,CHL,...
COUNTRY_ROW = 43  # 152,Chile,CL,CHL
IMPORTS_ROW = 2


@dataclass(frozen=True)
class Broken:
    """A corrupted file and where the problem is (line 1-based, header = 1; None = no line)."""

    data: bytes
    line: int | None
    column: str | None


@dataclass(frozen=True)
class Case:
    """One corruption of one upstream file, and the outcome the project promises for it."""

    id: str
    corruption: str
    target: str
    make: Callable[[bytes], Broken]
    message: str
    """A regular expression the user-facing error must match."""
    layer: str = "snapshot"
    """Where it is caught: "snapshot" (the parser; nothing is rebuilt) or "build" (the snapshot
    keeps the rows as published; the clean layer's blocking check fails the build)."""
    check: str | None = None
    """For build cases: the failing check, as printed by ``briefing build``."""
    needs_line: bool = True
    """False where a line makes no sense (a binary file, an empty file)."""
    reported_file: str | None = None
    """The file the message names, when it is not the broken one (WGI's three files are
    checked against each other, so a code changed in one is reported in the next)."""


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


def gz(make: Callable[[bytes], Broken]) -> Callable[[bytes], Broken]:
    """Apply a text corruption to the decompressed table and gzip the result again."""

    def wrapped(data: bytes) -> Broken:
        key = hashlib.sha256(data).hexdigest()
        if key not in _GUNZIPPED:
            _GUNZIPPED[key] = gzip.decompress(data)
        broken = make(_GUNZIPPED[key])
        return Broken(
            gzip.compress(broken.data, compresslevel=1, mtime=0), broken.line, broken.column
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


# ---------------------------------------------------------------------------------------------
# The cases

_LOC = r"file {file}, line {line}, column '{column}'"
SCRIPT = "<script>alert('x')</script>"


def cases() -> list[Case]:
    """Every case of the gauntlet, in the order of the results table."""
    w, s, b, m, g = WORLD, SALIENT, BACI, WMD, WGI
    return [
        # --- USGS world table (lithium, MCS 2024) ---
        Case(
            "usgs_world-truncated",
            "truncated file (cut inside a row)",
            w,
            truncate_in_row(WORLD_ROW, 3),
            r"fewer than the header|truncated",
        ),
        Case("usgs_world-empty", "empty file", w, empty, r"empty", needs_line=False),
        Case(
            "usgs_world-delimiter",
            "wrong delimiter (;)",
            w,
            wrong_delimiter("Source"),
            r"separated by ';'",
        ),
        Case(
            "usgs_world-missing-column",
            "missing column (Type)",
            w,
            drop_column("Type"),
            r"required column is missing",
        ),
        Case(
            "usgs_world-extra-column",
            "extra column",
            w,
            add_column("Grade", "high"),
            r"unrecognised column header",
        ),
        Case(
            "usgs_world-renamed-header",
            "renamed header (Country -> Nation)",
            w,
            rename_header("Country", "Nation", reported="Country"),
            r"required column is missing",
        ),
        Case(
            "usgs_world-text-in-number",
            "text in a numeric column",
            w,
            replace_cell(WORLD_ROW, "Prod_t_2022", "approx. 6590"),
            r"does not know",
        ),
        Case(
            "usgs_world-negative",
            "negative quantity",
            w,
            replace_cell(WORLD_ROW, "Prod_t_2022", "-6590"),
            r"negative",
        ),
        Case(
            "usgs_world-absurd",
            "absurd quantity (6.59e13 t)",
            w,
            replace_cell(WORLD_ROW, "Prod_t_2022", "65900000000000"),
            r"absurd",
        ),
        Case(
            "usgs_world-duplicate",
            "duplicated key (row printed twice)",
            w,
            duplicate_row(WORLD_DUP_ROW, "Country"),
            r"duplicated key",
            layer="build",
            check="clean/production:schema",
        ),
        Case(
            "usgs_world-unknown-country",
            "unknown country name",
            w,
            replace_cell(WORLD_ROW, "Country", "Atlantis"),
            r"country_code",
            layer="build",
            check="clean/production:schema",
        ),
        Case(
            "usgs_world-non-utf8",
            "non-UTF-8 bytes",
            w,
            raw_bytes_in_cell(WORLD_ROW, "Country", b"\xe9"),
            r"not UTF-8",
        ),
        Case(
            "usgs_world-bom-middle",
            "a BOM in the middle",
            w,
            raw_bytes_in_cell(WORLD_ROW, "Source", b"\xef\xbb\xbf", at_start=True),
            r"byte-order mark",
        ),
        Case(
            "usgs_world-html",
            "HTML/JS in a country name",
            w,
            replace_cell(WORLD_ROW, "Country", SCRIPT),
            r"markup",
        ),
        # --- USGS salient statistics (lithium, MCS 2024) ---
        Case(
            "usgs_salient-truncated",
            "truncated file (cut inside a row)",
            s,
            truncate_in_row(SALIENT_ROW + 2, 4),
            r"fewer than the header|truncated",
        ),
        Case(
            "usgs_salient-renamed-header",
            "renamed header (Year -> Yr)",
            s,
            rename_header("Year", "Yr"),
            r"required column is missing",
        ),
        Case(
            "usgs_salient-text-in-number",
            "text in a numeric column",
            s,
            replace_cell(SALIENT_ROW, "Imports_t", "n/a"),
            r"does not know",
        ),
        Case(
            "usgs_salient-duplicate",
            "duplicated key (year printed twice)",
            s,
            duplicate_row(SALIENT_ROW, "Year"),
            r"duplicated key",
            layer="build",
            check="clean/us_salient:schema",
        ),
        Case(
            "usgs_salient-non-utf8",
            "non-UTF-8 bytes",
            s,
            raw_bytes_in_cell(SALIENT_ROW, "Commodity", b"\xff"),
            r"not UTF-8",
        ),
        # --- USGS MCS 2026 import sources ---
        Case(
            "usgs2026_imports-share-over-100",
            "a share over 100%",
            IMPORTS,
            replace_cell(IMPORTS_ROW, "share_pct", "192"),
            r"share above 100%",
        ),
        Case(
            "usgs2026_imports-negative",
            "negative share",
            IMPORTS,
            replace_cell(IMPORTS_ROW, "share_pct", "-8"),
            r"negative",
        ),
        # --- CEPII BACI trade (gzipped extract, 1.26M rows) ---
        Case("baci-truncated", "truncated file (gzip cut off)", b, truncated_gzip, r"truncated"),
        Case("baci-empty", "empty file", b, empty, r"empty", needs_line=False),
        Case(
            "baci-delimiter",
            "wrong delimiter (;)",
            b,
            gz(wrong_delimiter("t")),
            r"header is not BACI's",
        ),
        Case(
            "baci-missing-column",
            "missing column (q)",
            b,
            gz(drop_column("q")),
            r"header is not BACI's",
        ),
        Case(
            "baci-extra-column",
            "extra column",
            b,
            gz(add_column("flag", "x")),
            r"header has 7 columns",
        ),
        Case(
            "baci-renamed-header",
            "renamed header (k -> hs6)",
            b,
            gz(rename_header("k", "hs6", reported="k")),
            r"header is not BACI's",
        ),
        Case(
            "baci-text-in-number",
            "text in a numeric column",
            b,
            gz(replace_cell(BACI_ROW, "v", "n/a")),
            r"not a number",
        ),
        Case(
            "baci-negative",
            "negative quantity",
            b,
            gz(replace_cell(BACI_ROW, "q", "-12.5")),
            r"negative",
        ),
        Case(
            "baci-absurd",
            "absurd quantity (2.5e12 t)",
            b,
            gz(replace_cell(BACI_ROW, "q", "2500000000000")),
            r"absurd",
        ),
        Case(
            "baci-duplicate",
            "duplicated key (t,i,j,k twice)",
            b,
            gz(duplicate_row(BACI_ROW, "k")),
            r"duplicated key",
        ),
        Case(
            "baci-unknown-country",
            "unknown country code",
            b,
            gz(replace_cell(BACI_ROW, "i", "999")),
            r"not in BACI's country table",
        ),
        Case(
            "baci-unknown-hs",
            "unknown HS code",
            b,
            gz(replace_cell(BACI_ROW, "k", "260399")),
            r"not in BACI's product table",
        ),
        Case(
            "baci-non-utf8",
            "non-UTF-8 bytes",
            b,
            gz(raw_bytes_in_cell(BACI_ROW, "v", b"\xff")),
            r"not UTF-8",
        ),
        Case(
            "baci-bom-middle",
            "a BOM in the middle",
            b,
            gz(raw_bytes_in_cell(BACI_ROW, "t", b"\xef\xbb\xbf", at_start=True)),
            r"not an integer",
        ),
        Case(
            "baci-not-a-zip",
            "a zip that is not a zip (an HTML error page)",
            BACI_ZIP,
            not_a_zip,
            r"not a readable zip",
            needs_line=False,
        ),
        Case(
            "baci_countries-html",
            "HTML/JS in a country name",
            BACI_COUNTRIES,
            replace_cell(COUNTRY_ROW, "country_name", SCRIPT),
            r"markup",
        ),
        # --- World Mining Data ---
        Case(
            "wmd-truncated",
            "truncated file (cut inside a row)",
            m,
            truncate_in_row(WMD_ROW, 5),
            r"fields, the header has",
        ),
        Case("wmd-empty", "empty file", m, empty, r"empty", needs_line=False),
        Case(
            "wmd-delimiter",
            "wrong delimiter (;)",
            m,
            wrong_delimiter("commodity"),
            r"expected header",
        ),
        Case(
            "wmd-missing-column",
            "missing column (unit)",
            m,
            drop_column("unit"),
            r"expected header",
        ),
        Case("wmd-extra-column", "extra column", m, add_column("note", "x"), r"expected header"),
        Case(
            "wmd-renamed-header",
            "renamed header (country_code -> code)",
            m,
            rename_header("country_code", "code"),
            r"expected header",
        ),
        Case(
            "wmd-text-in-number",
            "text in a numeric column",
            m,
            replace_cell(WMD_ROW, "value", "approx. 38850"),
            r"not a number",
        ),
        Case(
            "wmd-negative",
            "negative quantity",
            m,
            replace_cell(WMD_ROW, "value", "-38850.0"),
            r"negative",
        ),
        Case(
            "wmd-absurd",
            "absurd quantity (3.9e14 t)",
            m,
            replace_cell(WMD_ROW, "value", "388500000000000.0"),
            r"absurd",
        ),
        Case(
            "wmd-duplicate",
            "duplicated key (row printed twice)",
            m,
            duplicate_row(WMD_ROW, "country_code"),
            r"duplicated key",
            layer="build",
            check="clean/production_wmd:schema",
        ),
        Case(
            "wmd-unknown-country",
            "unknown country name",
            m,
            replace_cell(WMD_OTHER_ROW, "country", "Atlantis"),
            r"country_code",
            layer="build",
            check="clean/production_wmd:schema",
        ),
        Case(
            "wmd-non-utf8",
            "non-UTF-8 bytes",
            m,
            raw_bytes_in_cell(WMD_ROW, "country", b"\xe9"),
            r"not UTF-8",
        ),
        Case(
            "wmd-bom-middle",
            "a BOM in the middle",
            m,
            raw_bytes_in_cell(WMD_ROW, "commodity", b"\xef\xbb\xbf", at_start=True),
            r"byte-order mark",
        ),
        Case(
            "wmd-html",
            "HTML/JS in a country name",
            m,
            replace_cell(WMD_ROW, "country", SCRIPT),
            r"markup",
        ),
        # --- World Bank WGI (political stability estimate) ---
        Case(
            "wgi-truncated",
            "truncated file (cut inside a row)",
            g,
            truncate_in_row(WGI_ROW, 10),
            r"fields, the header has",
        ),
        Case("wgi-empty", "empty file", g, empty, r"empty", needs_line=False),
        Case(
            "wgi-missing-column",
            "missing column (country_code)",
            g,
            drop_column("country_code"),
            r"expected header",
        ),
        Case(
            "wgi-renamed-header",
            "renamed header (Code -> ISO)",
            g,
            rename_header("Code", "ISO"),
            r"expected header",
        ),
        Case(
            "wgi-text-in-number",
            "text in a numeric column",
            g,
            replace_cell(WGI_ROW, "2020", "n.a."),
            r"not a number",
        ),
        Case(
            "wgi-absurd",
            "absurd value (estimate 67.6)",
            g,
            replace_cell(WGI_ROW, "2020", "67.6"),
            r"outside",
        ),
        Case(
            "wgi-unknown-code",
            "unknown country code (in one of the three files)",
            g,
            replace_cell(WGI_ROW, "Code", "XYZ"),
            r"economy differs",
            reported_file="wgi_political_stability_stderr.csv",
        ),
        Case(
            "wgi-non-utf8",
            "non-UTF-8 bytes",
            g,
            raw_bytes_in_cell(WGI_ROW, "Country/Territory", b"\xe9"),
            r"not UTF-8",
        ),
        Case(
            "wgi-bom-middle",
            "a BOM in the middle",
            g,
            raw_bytes_in_cell(WGI_ROW, "Country/Territory", b"\xef\xbb\xbf", at_start=True),
            r"byte-order mark",
        ),
        Case(
            "wgi-html",
            "HTML/JS in a country name",
            g,
            replace_cell(WGI_ROW, "Country/Territory", SCRIPT),
            r"markup",
        ),
    ]


def case_by_id(case_id: str) -> Case:
    return next(c for c in cases() if c.id == case_id)


# ---------------------------------------------------------------------------------------------
# Writing a case folder


def _link_all(upstream: Path, dest: Path, keep_real: str) -> None:
    """Symlink every upstream file, folder by folder, except ``keep_real``'s own folder, whose
    files are linked one by one so the broken file can take its place."""
    dest.mkdir(parents=True, exist_ok=True)
    inside = Path(keep_real).parent.parts
    here = upstream
    target_dir = dest
    for depth in range(len(inside) + 1):
        for child in sorted(here.iterdir()):
            if depth < len(inside) and child.name == inside[depth]:
                continue
            (target_dir / child.name).symlink_to(child)
        if depth == len(inside):
            break
        here = here / inside[depth]
        target_dir = target_dir / inside[depth]
        target_dir.mkdir()
    (target_dir / Path(keep_real).name).unlink(missing_ok=True)


def write_case(case: Case, upstream: Path, dest: Path, *, full: bool = False) -> Broken:
    """Write ``dest`` as an upstream folder holding the broken file; return the break.

    ``full`` links every upstream file (what a build needs: the clean layer's corrections refer
    to files of other minerals); otherwise only :data:`MINIMAL`.
    """
    if dest.exists():
        shutil.rmtree(dest)
    if full:
        _link_all(upstream, dest, case.target)
    else:
        for rel in MINIMAL:
            if rel == case.target:
                continue
            link = dest / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(upstream / rel)
    source = upstream / case.target
    broken = case.make(source.read_bytes() if source.exists() else b"")
    target = dest / case.target
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(broken.data)
    return broken


def write_clean(upstream: Path, dest: Path) -> None:
    """The same minimal folder with nothing broken (the baseline every case differs from)."""
    if dest.exists():
        shutil.rmtree(dest)
    for rel in MINIMAL:
        link = dest / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(upstream / rel)


# ---------------------------------------------------------------------------------------------
# Running a case


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (relative path -> digest)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def briefing_command() -> list[str]:
    """The ``briefing`` console script of this environment (``uv run briefing``)."""
    script = Path(sys.executable).with_name("briefing")
    return [str(script)] if script.exists() else [sys.executable, "-m", "orchestration.cli"]


@dataclass
class Outcome:
    case: Case
    broken: Broken
    snapshot_exit: int
    snapshot_output: str
    snapshot_intact: bool
    staging_left: list[str]
    build_exit: int | None = None
    build_output: str = ""

    @property
    def message(self) -> str:
        """The line the user reads: the snapshot's error, or the build's failed check."""
        if self.case.layer == "snapshot":
            lines = [
                x.strip()
                for x in self.snapshot_output.splitlines()
                if x.strip().startswith("file ")
            ]
            return lines[0] if lines else self.snapshot_output.strip().splitlines()[-1]
        if self.build_exit is None:
            return "(build not run)"
        name = self.case.reported_file or Path(self.case.target).name
        line = self.broken.line
        mine = [
            x.strip()
            for x in self.build_output.splitlines()
            if f"file {name}, line {line}" in x or (line and f"file {name}, line {line - 1}" in x)
        ]
        return f"`{self.case.check}` FAILED: " + (mine[0] if mine else "(no line names this row)")


def run_snapshot(case_dir: Path, out: Path) -> tuple[int, str]:
    proc = subprocess.run(
        [*briefing_command(), "snapshot", "--from", str(case_dir), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    return proc.returncode, proc.stdout + proc.stderr


def run_build(case_dir: Path, work: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "BRIEFING_WAREHOUSE_DIR": str(work / "warehouse"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "BRIEFING_PUBLIC_DIR": str(work / "public"),
        "BRIEFING_DOCS_DIR": str(work / "docs"),
    }
    proc = subprocess.run(
        [*briefing_command(), "build", "--from-upstream", str(case_dir)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=900,
    )
    return proc.returncode, proc.stdout + proc.stderr


def run_case(case: Case, upstream: Path, work: Path) -> Outcome:
    """Write the case under ``work`` and run the snapshot on a copy of data/snapshot."""
    case_dir = work / "upstream"
    broken = write_case(case, upstream, case_dir)
    out = work / "snapshot"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(SNAPSHOT_DIR, out)
    before = tree_hashes(out)
    code, output = run_snapshot(case_dir, out)
    intact = tree_hashes(out) == before
    staging = sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))
    return Outcome(case, broken, code, output, intact, staging)


def write_combined(selected: list[Case], upstream: Path, dest: Path) -> dict[str, Broken]:
    """One full upstream folder carrying every given case's corruption (distinct rows; applied
    from the bottom of each file up, so that an inserted row does not move the others)."""
    if dest.exists():
        shutil.rmtree(dest)
    targets = sorted({c.target for c in selected})
    dest.mkdir(parents=True)
    for child in sorted(upstream.iterdir()):
        (dest / child.name).symlink_to(child)
    for target in targets:
        # Replace the folder symlinks on the way to each broken file by real folders.
        parts = Path(target).parts
        here, there = upstream, dest
        for part in parts[:-1]:
            here, there = here / part, there / part
            if there.is_symlink():
                there.unlink()
                there.mkdir()
                for child in sorted(here.iterdir()):
                    (there / child.name).symlink_to(child)
    brokens: dict[str, Broken] = {}
    for target in targets:
        original = (upstream / target).read_bytes()
        mine = [c for c in selected if c.target == target]
        order = sorted(mine, key=lambda c: c.make(original).line or 0, reverse=True)
        data = original
        for case in order:
            broken = case.make(data)
            brokens[case.id] = broken
            data = broken.data
        (dest / target).unlink()
        (dest / target).write_bytes(data)
    return brokens


def run_clean_layer_build(
    selected: list[Case], upstream: Path, work: Path
) -> tuple[int, str, dict[str, Broken]]:
    """``briefing build --from-upstream`` once on a full upstream folder carrying every
    clean-layer case (a build takes ~30 s; each case is found by its own file and line)."""
    case_dir = work / "upstream-all"
    brokens = write_combined(selected, upstream, case_dir)
    code, output = run_build(case_dir, work)
    return code, output, brokens


def expected_location(case: Case, broken: Broken) -> str:
    """The place the message must name, as the error text prints it."""
    name = case.reported_file or Path(case.target).name
    parts = [f"file {name}"]
    if broken.line is not None and case.needs_line:
        parts.append(f"line {broken.line}")
    if broken.column is not None and case.needs_line:
        parts.append(f"column '{broken.column}'")
    return ", ".join(parts)


def verdict(outcome: Outcome) -> list[str]:
    """Why an outcome breaks the promise (empty when it keeps it)."""
    case, broken, problems = outcome.case, outcome.broken, []
    if case.layer == "snapshot":
        if outcome.snapshot_exit == 0:
            problems.append("snapshot rebuilt from a broken file")
        if not outcome.snapshot_intact:
            problems.append("previous snapshot changed")
        if outcome.staging_left:
            problems.append(f"staging left behind: {outcome.staging_left}")
        where = expected_location(case, broken)
        if where not in outcome.snapshot_output:
            problems.append(f"message does not name {where!r}")
        if not re.search(case.message, outcome.snapshot_output):
            problems.append(f"message does not match {case.message!r}")
        return problems
    if outcome.snapshot_exit != 0:
        problems.append("snapshot refused rows it should keep as published")
    if outcome.build_exit is None:
        return problems
    if outcome.build_exit == 0:
        problems.append("build succeeded on a broken file")
    if case.check and not re.search(re.escape(case.check) + r"\s+FAILED", outcome.build_output):
        problems.append(f"check {case.check} did not fail")
    if not re.search(case.message, outcome.build_output):
        problems.append(f"build output does not match {case.message!r}")
    # A repeated key fails on both copies; either line names the place.
    lines = {broken.line, broken.line - 1} if broken.line else set()
    name = case.reported_file or Path(case.target).name
    if not any(f"file {name}, line {n}" in outcome.build_output for n in lines):
        problems.append(f"build output does not name file {name}, line {broken.line}")
    return problems


# ---------------------------------------------------------------------------------------------
# The results table


def to_markdown(outcomes: list[Outcome]) -> str:
    lines = [
        "# Bad-input gauntlet: what the user sees",
        "",
        "Generated by `uv run python scripts/make_gauntlet.py --out /tmp/gauntlet --run` from the real",
        "upstream files; `tests/test_gauntlet.py` asserts the same outcomes. Each case breaks one file;",
        "`briefing snapshot` either refuses it, naming file, line and column, and leaves the previous",
        "snapshot byte-for-byte as it was, or (clean-layer cases) keeps the rows as published and",
        "`briefing build --from-upstream` stops at a blocking check that names them.",
        "",
        "| source file | corruption | caught by | what the user sees |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        caught = (
            "snapshot (parser)"
            if o.case.layer == "snapshot"
            else f"build: `{o.case.check}` (the snapshot keeps the rows as published)"
        )
        if o.case.layer == "snapshot" and o.snapshot_intact:
            caught += ", previous snapshot intact"
        message = o.message if len(o.message) <= 400 else o.message[:397] + "..."
        # The page that shows this table must not run the HTML the gauntlet feeds in.
        message = html.escape(message, quote=False).replace("|", "\\|")
        lines.append(
            f"| `{Path(o.case.target).name}` | {o.case.corruption} | {caught} | {message} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, default=DEFAULT_UPSTREAM)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the cases into")
    parser.add_argument("--run", action="store_true", help="run every case and write the table")
    parser.add_argument("--only", nargs="*", help="case ids (default: all)")
    parser.add_argument(
        "--no-build", action="store_true", help="skip the (slow) build cases' builds"
    )
    parser.add_argument("--table", type=Path, default=RESULTS_MD)
    args = parser.parse_args(argv)
    selected = [c for c in cases() if not args.only or c.id in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.run:
        for case in selected:
            broken = write_case(case, args.upstream, args.out / case.id)
            print(f"{case.id:<34} {case.target} -> {expected_location(case, broken)}")
        return 0
    outcomes: list[Outcome] = []
    for case in selected:
        with tempfile.TemporaryDirectory(prefix=f"{case.id}-", dir=args.out) as tmp:
            outcomes.append(run_case(case, args.upstream, Path(tmp)))
    build_cases = [o.case for o in outcomes if o.case.layer == "build"]
    if build_cases and not args.no_build:
        with tempfile.TemporaryDirectory(prefix="clean-layer-", dir=args.out) as tmp:
            code, output, _ = run_clean_layer_build(build_cases, args.upstream, Path(tmp))
        for o in outcomes:
            if o.case.layer == "build":
                o.build_exit, o.build_output = code, output
    failures = 0
    for outcome in outcomes:
        problems = verdict(outcome)
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {outcome.case.id:<34} {outcome.message[:150]}")
        for p in problems:
            print(f"       {p}")
    if not args.only:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(to_markdown(outcomes), encoding="utf-8")
        print(f"written {args.table}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
