"""Code versions for assets: the sha256 of the source files an asset's code references name.

Dagster compares an asset's code version with the one its last materialisation recorded and
marks the asset "code changed" in the UI (and ``AutomationCondition.code_version_changed()``
can act on it). The code references (``dagster/code_references`` metadata, added by
``dg.with_source_code_references`` and pointed at the transform functions) already say which
files hold an asset's logic, so the version is derived from them rather than typed by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import dagster as dg

CODE_REFERENCES = "dagster/code_references"


@cache
def _file_sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def code_version_of(spec: dg.AssetSpec) -> str | None:
    """12 hex digits over the referenced files' contents; None when the spec names no file."""
    refs = spec.metadata.get(CODE_REFERENCES)
    if refs is None:
        return None
    files = sorted(
        {r.file_path for r in refs.code_references if isinstance(r, dg.LocalFileCodeReference)}
    )
    files = [f for f in files if Path(f).is_file()]
    if not files:
        return None
    digest = hashlib.sha256("".join(_file_sha(f) for f in files).encode()).hexdigest()
    return digest[:12]


def with_code_versions(assets: Iterable[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """``assets`` with a code version on every spec whose code references name a file."""
    out = []
    for a in assets:
        if not a.is_executable or not a.is_materializable:
            out.append(a)
            continue
        out.append(
            a.map_asset_specs(
                lambda s: s.replace_attributes(code_version=code_version_of(s) or s.code_version)
            )
        )
    return out
