"""CEPII BACI release zips, cut down to the project's critical-raw-material subset.

CEPII publishes each BACI release as one zip per HS nomenclature
(``BACI_HS92_V202501.zip``, about 2.5 GB) holding one CSV a year (``BACI_HS92_Y2022_V202501.csv``),
``country_codes_V202501.csv``, ``product_codes_HS92_V202501.csv`` and a Readme. The snapshot does
not need the ~250M rows of every product, so the connector:

1. downloads the zip (size limit ``BRIEFING_BACI_MAX_BYTES``, default 16 GB; every member's CRC
   is read before anything is used);
2. reads the yearly files of the release, or of the ``years`` asked for, through the project's
   BACI parser with the HS6 filter, one year at a time (bounded memory);
3. writes ``baci-hs92/BACI_HS92_<version>_critical_subset.csv.gz`` in BACI's own layout
   (``t,i,j,k,v,q``; a missing quantity left blank, as in the project's current subset) next to
   the release's two code tables, and these three files replace the current ``baci-hs92/``
   folder.

With ``years``, only those years come from the new release; the other years are carried over
from the current subset, so a one-year refresh recomputes that year. The rows' origin stays
visible: the snapshot's ``file`` column names the subset, and ``download.json`` records which
years came from which release.

Configuration: ``BRIEFING_BACI_URL`` (default :data:`DEFAULT_URL`), ``BRIEFING_BACI_YEARS``
(comma-separated years to take from the release; default all), ``BRIEFING_BACI_MAX_BYTES``.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from orchestration.upstream import http
from orchestration.upstream.raw import ConnectorError, FreshFiles, RawFolder
from transforms.parsers.baci import baci_sources, iter_baci, read_baci

SOURCE = "baci-hs92"
DEFAULT_URL = "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS92_V202501.zip"
DEFAULT_MAX_BYTES = 16 * 1024**3
_VERSION = re.compile(r"_(V\d{6}[a-z]?)(?:\.|_|$)", re.IGNORECASE)


def config_from_env() -> dict:
    years = [int(y) for y in os.environ.get("BRIEFING_BACI_YEARS", "").split(",") if y.strip()]
    return {
        "url": os.environ.get("BRIEFING_BACI_URL", DEFAULT_URL),
        "max_bytes": int(os.environ.get("BRIEFING_BACI_MAX_BYTES", DEFAULT_MAX_BYTES)),
        "years": years or None,
    }


def _release_version(archive: Path, members: list[str]) -> str:
    for name in [archive.name, *members]:
        m = _VERSION.search(name.rsplit("/", 1)[-1])
        if m:
            return m.group(1)
    raise ConnectorError(
        SOURCE, f"{archive.name}: no BACI release version (_V202501) in its name or members"
    )


def _code_table(zf: zipfile.ZipFile, archive: Path, prefix: str) -> zipfile.ZipInfo:
    found = [
        i
        for i in zf.infolist()
        if i.filename.rsplit("/", 1)[-1].lower().startswith(prefix)
        and i.filename.lower().endswith(".csv")
    ]
    if len(found) != 1:
        raise ConnectorError(
            SOURCE, f"{archive.name}: expected one {prefix}*.csv in the release, found {len(found)}"
        )
    return found[0]


def write_baci_csv_gz(df: pl.DataFrame, path: Path) -> None:
    """Trade rows in BACI's layout, gzipped reproducibly (no timestamp in the gzip header)."""
    out = df.sort("year", "exporter_code", "importer_code", "hs6").select(
        pl.col("year").alias("t"),
        pl.col("exporter_code").alias("i"),
        pl.col("importer_code").alias("j"),
        pl.col("hs6").alias("k"),
        pl.col("value_kusd").alias("v"),
        pl.col("quantity_t").alias("q"),
    )
    plain = path.with_name(f".{path.name}.csv")
    try:
        out.write_csv(plain, null_value="")
        with (
            open(plain, "rb") as src,
            open(path, "xb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        ):
            shutil.copyfileobj(src, gz)
    finally:
        plain.unlink(missing_ok=True)


def fetch_release(
    raw: RawFolder,
    *,
    url: str = DEFAULT_URL,
    hs6: Iterable[str],
    years: Iterable[int] | None = None,
    current_trade_files: list[Path] | None = None,
    policy: http.RetryPolicy | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FreshFiles:
    """Download a BACI release zip into ``raw`` and write the subset as upstream files."""
    codes = sorted({str(c).zfill(6) for c in hs6})
    if not codes:
        raise ConnectorError(SOURCE, "no HS6 codes to keep")
    wanted = sorted(set(years)) if years is not None else None
    archive = raw.fetch(
        url,
        url.rsplit("/", 1)[-1].split("?", 1)[0] or "baci.zip",
        kind="zip",
        policy=policy,
        max_bytes=max_bytes,
    )
    with zipfile.ZipFile(archive) as zf:
        members = [i.filename for i in zf.infolist()]
        version = _release_version(archive, members)
        target_dir = raw.upstream_dir / SOURCE
        target_dir.mkdir(parents=True, exist_ok=True)
        placed: dict[str, Path] = {}
        for prefix in ("country_codes_", "product_codes_hs92_"):
            info = _code_table(zf, archive, prefix)
            name = info.filename.rsplit("/", 1)[-1]
            with zf.open(info) as src, open(target_dir / name, "xb") as out:
                shutil.copyfileobj(src, out)
            placed[f"{SOURCE}/{name}"] = target_dir / name

    sources = baci_sources(archive, years=wanted)
    got_years = sorted({s.year for s in sources if s.year is not None})
    if wanted is not None and (missing := sorted(set(wanted) - set(got_years))):
        raise ConnectorError(
            SOURCE, f"{archive.name} has no yearly file for {', '.join(map(str, missing))}"
        )
    frames = list(iter_baci(archive, codes, years=wanted))
    fresh = pl.concat(frames, how="vertical") if frames else None
    if fresh is None or fresh.height == 0:
        raise ConnectorError(SOURCE, f"{archive.name}: no rows for the {len(codes)} HS6 codes kept")
    notes = [
        f"{fresh.height:,} rows of {len(codes)} HS6 codes from {archive.name} ({version}), "
        f"years {got_years[0]}-{got_years[-1]}"
        if got_years
        else f"{fresh.height:,} rows from {archive.name}"
    ]
    if wanted is not None:
        if not current_trade_files:
            raise ConnectorError(
                SOURCE, "a refresh of some years needs the current subset for the others"
            )
        kept = read_baci(current_trade_files).filter(~pl.col("year").is_in(wanted))
        notes.append(
            f"{kept.height:,} rows of other years carried over from "
            f"{', '.join(p.name for p in current_trade_files)}"
        )
        fresh = pl.concat([kept, fresh], how="vertical")
    subset = target_dir / f"BACI_HS92_{version}_critical_subset.csv.gz"
    write_baci_csv_gz(fresh, subset)
    placed[f"{SOURCE}/{subset.name}"] = subset
    return FreshFiles(SOURCE, placed, supersedes=(f"{SOURCE}/",), notes=notes)
