"""Data-quality asset: the OECD export-restrictions inventory against the curated export controls.

``export_controls_crosscheck`` lists China's export-licensing announcements that are in the
OECD inventory and not in data/reference/policy/export_controls.yaml, and vice versa, plus
matches whose dates or minerals differ, each with its reason (the comparison itself is
:func:`transforms.cleaning.oecd.cross_check_export_controls`). Its check is a warning: the two
lists are curated independently and the OECD inventory lags by a data year, so a gap is a
prompt to review the YAML, not a reason to stop the build. The blocking schema check of the
table is generated with the other data-quality tables' in ``orchestration.assets.reconcile``.
"""

import dagster as dg
import polars as pl

from orchestration.assets.clean import GROUP, warn_to_review
from orchestration.metadata import frame_metadata
from transforms.cleaning.oecd import cross_check_export_controls
from transforms.metadata import TABLES, dtypes
from transforms.policy_frames import export_controls_frame

TABLE = "export_controls_crosscheck"
# Statuses that need a look at export_controls.yaml; announcements that take effect after the
# OECD data year cannot be in that inventory and are listed for information only.
REVIEW_STATUSES = ("oecd_only", "yaml_only", "dates_differ")


@dg.asset(
    name=TABLE,
    key_prefix=[GROUP],
    group_name=GROUP,
    ins={"export_restrictions": dg.AssetIn(key=dg.AssetKey([GROUP, "export_restrictions"]))},
    description=TABLES[TABLE].asset_description(),
    kinds={"polars"},
    tags={"layer": "clean", "purpose": "data-quality"},
)
def export_controls_crosscheck(export_restrictions: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    if export_restrictions.height == 0:
        # No OECD inventory in the snapshot: nothing to compare, rather than every YAML event
        # reported as missing from an inventory that is not there.
        df = pl.DataFrame(schema=dtypes(TABLE))
    else:
        df = cross_check_export_controls(export_restrictions, export_controls_frame())
    counts = dict(df.group_by("status").len().sort("status").iter_rows())
    meta = frame_metadata(df, TABLES[TABLE].column_descriptions)
    return dg.Output(df, metadata={**meta, "by_status": dg.MetadataValue.json(counts)})


def to_review(df: pl.DataFrame) -> pl.DataFrame:
    """Rows that need a look: a gap or a date difference, or a match whose minerals differ."""
    minerals_differ = (pl.col("minerals_only_in_oecd").list.len() > 0) | (
        pl.col("minerals_only_in_yaml").list.len() > 0
    )
    return df.filter(pl.col("status").is_in(REVIEW_STATUSES) | minerals_differ.fill_null(False))


@dg.asset_check(
    asset=export_controls_crosscheck,
    blocking=True,
    description="The OECD inventory's licensing announcements and export_controls.yaml agree (warning only: curated independently, OECD lags a data year).",
)
def export_controls_agree(export_controls_crosscheck: pl.DataFrame) -> dg.AssetCheckResult:
    df = export_controls_crosscheck
    review = to_review(df)
    counts = dict(df.group_by("status").len().sort("status").iter_rows())
    summary = f"{df.height} announcements: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    summary += f"; {review.height} to review" if review.height else "; nothing to review"
    meta = {
        "announcements": dg.MetadataValue.int(df.height),
        "by_status": dg.MetadataValue.json(counts),
    }
    return warn_to_review(review, "to_review", meta, summary)


crosscheck_assets = [export_controls_crosscheck]
crosscheck_checks = [export_controls_agree]
