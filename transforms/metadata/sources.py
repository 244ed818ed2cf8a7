"""What the registry knows of its sources beyond their ids: release labels and licences.

Release labels (BACI version, MCS editions) are read at run time from the upstream file names
the snapshot records (manifest ``files``, or a table's ``file`` column), by each publisher's
naming convention: a refresh to a new release relabels everything without a code change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

import polars as pl

# Publisher file-naming conventions: BACI_HS92_V202401b_..., country_codes_V202401b.csv;
# mcs2024-galli_world.csv, mcs2026/world_production_reserves.csv.
RELEASE_PATTERNS = {
    "baci-hs92": r"_(V\d{6}[a-z]?)",
    "usgs-mcs": r"mcs(\d{4})",
    "usgs-mcs-2026": r"mcs(\d{4})",
    "usgs-mcs-2025": r"mcs(\d{4})",
    "usgs-mcs-2026-transcribed": r"mcs(\d{4})",
}
LICENCES = [
    (re.compile(r"public domain", re.I), {"name": "other-pd", "title": "Public domain (U.S. Government work)"}),
    (
        re.compile(r"etalab", re.I),
        {"name": "etalab-2.0", "title": "Etalab Open Licence 2.0", "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"},
    ),
    (
        re.compile(r"cc by 4\.0", re.I),
        {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0", "path": "https://creativecommons.org/licenses/by/4.0/"},
    ),
]


def release_of(source: str, names: Iterable[str]) -> str | None:
    """The release label(s) of a source found in file names, comma-joined; None if none."""
    pattern = RELEASE_PATTERNS.get(source)
    if pattern is None:
        return None
    found = sorted({m.group(1) for n in names if (m := re.search(pattern, n))})
    return ", ".join(found) or None


def release_labels(manifests: Mapping[str, dict]) -> dict[str, str]:
    """Release label per source id, from the upstream files each manifest lists."""
    labels = {s: release_of(s, (f["name"] for f in m.get("files", []))) for s, m in manifests.items()}
    return {s: label for s, label in labels.items() if label}


def release_expr(source: str, column: str = "file") -> pl.Expr:
    """The release label of each row, from the upstream file name in ``column``."""
    return pl.col(column).str.extract(RELEASE_PATTERNS[source], 1)


def licence_of(text: str) -> dict:
    """A Frictionless licence record for a manifest's licence text."""
    for pattern, licence in LICENCES:
        if pattern.search(text):
            return dict(licence)
    return {"name": "other-at", "title": text}


def licences(source_ids: Iterable[str], manifests: Mapping[str, dict]) -> list[dict]:
    """The distinct licences of the given sources, in order of first use."""
    found = {}
    for s in source_ids:
        if s in manifests:
            licence = licence_of(manifests[s]["licence"])
            found.setdefault(json.dumps(licence, sort_keys=True), licence)
    return list(found.values())
