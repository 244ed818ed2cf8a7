"""Ingesting the incoming folder: new upstream files become a new snapshot version, or are refused.

``upstream/incoming_ingest`` runs when the observed incoming folder (``upstream/incoming``)
changes. It takes the files that are new or changed since its last successful run and rebuilds
the snapshot with them (``orchestration.upstream.refresh.ingest_incoming``: the previous
snapshot is archived, the new one swapped in only when every table parsed).

A file that does not parse fails the run (red, alertable) with the parser's message (file,
line and column), and each file of that batch is moved to the quarantine folder
(``data/quarantine/<UTC time>/<path>``) with ``<path>.error.txt`` beside it; the snapshot is
left byte-identical. Moving it out is what lets the next observation see the folder change, so
the refusal is reported once, and a corrected copy dropped later is taken afresh.

The snapshot tables that changed are then seen by their own observations
(``snapshot_files/<table>``), which is what makes their downstream assets run.
"""


import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration.assets.observed import INCOMING_KEY, OWNERS, scan_folder
from orchestration.paths import REPO_ROOT, default_incoming_dir
from orchestration.resources import SnapshotSource

INGEST_KEY = dg.AssetKey(["upstream", "incoming_ingest"])


def default_quarantine_dir() -> Path:
    """``BRIEFING_QUARANTINE_DIR``, else ``data/quarantine``: refused incoming files."""
    return Path(os.environ.get("BRIEFING_QUARANTINE_DIR", REPO_ROOT / "data" / "quarantine"))


def quarantine(files: list[str], incoming_dir: Path, quarantine_dir: Path, error: str) -> Path:
    """Move ``files`` (relative to the incoming folder) into a new dated quarantine folder, each
    with its error beside it; returns that folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = quarantine_dir / stamp
    for rel in files:
        src, dest = incoming_dir / rel, target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.exists():
            shutil.move(src, dest)
        dest.with_name(dest.name + ".error.txt").write_text(
            f"{rel} was refused on {stamp} and moved here from {incoming_dir}.\n\n{error}\n"
            "\nFix the file and drop it into the incoming folder again.\n",
            encoding="utf-8",
        )
    return target


def _previously_ingested(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The files (path -> sha256) the last successful ingest had seen."""
    event = context.instance.get_latest_materialization_event(INGEST_KEY)
    if event is None or event.asset_materialization is None:
        return {}
    seen = event.asset_materialization.metadata.get("seen")
    return dict(seen.value) if seen is not None else {}


@dg.asset(
    key=INGEST_KEY,
    deps=[INCOMING_KEY],
    group_name="sources",
    owners=OWNERS,
    kinds={"python"},
    description="Rebuild the snapshot with the new or changed files of the incoming folder; a "
    "file that does not parse fails the run and is moved to data/quarantine/ with its error.",
    automation_condition=dg.AutomationCondition.eager(),
)
def incoming_ingest(
    context: dg.AssetExecutionContext, snapshot: SnapshotSource
) -> dg.MaterializeResult:
    from orchestration.upstream.refresh import RefreshError, ingest_incoming

    incoming_dir = default_incoming_dir()
    files = scan_folder(incoming_dir)
    seen = _previously_ingested(context)
    changed = sorted(rel for rel, sha in files.items() if seen.get(rel) != sha)
    if not changed:
        return dg.MaterializeResult(
            metadata={"seen": dg.MetadataValue.json(files), "outcome": "no new files"}
        )
    try:
        result = ingest_incoming(
            changed,
            incoming_dir=incoming_dir,
            snapshot_dir=snapshot.snapshot_path,
            progress=context.log.info,
        )
    except RefreshError as exc:
        where = quarantine(changed, incoming_dir, default_quarantine_dir(), str(exc))
        raise dg.Failure(
            description=f"incoming files refused, snapshot untouched: {exc}",
            metadata={
                "files": dg.MetadataValue.json(changed),
                "quarantined_to": str(where),
            },
        ) from exc
    context.log.info(result.summary())
    return dg.MaterializeResult(
        metadata={
            "seen": dg.MetadataValue.json(files),
            "ingested": dg.MetadataValue.json(changed),
            "outcome": result.summary(),
            "changed_tables": ", ".join(result.changed_tables) or "none",
        }
    )


incoming_assets = [incoming_ingest]
