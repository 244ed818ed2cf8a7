"""USGS Mineral Commodity Summaries data releases, fetched from ScienceBase.

An MCS data release is a ScienceBase catalogue item (its DOI resolves to it) whose files, or
whose child items' files, are the per-commodity CSVs (``mcs2024-lithi_world.csv``,
``mcs2024-lithi_salient.csv``), FGDC metadata, a revision note, and in some releases zip archives
of the same. The connector:

1. reads the item JSON (``<base>/catalog/item/<id>?format=json``) and its children
   (``<base>/catalog/items?parentId=<id>``, two levels deep, following ``nextlink`` pages);
2. downloads the world and salient CSVs, the revision notes and any zip archive, each checked
   against the size and md5 ScienceBase lists for it;
3. lays them out as the upstream folder the snapshot builder reads:
   ``usgs-mcs/mcs<year>/world/`` and ``usgs-mcs/mcs<year>/salient/`` (zip members by the same
   rules); the year and table come from the file name, whatever its case (``MCS2024-bismu``) or
   hyphenation (``mcs2023tellu_salient.csv``).

The fresh files replace the current ``mcs<year>/world`` and ``mcs<year>/salient`` folders of
the years they cover; other editions stay as they are. Metadata XML and spreadsheets are not
downloaded: the snapshot does not read them.

Configuration: ``BRIEFING_SCIENCEBASE_URL`` (default ``https://www.sciencebase.gov``) and
``BRIEFING_USGS_ITEMS`` (comma-separated item ids). Without item ids, the DOIs of the
``usgs-mcs`` origin record in ``data/reference/sources.yaml`` are resolved to their items.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from orchestration.upstream import http
from orchestration.upstream.raw import ConnectorError, FreshFiles, RawFolder

SOURCE = "usgs-mcs"
DEFAULT_BASE_URL = "https://www.sciencebase.gov"
DOI_RESOLVER = "https://doi.org"
MAX_CHILD_DEPTH = 2

_TABLE_FILE = re.compile(r"^mcs(\d{4})-?[a-z0-9-]+_(world|salient)\.csv$", re.IGNORECASE)
_REVISION_FILE = re.compile(r"revision.*\.txt$", re.IGNORECASE)
_YEAR = re.compile(r"(?:mcs\s*)?(20\d{2})", re.IGNORECASE)
_ITEM_ID = re.compile(r"/catalog/item/([0-9a-f]{24})", re.IGNORECASE)


def config_from_env() -> dict[str, Any]:
    items = [i.strip() for i in os.environ.get("BRIEFING_USGS_ITEMS", "").split(",") if i.strip()]
    return {
        "base_url": os.environ.get("BRIEFING_SCIENCEBASE_URL", DEFAULT_BASE_URL),
        "item_ids": items or None,
    }


def upstream_path(name: str, item_title: str = "") -> str | None:
    """Where a release file goes in the upstream folder, or None when the snapshot has no use for it."""
    base = name.rsplit("/", 1)[-1]
    m = _TABLE_FILE.match(base)
    if m:
        return f"usgs-mcs/mcs{m.group(1)}/{m.group(2).lower()}/{base}"
    if _REVISION_FILE.search(base):
        year = _YEAR.search(base) or _YEAR.search(item_title)
        if year:
            # The snapshot keeps revision notes with the world tables they revise.
            return f"usgs-mcs/mcs{year.group(1)}/world/{base}"
    return None


def resolve_item_ids(
    dois: Iterable[str], *, resolver: str = DOI_RESOLVER, policy: http.RetryPolicy | None = None
) -> list[str]:
    """ScienceBase item ids of the data releases behind the DOIs."""
    ids = []
    for doi in dois:
        doi_path = re.sub(
            r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi.strip(), flags=re.IGNORECASE
        )
        landing = http.final_url(f"{resolver.rstrip('/')}/{doi_path}", policy=policy)
        m = _ITEM_ID.search(landing)
        if not m:
            raise ConnectorError(SOURCE, f"DOI {doi} resolves to {landing}, not a ScienceBase item")
        ids.append(m.group(1))
    return ids


def _item_files(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from item.get("files") or []
    for facet in item.get("facets") or []:
        yield from facet.get("files") or []


def walk_items(
    base_url: str, item_id: str, *, policy: http.RetryPolicy | None = None
) -> Iterator[dict[str, Any]]:
    """The item and its descendants (two levels), as ScienceBase JSON."""
    base = base_url.rstrip("/")
    item = http.fetch_json(
        f"{base}/catalog/item/{item_id}", params={"format": "json"}, policy=policy
    )
    if not isinstance(item, dict) or "id" not in item:
        raise ConnectorError(
            SOURCE, f"item {item_id}: the catalogue answer is not a ScienceBase item"
        )
    yield item
    frontier = [(item, 1)]
    while frontier:
        parent, depth = frontier.pop(0)
        if depth > MAX_CHILD_DEPTH or not parent.get("hasChildren", False):
            continue
        url: str | None = f"{base}/catalog/items"
        params: dict[str, Any] | None = {
            "parentId": parent["id"],
            "format": "json",
            "max": 100,
            "fields": "title,files,facets,hasChildren",
        }
        while url:
            page = http.fetch_json(url, params=params, policy=policy)
            for child in page.get("items") or []:
                # Search results carry only the requested fields; files need the full item.
                full = (
                    child
                    if "files" in child
                    else http.fetch_json(
                        f"{base}/catalog/item/{child['id']}",
                        params={"format": "json"},
                        policy=policy,
                    )
                )
                yield full
                frontier.append((full, depth + 1))
            nxt = page.get("nextlink")
            url = nxt.get("url") if isinstance(nxt, dict) else None
            params = None


def _checksum(entry: dict[str, Any]) -> dict[str, str]:
    checksum = entry.get("checksum") or {}
    algo = str(checksum.get("type") or "").lower().replace("-", "")
    value = checksum.get("value")
    return {algo: str(value)} if algo in ("md5", "sha256") and value else {}


def _kind(name: str) -> str:
    lower = name.lower()
    return "zip" if lower.endswith(".zip") else "text" if lower.endswith(".txt") else "csv"


def fetch_release(
    raw: RawFolder,
    *,
    item_ids: list[str] | None = None,
    base_url: str = DEFAULT_BASE_URL,
    dois: list[str] | None = None,
    doi_resolver: str = DOI_RESOLVER,
    policy: http.RetryPolicy | None = None,
    max_bytes: int = http.DEFAULT_MAX_BYTES,
) -> FreshFiles:
    """Download MCS data release files into ``raw`` and lay them out as upstream files."""
    if not item_ids:
        if not dois:
            raise ConnectorError(SOURCE, "no ScienceBase item ids and no DOIs to find them")
        item_ids = resolve_item_ids(dois, resolver=doi_resolver, policy=policy)
    placed: dict[str, Path] = {}
    seen_names: set[str] = set()
    for item_id in item_ids:
        for item in walk_items(base_url, item_id, policy=policy):
            title = str(item.get("title") or "")
            for entry in _item_files(item):
                name = str(entry.get("name") or "")
                is_zip = name.lower().endswith(".zip")
                target = upstream_path(name, title)
                if not (is_zip or target) or name in seen_names:
                    continue
                seen_names.add(name)
                url = entry.get("downloadUri") or entry.get("url")
                if not url:
                    raise ConnectorError(
                        SOURCE, f"item {item['id']}: file {name} has no download URL"
                    )
                size = entry.get("size")
                path = raw.fetch(
                    url,
                    f"{item['id']}/{name}",
                    kind=_kind(name),
                    policy=policy,
                    max_bytes=max_bytes,
                    expected_size=int(size)
                    if isinstance(size, int | str) and str(size).isdigit()
                    else None,
                    expected_digests=_checksum(entry),
                )
                if is_zip:
                    placed.update(_extract(path, raw.upstream_dir, title, skip=placed))
                elif target not in placed:
                    assert target is not None
                    placed[target] = _place(path, raw.upstream_dir / target)
    if not placed:
        raise ConnectorError(
            SOURCE,
            f"items {', '.join(item_ids)} hold no world or salient CSV (mcs<year>-<code>_world.csv)",
        )
    folders = sorted(
        {t.rsplit("/", 1)[0] + "/" for t in placed if _TABLE_FILE.match(t.rsplit("/", 1)[1])}
    )
    return FreshFiles(
        SOURCE,
        placed,
        supersedes=tuple(folders),
        notes=[
            f"{len(placed)} files for {', '.join(folders)} from ScienceBase items {', '.join(item_ids)}"
        ],
    )


def _place(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.link(src, dest)
    return dest


def _extract(
    archive: Path, upstream_dir: Path, title: str, skip: dict[str, Path]
) -> dict[str, Path]:
    """Zip members the snapshot reads, laid out as upstream files (a file already placed wins)."""
    placed: dict[str, Path] = {}
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = upstream_path(info.filename, title)
            if target is None or target in skip or target in placed:
                continue
            dest = upstream_dir / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "xb") as out:
                shutil.copyfileobj(src, out)
            placed[target] = dest
    return placed
