"""Data-quality tables of the USGS inputs and their checks.

* ``usgs_unit_sanity`` — unit slips in the USGS world tables (header unit against the notes,
  50-fold jumps between years or editions), each corrected or accepted in
  ``data/reference/corrections.yaml`` or unexplained; a blocking check (ERROR) fails the build
  on any unexplained case, so nothing downstream of the clean layer is built on a slip.
* ``usgs2026_transcription_diff`` — where the retired transcription of MCS 2026 and USGS's data
  release differ; published for readers, no check beyond its schema.

The computations are :mod:`transforms.unit_sanity` and
:func:`transforms.parsers.usgs_release_compare.compare_transcription`; descriptions, column
schemas and the pandera schema checks come from the registry like the other quality tables.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import GROUP, failure_metadata, snap
from orchestration.metadata import frame_metadata
from transforms.metadata import TABLES
from transforms.parsers.usgs_release_compare import compare_transcription
from transforms.unit_sanity import unit_sanity_table

_QUALITY = {"kinds": {"polars"}, "tags": {"layer": "clean", "purpose": "data-quality"}}
_LAYOUTS = ("world", "salient", "import_sources")


def _optional(df: pl.DataFrame) -> pl.DataFrame | None:
    # Optional snapshot tables arrive as empty frames (see orchestration.assets.clean).
    return None if df.width == 0 else df


@dg.asset(
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={"world": snap("usgs_world"), "world2025": snap("usgs2025_world"), "world2026": snap("usgs2026_world")},
    description=TABLES["usgs_unit_sanity"].asset_description(),
    **_QUALITY,
)
def usgs_unit_sanity(world: pl.DataFrame, world2025: pl.DataFrame, world2026: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    df = unit_sanity_table(world, _optional(world2025), _optional(world2026))
    meta = frame_metadata(df, TABLES["usgs_unit_sanity"].column_descriptions)
    counts = {s: n for s, n in df.group_by("status").len().sort("status").iter_rows()}
    return dg.Output(df, metadata={**meta, "by_status": dg.MetadataValue.json(counts)})


@dg.asset_check(
    asset=usgs_unit_sanity,
    blocking=True,
    description="No unexplained unit slip: every case is corrected or accepted, with its reason, in data/reference/corrections.yaml.",
)
def units_explained(usgs_unit_sanity: pl.DataFrame) -> dg.AssetCheckResult:
    df = usgs_unit_sanity
    unexplained = df.filter(pl.col("status") == "unexplained")
    meta = {
        "cases": dg.MetadataValue.int(df.height),
        "corrected": dg.MetadataValue.int(df.filter(pl.col("status") == "corrected").height),
        "accepted": dg.MetadataValue.int(df.filter(pl.col("status") == "accepted").height),
    }
    description = None
    if unexplained.height:
        counts = {c: n for c, n in unexplained.group_by("case").len().sort("case").iter_rows()}
        meta |= failure_metadata(unexplained, counts)
        description = _case_lines(unexplained)
    return dg.AssetCheckResult(
        passed=unexplained.height == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=meta,
        description=description,
    )


_SHOWN = 10


def _case_lines(cases: pl.DataFrame) -> str:
    """One line per unexplained case, naming its cell (the build prints them under the check)."""
    lines = [
        f"file {r['file']}, line {r['line']}, column {r['column']!r}: {r['case']} "
        f"({r['commodity_code']} {r['measure']}{', ' + r['country'] if r['country'] else ''}): "
        f"{r['detail']}, {r['ratio']:,.1f} times; compared with {r['compared_with']}"
        for r in cases.head(_SHOWN).iter_rows(named=True)
    ]
    if cases.height > _SHOWN:
        lines.append(f"... and {cases.height - _SHOWN} more (see the check's failure_sample)")
    return "\n".join(lines)


@dg.asset(
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={
        **{f"transcribed_{k}": snap(f"usgs2026_transcribed_{k}") for k in _LAYOUTS},
        **{f"official_{k}": snap(f"usgs2026_{k}") for k in _LAYOUTS},
    },
    description=TABLES["usgs2026_transcription_diff"].asset_description(),
    **_QUALITY,
)
def usgs2026_transcription_diff(**frames: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    sides = {
        side: {k: f for k in _LAYOUTS if (f := _optional(frames[f"{side}_{k}"])) is not None}
        for side in ("transcribed", "official")
    }
    if not (sides["transcribed"] and sides["official"]):
        df = pl.DataFrame(schema={c: f.dtype for c, f in TABLES["usgs2026_transcription_diff"].columns.items()})
    else:
        df = compare_transcription(sides["transcribed"], sides["official"])
    meta = frame_metadata(df, TABLES["usgs2026_transcription_diff"].column_descriptions)
    counts = {n: c for n, c in df.group_by("note").len().sort("note").iter_rows()}
    return dg.Output(df, metadata={**meta, "by_note": dg.MetadataValue.json(counts)})


usgs_quality_assets = [usgs_unit_sanity, usgs2026_transcription_diff]
usgs_quality_checks = [units_explained]
