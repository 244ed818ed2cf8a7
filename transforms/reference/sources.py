"""Origin records of the upstream sources (``sources.yaml``): publisher, title, URL and DOIs,
licence, citation, date accessed. The snapshot builder copies them into each manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transforms.reference.files import REFERENCE_DIR, read_yaml, validate
from transforms.reference.models import SourcesFile

SOURCES_FILE = REFERENCE_DIR / "sources.yaml"


def load_sources(path: Path = SOURCES_FILE) -> dict[str, dict[str, Any]]:
    """The origin records keyed by source id, checked and returned as written (they go into
    the manifests verbatim)."""
    path = Path(path)
    raw = read_yaml(path)
    validate(SourcesFile, raw, path.name)
    return raw
