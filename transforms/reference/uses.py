"""What each mineral is used for (``mineral_uses.yaml``): one curated sentence per mineral,
with its source, shown on the mineral's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transforms.reference.files import REFERENCE_DIR, read_yaml, validate
from transforms.reference.minerals import load_registry
from transforms.reference.models import MineralUsesFile

USES_FILE = REFERENCE_DIR / "mineral_uses.yaml"


def load_uses(path: Path = USES_FILE) -> dict[str, dict[str, Any]]:
    """The uses keyed by mineral slug, checked against the registry; {} if there is no file."""
    path = Path(path)
    if not path.exists():
        return {}
    raw = read_yaml(path)
    slugs = {mineral.slug for mineral in load_registry().minerals}
    validate(MineralUsesFile, raw, path.name, context={"minerals": slugs})
    return {entry["mineral"]: entry for entry in raw["uses"]}
