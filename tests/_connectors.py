"""What the connector tests share: a small real upstream folder, its snapshot copy, retries
that do not wait, and a local server that serves the USGS MCS 2024 release as ScienceBase does.

The fixtures built from these (``mini``, ``env``, ``server``) live in tests/conftest.py.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from orchestration.snapshot_store import build_snapshot
from orchestration.upstream import http
from orchestration.upstream.refresh import RefreshError, refresh_source
from tests._helpers import tree_hashes

TODAY = date(2026, 12, 1)
MINI_FILES = [
    "usgs-mcs/mcs2023/world/mcs2023-lithi_world.csv",
    "usgs-mcs/mcs2023/world/mcs2023-cobal_world.csv",
    "usgs-mcs/mcs2023/salient/mcs2023-lithi_salient.csv",
    "usgs-mcs/mcs2023/salient/mcs2023-cobal_salient.csv",
    "usgs-mcs/mcs2024/world/mcs2024-lithi_world.csv",
    "usgs-mcs/mcs2024/world/MCS2024-bismu_world.csv",
    "usgs-mcs/mcs2024/world/MCS 2024 Data Release Revision File 2024-03-06.txt",
    "usgs-mcs/mcs2024/salient/mcs2024-lithi_salient.csv",
    "usgs-mcs/mcs2024/salient/MCS2024-bismu_salient.csv",
    "baci-hs92/country_codes_V202401b.csv",
    "baci-hs92/product_codes_HS92_V202401b.csv",
    "world-mining-data/wmd_production_2018_2024.csv",
    "wgi/wgi_political_stability_estimate.csv",
    "wgi/wgi_political_stability_normalized.csv",
    "wgi/wgi_political_stability_stderr.csv",
    "reference/hs_code_map_scrreen.csv",
]
BACI_YEARS = (2021, 2022)
BACI_ROWS_A_YEAR = 1500


def fast_policy(**kw) -> tuple[http.RetryPolicy, list[float]]:
    """Tiny timeouts and backoff; ``sleeps`` records what the code asked to wait."""
    sleeps: list[float] = []
    policy = http.RetryPolicy(
        **{"timeout": 2.0, "attempts": 3, "backoff": 0.01, "max_retry_after": 60, **kw},
        sleep=sleeps.append,
    )
    return policy, sleeps


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _baci_lines(upstream_dir: Path) -> dict[int, list[str]]:
    """The first rows of each test year from the real BACI subset, exactly as published."""
    by_year: dict[int, list[str]] = {y: [] for y in BACI_YEARS}
    with gzip.open(
        upstream_dir / "baci-hs92" / "BACI_HS92_V202401b_critical_subset.csv.gz", "rt"
    ) as fh:
        next(fh)
        for line in fh:
            year = int(line[:4])
            if year in by_year and len(by_year[year]) < BACI_ROWS_A_YEAR:
                by_year[year].append(line.rstrip("\n"))
            if year > max(BACI_YEARS):
                break
    return by_year


def small_upstream(upstream_dir: Path, root: Path) -> dict:
    """A small upstream folder of real files under ``root`` and the snapshot built from it."""
    upstream = root / "upstream"
    for rel in MINI_FILES:
        dest = upstream / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(upstream_dir / rel, dest)
    lines = _baci_lines(upstream_dir)
    subset = upstream / "baci-hs92" / "BACI_HS92_V202401b_critical_subset.csv.gz"
    with gzip.open(subset, "wt") as fh:
        fh.write("t,i,j,k,v,q\n" + "\n".join(line for y in BACI_YEARS for line in lines[y]) + "\n")
    snapshot = root / "snapshot"
    build_snapshot(upstream, snapshot)
    return {"upstream": upstream, "snapshot": snapshot, "baci_lines": lines, "real": upstream_dir}


@dataclass
class Env:
    upstream: Path
    snapshot: Path
    raw: Path
    versions: Path
    real: Path
    baci_lines: dict[int, list[str]] = field(repr=False)

    def kwargs(self, **extra) -> dict:
        return {
            "upstream_dir": self.upstream,
            "snapshot_dir": self.snapshot,
            "raw_root": self.raw,
            "versions_dir": self.versions,
            "today": TODAY,
            **extra,
        }

    def refresh(self, source: str, config: dict, policy: http.RetryPolicy | None = None):
        """``refresh_source`` on this environment's folders (fast retries unless ``policy``)."""
        policy = policy or fast_policy()[0]
        return refresh_source(source, **self.kwargs(config=config, policy=policy))

    def refresh_fails(
        self, source: str, config: dict, match: str | None = None, **kw
    ) -> pytest.ExceptionInfo[RefreshError]:
        """The refresh must raise RefreshError (matching ``match``) and leave all as it was."""
        before = tree_hashes(self.snapshot)
        with pytest.raises(RefreshError, match=match) as err:
            self.refresh(source, config, **kw)
        self.assert_untouched(before)
        return err

    def assert_untouched(self, before: dict[str, str]) -> None:
        assert tree_hashes(self.snapshot) == before, "the current snapshot changed"
        assert not self.versions.exists() or not any(self.versions.iterdir()), (
            "a version was archived"
        )
        dated = [p for p in self.raw.glob("*/*") if p.is_dir()] if self.raw.exists() else []
        assert dated == [], f"raw folders left behind: {dated}"
        leftovers = [
            p.name
            for p in self.snapshot.parent.iterdir()
            if ".candidate-" in p.name or ".staging-" in p.name
        ]
        assert leftovers == []

    @classmethod
    def copy_of(cls, mini: dict, tmp_path: Path) -> Env:
        """A test's own copy of the small snapshot, with empty raw and versions folders."""
        data = tmp_path / "data"
        shutil.copytree(mini["snapshot"], data / "snapshot")
        return cls(
            mini["upstream"],
            data / "snapshot",
            data / "raw",
            data / "snapshot_versions",
            mini["real"],
            mini["baci_lines"],
        )


# ---------------------------------------------------------------------------------------------
# USGS MCS from ScienceBase


def _file_entry(
    server: HTTPServer,
    item: str,
    name: str,
    data: bytes,
    content_type: str,
    checksum: str | None = None,
) -> dict:
    path = f"/catalog/file/get/{item}/{name.replace(' ', '_')}"
    server.expect_request(path).respond_with_data(data, content_type=content_type)
    url = server.url_for(path)
    return {
        "cuid": None,
        "key": f"{item}/{name}",
        "bucket": "prod-is-usgs-sb-prod-publish",
        "name": name,
        "title": "",
        "contentType": content_type,
        "contentEncoding": None,
        "pathOnDisk": "__disk__",
        "processed": False,
        "size": len(data),
        "checksum": {"value": checksum or md5(data), "type": "MD5"},
        "dateUploaded": "2024-01-31T15:29:44Z",
        "originalMetadata": False,
        "useForPreview": False,
        "url": url,
        "downloadUri": url,
    }


PARENT, WORLD_CHILD, SALIENT_CHILD = (
    "65a6e45fd34e5af967a46749",
    "65a6e4a1d34e5af967a4674b",
    "65a6e4a9d34e5af967a4674d",
)


def usgs_config(server: HTTPServer) -> dict:
    """The usgs-mcs connector's config for the release that ``serve_mcs2024_release`` serves."""
    return {"base_url": server.url_for(""), "item_ids": [PARENT]}


def serve_mcs2024_release(
    server: HTTPServer,
    real: Path,
    *,
    bad_checksum: str | None = None,
    item_content_type: str = "application/json",
) -> None:
    """A ScienceBase data release as the catalogue lays it out: a parent item with the revision
    note, a 'world' child with per-commodity CSVs, and a 'salient' child whose CSVs come in a zip."""
    world = real / "usgs-mcs" / "mcs2024" / "world"
    salient = real / "usgs-mcs" / "mcs2024" / "salient"
    revision = "MCS 2024 Data Release Revision File 2024-03-06.txt"
    parent = {
        "link": {"rel": "self", "url": f"https://www.sciencebase.gov/catalog/item/{PARENT}"},
        "id": PARENT,
        "title": "U.S. Geological Survey Mineral Commodity Summaries 2024 Data Release",
        "hasChildren": True,
        "files": [
            _file_entry(server, PARENT, revision, (world / revision).read_bytes(), "text/plain")
        ],
    }
    world_files = []
    for name in (
        "mcs2024-lithi_world.csv",
        "mcs2024-cobal_world.csv",
        "MCS2024-bismu_world.csv",
        "mcs2024-lithi_meta.xml",
    ):
        data = (world / name).read_bytes()
        kind = "application/xml" if name.endswith(".xml") else "text/csv"
        world_files.append(
            _file_entry(
                server, WORLD_CHILD, name, data, kind, "f" * 32 if name == bad_checksum else None
            )
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in (
            "mcs2024-lithi_salient.csv",
            "MCS2024-bismu_salient.csv",
            "mcs2024-cobal_salient.csv",
            "mcs2024-lithi_meta.xml",
        ):
            zf.write(salient / name, f"MCS2024_Salient/{name}")
    salient_files = [
        _file_entry(
            server, SALIENT_CHILD, "MCS2024_Salient_Data.zip", buf.getvalue(), "application/zip"
        )
    ]
    children = [
        {
            "id": WORLD_CHILD,
            "title": "MCS 2024 world data",
            "hasChildren": False,
            "files": world_files,
        },
        {
            "id": SALIENT_CHILD,
            "title": "MCS 2024 salient statistics",
            "hasChildren": False,
            "files": salient_files,
        },
    ]
    if item_content_type == "application/json":
        server.expect_request(
            f"/catalog/item/{PARENT}", query_string={"format": "json"}
        ).respond_with_json(parent)
    else:
        server.expect_request(f"/catalog/item/{PARENT}").respond_with_data(
            "<!DOCTYPE html><html><body>ScienceBase is down for maintenance</body></html>",
            content_type=item_content_type,
        )
    # Two pages, linked by nextlink, as ScienceBase pages search results.
    page2 = server.url_for("/catalog/items/page2")
    server.expect_request(
        "/catalog/items",
        query_string={
            "parentId": PARENT,
            "format": "json",
            "max": "100",
            "fields": "title,files,facets,hasChildren",
        },
    ).respond_with_json(
        {"total": 2, "items": children[:1], "nextlink": {"rel": "next", "url": page2}}
    )
    server.expect_request("/catalog/items/page2").respond_with_json(
        {"total": 2, "items": children[1:]}
    )
