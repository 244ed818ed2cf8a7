"""Source assets: the files the pipeline reads but does not make, observed by their checksums.

Three kinds of input live outside the asset graph's materialisations, so they are *observable
source assets* whose data version is the sha256 of what is on disk. Declarative automation
(``orchestration.automation``) compares each observation's data version with the previous one:
a changed file marks exactly its downstream assets as updated-upstream, and nothing else runs.

* ``upstream/incoming`` — the incoming folder (``data/incoming/`` or ``BRIEFING_INCOMING_DIR``)
  where people drop upstream files; read by ``upstream/incoming_ingest``.
* ``snapshot_files/<table>`` — each embedded snapshot table, versioned by the sha256 its
  manifest records; read by ``snapshot/<table>``. The trade table is observed per year (the
  hashes of that year's rows), so a revised year recomputes that year's partitions only.
* ``reference/curated`` and ``reference/policy`` — the curated reference data
  (``data/reference``): minerals, economies, groups, sources, corrections; and the policy files.
  Editing ``minerals.yaml`` marks the clean layer stale; editing a policy file marks the marts.

Observing reads checksums only; no file is parsed here.
"""


import hashlib
import json
import warnings
from pathlib import Path

import dagster as dg
import polars as pl

from orchestration.partitions import PARTITION_COLUMN, trade_years
from orchestration.paths import default_incoming_dir
from orchestration.resources import SnapshotSource
from orchestration.snapshot_store import read_manifests, sha256_file, table_path
from transforms.reference import REFERENCE_DIR
from transforms.snapshot import TABLES

# Observable source assets are labelled beta by Dagster; they are the documented way to give a
# file a data version, used on purpose.
warnings.filterwarnings(
    "ignore",
    message=".*(observable_source_asset|LocalFileCodeReference|CodeReferencesMetadataValue)",
    category=dg.BetaWarning,
)

INCOMING_KEY = dg.AssetKey(["upstream", "incoming"])
REFERENCE_CURATED = dg.AssetKey(["reference", "curated"])
REFERENCE_POLICY = dg.AssetKey(["reference", "policy"])
TRADE_TABLE = "baci_trade"
GROUP = "sources"
OWNERS = ["team:briefing"]
# observable_source_asset takes kinds as tags only.
FILE_KIND = {"dagster/kind/file": ""}
# Observing is cheap (checksums); every five minutes keeps a dropped file's latency low without
# filling the run list. The incoming folder is watched more closely: someone is waiting.
OBSERVE_CRON = "*/5 * * * *"
OBSERVE_INCOMING_CRON = "* * * * *"


def snapshot_file_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["snapshot_files", table])


def _observe_every(cron: str) -> dg.AutomationCondition:
    return dg.AutomationCondition.cron_tick_passed(cron) & ~dg.AutomationCondition.in_progress()


def digest_of(entries: dict[str, str]) -> str:
    """One sha256 over a name -> checksum mapping (order-independent)."""
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def scan_folder(folder: Path) -> dict[str, str]:
    """Every visible file under ``folder`` (relative path -> sha256); partial copies skipped."""
    from orchestration.upstream.refresh import scan_incoming

    return scan_incoming(folder)


@dg.multi_observable_source_asset(
    specs=[
        dg.AssetSpec(
            INCOMING_KEY,
            group_name=GROUP,
            description="Files dropped into the incoming folder (data/incoming/), laid out like "
            "the upstream folder. Data version: sha256 over every file's path and sha256.",
            automation_condition=_observe_every(OBSERVE_INCOMING_CRON),
            owners=OWNERS,
            kinds={"file"},
        )
    ],
)
def incoming_files():
    files = scan_folder(default_incoming_dir())
    yield dg.ObserveResult(
        asset_key=INCOMING_KEY,
        data_version=dg.DataVersion(digest_of(files)),
        metadata={"files": dg.MetadataValue.int(len(files)), "paths": dg.MetadataValue.json(files)},
    )


def reference_files(policy: bool) -> dict[str, str]:
    """The curated reference files (policy ones, or all the others) -> sha256."""
    policy_dir = REFERENCE_DIR / "policy"
    out = {}
    for p in sorted(REFERENCE_DIR.rglob("*")):
        if not p.is_file() or p.suffix not in {".yaml", ".csv"}:
            continue
        if p.is_relative_to(policy_dir) == policy:
            out[p.relative_to(REFERENCE_DIR).as_posix()] = sha256_file(p)
    return out


@dg.multi_observable_source_asset(
    specs=[
        dg.AssetSpec(
            REFERENCE_CURATED,
            group_name=GROUP,
            description="Curated reference data (data/reference/*.yaml, *.csv): the mineral "
            "registry, economies and country names, groups, source records, corrections.",
            automation_condition=_observe_every(OBSERVE_CRON),
            owners=OWNERS,
            kinds={"file"},
        ),
        dg.AssetSpec(
            REFERENCE_POLICY,
            group_name=GROUP,
            description="Curated policy data (data/reference/policy/*.yaml): export controls, "
            "stockpiles, price floors and scenario parameters.",
            automation_condition=_observe_every(OBSERVE_CRON),
            owners=OWNERS,
            kinds={"file"},
        ),
    ],
    can_subset=True,
)
def reference_data(context: dg.AssetExecutionContext):
    for key, policy in ((REFERENCE_CURATED, False), (REFERENCE_POLICY, True)):
        if key not in context.selected_asset_keys:
            continue
        files = reference_files(policy)
        yield dg.ObserveResult(
            asset_key=key,
            data_version=dg.DataVersion(digest_of(files)),
            metadata={"files": dg.MetadataValue.json(files)},
        )


def snapshot_table_shas(snapshot_dir: Path) -> dict[str, str]:
    """Every snapshot table -> the sha256 its manifest records."""
    return {
        t["name"]: t["sha256"] for m in read_manifests(snapshot_dir).values() for t in m["tables"]
    }


@dg.multi_observable_source_asset(
    specs=[
        dg.AssetSpec(
            snapshot_file_key(spec.name),
            group_name=GROUP,
            description=f"The embedded snapshot's {spec.name} table file (source {spec.source}); "
            "data version: the sha256 its manifest records.",
            automation_condition=_observe_every(OBSERVE_CRON),
            owners=OWNERS,
            kinds={"file"},
        )
        for spec in TABLES
        if spec.name != TRADE_TABLE
    ],
    can_subset=True,
)
def snapshot_files(context: dg.AssetExecutionContext, snapshot: SnapshotSource):
    shas = snapshot_table_shas(snapshot.snapshot_path)
    for key in sorted(context.selected_asset_keys, key=lambda k: k.path):
        table = key.path[-1]
        # A table the snapshot does not hold (an optional source) has its own stable version.
        yield dg.ObserveResult(
            asset_key=key, data_version=dg.DataVersion(shas.get(table, "absent"))
        )


def year_digests(path: Path) -> dict[str, str]:
    """Per trade year, one sha256 over the sorted hashes of its rows: equal means unchanged."""
    if not path.exists():
        return {}
    frame = pl.read_parquet(path)
    digests = (
        frame.select(
            pl.col(PARTITION_COLUMN),
            pl.struct(pl.exclude(PARTITION_COLUMN)).hash(seed=0).alias("h"),
        )
        .group_by(PARTITION_COLUMN)
        .agg(pl.col("h").sort())
    )
    return {
        str(row[PARTITION_COLUMN]): hashlib.sha256(
            ",".join(map(str, row["h"])).encode()
        ).hexdigest()
        for row in digests.iter_rows(named=True)
    }


@dg.observable_source_asset(
    key=snapshot_file_key(TRADE_TABLE),
    group_name=GROUP,
    partitions_def=trade_years,
    description="The embedded snapshot's BACI trade table, observed per year: each year's data "
    "version is a sha256 over the hashes of its rows, so a revised year recomputes only itself.",
    automation_condition=_observe_every(OBSERVE_CRON),
    tags=FILE_KIND,
    # A partitioned observable source is a SourceAsset: Dagster gives it no owners and no code
    # reference of its own, so the reference is written here.
    metadata={
        "dagster/code_references": dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=__file__, line_number=1)]
        )
    },
)
def trade_file(snapshot: SnapshotSource) -> dg.DataVersionsByPartition:
    digests = year_digests(table_path(TRADE_TABLE, snapshot.snapshot_path))
    return dg.DataVersionsByPartition(
        {year: digests.get(year, "absent") for year in trade_years.get_partition_keys()}
    )


observed_assets = [incoming_files, reference_data, snapshot_files, trade_file]


def observed_keys() -> list[dg.AssetKey]:
    """The keys of every observed source asset."""
    return [*incoming_files.keys, *reference_data.keys, *snapshot_files.keys, trade_file.key]
