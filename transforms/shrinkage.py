"""A rebuilt snapshot must not quietly hold less than the one it replaces.

A year of production vanishes when one USGS file goes missing; supply risk empties when World
Mining Data arrives header-only; 77 files drop out behind an unreadable folder. Each file may
look fine on its own, so the rebuild is compared with the previous snapshot's manifests:

* a table may lose at most :data:`MAX_ROW_DROP` of its rows;
* a source may not lose upstream files (a file renamed by a new release keeps the count);
* a table or source of the previous snapshot may not disappear.

A real shrink (a publisher withdrew a commodity, a release is shorter) is accepted by an entry
with its reason in ``data/reference/snapshot_shrinkage.yaml``, tied to the previous count it
was checked against, so that an acceptance never outlives the snapshot it was written for.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

SHRINKAGE_FILE = Path(__file__).resolve().parents[1] / "data" / "reference" / "snapshot_shrinkage.yaml"

MAX_ROW_DROP = 0.10
"""Revisions move a few rows (a country merged, a footnote row dropped); a table that loses
more than a tenth of its rows has lost files or years, not revised figures."""


class AcceptedShrink(BaseModel):
    """One accepted shrink: a table's rows (``table``) or a source's files (``source``)."""

    model_config = ConfigDict(extra="forbid")

    table: str | None = None
    source: str | None = None
    previous: int
    """The previous snapshot's row count (table) or file count (source) this entry is about."""
    reason: str

    @model_validator(mode="after")
    def _one_subject(self) -> AcceptedShrink:
        if (self.table is None) == (self.source is None):
            raise ValueError("an accepted shrink names exactly one of table or source")
        if not self.reason.strip():
            raise ValueError("an accepted shrink needs its reason")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: list[AcceptedShrink] = []


@cache
def load_accepted(path: Path = SHRINKAGE_FILE) -> tuple[AcceptedShrink, ...]:
    """The accepted shrinks of the YAML file (none when the file is absent)."""
    if not path.exists():
        return ()
    try:
        data = _File.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except Exception as exc:  # name the file: the traceback alone points at pydantic
        raise ValueError(f"{path}: {exc}") from exc
    return tuple(data.accepted)


def _accepted(accepted: tuple[AcceptedShrink, ...], *, previous: int, table: str | None = None, source: str | None = None) -> bool:
    return any(a.table == table and a.source == source and a.previous == previous for a in accepted)


def shrinkage(
    previous: dict[str, dict],
    current: dict[str, dict],
    accepted: tuple[AcceptedShrink, ...] = (),
    *,
    max_row_drop: float = MAX_ROW_DROP,
) -> list[tuple[str | None, str]]:
    """What the rebuild lost against the previous snapshot (empty: nothing), as pairs of the
    first upstream file missing (None for a table's rows) and a sentence.

    ``previous`` and ``current``: manifests keyed by source (``tables`` with ``name`` and
    ``rows``; ``files`` with ``name``).
    """
    problems: list[tuple[str | None, str]] = []
    for source, old in sorted(previous.items()):
        new = current.get(source, {"tables": [], "files": []})
        old_files = {f["name"] for f in old.get("files", [])}
        new_files = {f["name"] for f in new.get("files", [])}
        if len(new_files) < len(old_files) and not _accepted(accepted, previous=len(old_files), source=source):
            gone = sorted(old_files - new_files)
            shown = ", ".join(gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
            problems.append(
                (gone[0] if gone else None, f"source {source}: {len(new_files)} upstream files, the previous snapshot had {len(old_files)} (missing: {shown})")
            )
        rows = {t["name"]: t["rows"] for t in new.get("tables", [])}
        for table in old.get("tables", []):
            name, before = table["name"], table["rows"]
            after = rows.get(name)
            if _accepted(accepted, previous=before, table=name):
                continue
            if after is None:
                problems.append((None, f"table {name}: missing, the previous snapshot had {before:,} rows"))
            elif after < before * (1 - max_row_drop):
                problems.append(
                    (None, f"table {name}: {after:,} rows, the previous snapshot had {before:,} "
                     f"(a fall of {1 - after / before:.0%}, more than {max_row_drop:.0%})")
                )
    return problems
