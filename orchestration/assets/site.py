"""Site layer: render the briefing's pages, then publish them with MkDocs, atomically.

* ``site/pages`` renders every page (``transforms.site.builder``) from the clean tables and the
  marts into a fresh staging folder, then swaps it into the docs folder (``build/docs``), with
  the CSV/Parquet downloads and ``datapackage.json`` under ``data/``. It reads the previous
  build's headline state and changelog from the published site to say what changed.
  ``datapackage.json`` records the settings hash every mart was computed under, and the blocking
  check ``settings_agree`` refuses a site whose marts were not all computed under the publishing
  configuration (a what-if run, or marts left over from other defaults).
* ``site/public`` runs ``mkdocs build --strict`` into a fresh folder and swaps it into
  ``public/`` only when the whole build succeeded (``orchestration.publish``), and only when the
  instance shows every asset and check upstream succeeded (``orchestration.gate``), whichever
  runs materialised them.
* ``site_offline`` checks the published HTML loads nothing from another host.

Every table the pages use is an asset input loaded by the IO manager: every clean and data-quality
table of the registry, every mart of ``transforms.site.marts.SITE_MARTS`` (the mart registry, so a new mart
reaches the downloads and pages without a change here) and the HS code descriptions. Trade,
partitioned by year, comes in whole: every partition, concatenated by the IO manager. So the
lineage Dagster shows is the data flow, and the site never reads a file Dagster did not load.
"""

import json
import os
import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_shared.check import CheckError

from orchestration import locks, publish
from orchestration.atomic import recover_interrupted_swap, swap_in
from orchestration.gate import publishing_blockers
from orchestration.io import SETTINGS_HASH_KEY, STORED_IN_KEY, WAREHOUSE, WHAT_IF_DIR
from orchestration.paths import DEFAULT_SNAPSHOT_DIR, REPO_ROOT
from orchestration.scenario_settings import ScenarioSettings
from orchestration.settings import (
    BriefingSettings,
    publishing_hash,
    settings_fingerprint,
    settings_hash,
)
from orchestration.snapshot_store import read_manifests
from transforms import metadata, reference
from transforms import policy_frames as policy
from transforms.site import builder, changes
from transforms.site.marts import SITE_MARTS

GROUP = "site"
# Every clean and data-quality table of the registry (data-quality assets live in the clean
# group): a table added there is published on the Data page with no change here.
CLEAN_TABLES = (*metadata.CLEAN_TABLES, *metadata.QUALITY_TABLES)
HS_CODES = dg.AssetKey(["snapshot", "baci_product_codes"])
# Tables no other asset reads: the site waits for them too, so one that fails stops the site in
# the same run (tests/test_publishing.py checks every asset is upstream of site/public).
LEAVES = [dg.AssetKey(["snapshot", "hs_code_map"])]
# Input names: "<layer>__<table>", so a clean table and a mart may share a name.
_SEP = "__"


def _input(layer: str, table: str) -> dg.AssetIn:
    # Every partition of a partitioned table (trade, by year), concatenated by the IO manager.
    return dg.AssetIn(key=dg.AssetKey([layer, table]), partition_mapping=dg.AllPartitionMapping())


SITE_INS = {
    **{f"clean{_SEP}{t}": _input("clean", t) for t in CLEAN_TABLES},
    **{f"marts{_SEP}{m}": _input("marts", m) for m in SITE_MARTS},
    "hs_codes": dg.AssetIn(key=HS_CODES),
}
# Anything a page would fetch from another host: scripts, styles, fonts, images, frames.
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I
)


def split_inputs(frames: dict[str, pl.DataFrame], layer: str) -> dict[str, pl.DataFrame]:
    """The input frames of one layer ("clean" or "marts"), by table name, in name order."""
    prefix = f"{layer}{_SEP}"
    return {k.removeprefix(prefix): v for k, v in sorted(frames.items()) if k.startswith(prefix)}


class SiteConfig(dg.Config):
    """Where the site goes. Empty = $BRIEFING_DOCS_DIR / $BRIEFING_PUBLIC_DIR, else build/docs and public/."""

    docs_dir: str = ""
    public_dir: str = ""

    def docs_path(self) -> Path:
        return Path(
            self.docs_dir or os.environ.get("BRIEFING_DOCS_DIR") or REPO_ROOT / "build" / "docs"
        )

    def public_path(self) -> Path:
        return Path(
            self.public_dir or os.environ.get("BRIEFING_PUBLIC_DIR") or REPO_ROOT / "public"
        )


def _read_json(path: Path, default):
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        # A damaged state file must not stop the build; the changelog then starts afresh.
        return default


def full_asset_graph(context: dg.AssetExecutionContext):
    """Every asset and check of the code location, whatever this run selected."""
    try:
        graph = context.repository_def.asset_graph
    except CheckError:
        graph = None
    # An in-process run (the CLI) carries no repository, and a step reconstructed in a worker
    # process may carry only its job's part of the graph: then read the project's definitions.
    if graph is None or not graph.has(dg.AssetKey(["site", "public"])):
        from orchestration.definitions import defs

        graph = defs.resolve_asset_graph()
    return graph


def recorded_checks(context: dg.AssetExecutionContext) -> list[dict]:
    """The latest recorded result of every asset check Dagster knows, for the data-quality page."""
    graph = full_asset_graph(context)
    # The site's own checks run after it is published, so they cannot be reported on it.
    # Sorted: the graph holds the keys in a set, whose order changes from run to run.
    keys = sorted(
        (k for k in graph.asset_check_keys if k.asset_key.path[0] != GROUP),
        key=lambda k: (k.asset_key.to_user_string(), k.name),
    )
    if not keys:
        return []
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    out = []
    for key in keys:
        spec = graph.get_check_spec(key)
        record = records.get(key)
        # A PLANNED record (the check runs later in this run) carries no evaluation yet.
        done = record is not None and record.status.value in ("SUCCEEDED", "FAILED")
        evaluation = record.evaluation if done else None
        out.append(
            {
                "asset": key.asset_key.to_user_string(),
                "check": key.name,
                "description": spec.description or "",
                "blocking": bool(spec.blocking),
                "passed": None if evaluation is None else evaluation.passed,
                "severity": None if evaluation is None else evaluation.severity.value,
            }
        )
    return out


# Where datapackage.json records the analysis settings of the published figures.
SETTINGS_PROPERTY = "briefing:settings"
DATAPACKAGE = Path("data") / "datapackage.json"


def mart_settings(instance: dg.DagsterInstance, marts: list[str], run_hash: str) -> dict[str, str | None]:
    """Per mart, the settings hash of its latest materialisation in the folder this run reads
    (the warehouse, or the run's what-if folder); None when there is none."""
    folder = WAREHOUSE if run_hash == publishing_hash() else f"{WHAT_IF_DIR}/{run_hash}"
    out: dict[str, str | None] = {}
    for mart in marts:
        records = instance.fetch_materializations(dg.AssetKey(["marts", mart]), limit=100).records
        metas = (r.asset_materialization.metadata for r in records if r.asset_materialization)
        meta = next((m for m in metas if getattr(m.get(STORED_IN_KEY), "value", None) == folder), None)
        out[mart] = None if meta is None else meta[SETTINGS_HASH_KEY].value
    return out


def record_settings(docs_dir: Path, fingerprint: dict, run_hash: str, marts: dict[str, str | None]) -> None:
    """Write the settings the site was built under into its datapackage.json."""
    path = docs_dir / DATAPACKAGE
    package = json.loads(path.read_text(encoding="utf-8"))
    package[SETTINGS_PROPERTY] = {
        "hash": run_hash,
        "publishing_hash": publishing_hash(),
        "settings": fingerprint,
        "marts": marts,
    }
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@dg.asset(
    key=dg.AssetKey([GROUP, "pages"]),
    group_name=GROUP,
    ins=SITE_INS,
    deps=LEAVES,
    kinds={"jinja", "markdown"},
    tags={"layer": "site"},
)
def site_pages(
    context: dg.AssetExecutionContext,
    config: SiteConfig,
    settings: BriefingSettings,
    scenario_settings: ScenarioSettings,
    hs_codes: pl.DataFrame,
    **tables: pl.DataFrame,
) -> dg.MaterializeResult:
    """Every page of the briefing rendered to Markdown (Jinja templates in site/templates), with
    inline SVG charts, the data downloads and datapackage.json, in a fresh docs folder that
    replaces the previous one only when rendering finished."""
    started = time.perf_counter()
    marts = split_inputs(tables, "marts")
    public_dir = config.public_path()
    clean = split_inputs(tables, "clean")
    data = builder.SiteData(
        clean=clean,
        marts=marts,
        minerals=reference.load_minerals(),
        economies=reference.economies_frame(),
        alliance=settings.alliance_members(),
        china=settings.china_members(),
        eu27=settings.eu27_members(),
        manifests=read_manifests(DEFAULT_SNAPSHOT_DIR),
        build_date=datetime.now(UTC).date(),
        uses=builder.end_uses(clean["mineral_end_uses"]),
        previous_state=_read_json(public_dir / changes.STATE_FILE, None),
        changelog=_read_json(public_dir / changes.CHANGELOG_FILE, []),
        check_results=recorded_checks(context),
        hs_descriptions=dict(zip(hs_codes["hs6"], hs_codes["description"], strict=True))
        if hs_codes.height
        else {},
        reference_tables={"stockpile_programmes": policy.stockpiles_frame()},
    )
    docs_dir = config.docs_path()
    # This run's own working folder (runs/<run-id>/ beside the docs), so two runs never share
    # a staging folder; the folders of runs that died are removed first.
    runs = docs_dir.parent / "runs"
    locks.clean_dead_runs(runs)
    work = locks.run_dir(runs, context.run_id)
    try:
        result = builder.build_site(data, work / "docs")
        run_hash = settings_hash(settings, scenario_settings)
        used = mart_settings(context.instance, sorted(marts), run_hash)
        record_settings(work / "docs", settings_fingerprint(settings, scenario_settings), run_hash, used)
        with locks.hold(locks.publish_lock_path(config.public_path()), "build"):
            recover_interrupted_swap(docs_dir)
            swap_in(work / "docs", docs_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - started
    context.log.info(f"site pages: {len(result.pages)} pages in {seconds:.1f} s into {docs_dir}")
    headline = "\n".join(f"- {h['text']}" for h in result.state["headlines"].values())
    return dg.MaterializeResult(
        metadata={
            "pages": dg.MetadataValue.int(len(result.pages)),
            "seconds": dg.MetadataValue.float(round(seconds, 1)),
            "docs_dir": dg.MetadataValue.path(str(docs_dir)),
            "marts_used": dg.MetadataValue.text(", ".join(sorted(marts)) or "none"),
            "downloads": dg.MetadataValue.int(len(result.downloads)),
            "headlines": dg.MetadataValue.md(headline),
            "changes_since_last_build": dg.MetadataValue.int(len(result.changes)),
            SETTINGS_HASH_KEY: dg.MetadataValue.text(run_hash),
        }
    )


@dg.asset_check(
    asset=site_pages,
    name="settings_agree",
    blocking=True,
    description="Every mart on the pages was computed under the publishing configuration "
    "(alliance, SARs rule, scenario settings), so no what-if figure is published.",
)
def settings_agree(config: SiteConfig) -> dg.AssetCheckResult:
    recorded = json.loads((config.docs_path() / DATAPACKAGE).read_text(encoding="utf-8"))[SETTINGS_PROPERTY]
    expected = publishing_hash()
    wrong = {m: h for m, h in recorded["marts"].items() if h != expected}
    problems = [f"{m}: computed under {h or 'unknown settings'}" for m, h in sorted(wrong.items())]
    if recorded["hash"] != expected:
        problems.insert(0, f"pages built under settings {recorded['hash']}, not the publishing configuration")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "publishing_hash": dg.MetadataValue.text(expected),
            "pages_hash": dg.MetadataValue.text(recorded["hash"]),
            "marts_checked": dg.MetadataValue.int(len(recorded["marts"])),
        },
        description="; ".join(problems) if problems else f"all marts computed under {expected}",
    )


@dg.asset(
    key=dg.AssetKey([GROUP, "public"]),
    group_name=GROUP,
    deps=[site_pages],
    kinds={"mkdocs"},
    tags={"layer": "site"},
)
def site_public(context: dg.AssetExecutionContext, config: SiteConfig) -> dg.MaterializeResult:
    """The published site in public/: `mkdocs build --strict` (MkDocs Material, no network) into
    a fresh folder, swapped into place only when the whole build succeeded and every asset and
    check upstream, in whichever run, succeeded."""
    blockers = publishing_blockers(context.instance, full_asset_graph(context), context.run_id)
    if blockers:
        raise dg.Failure(
            description=f"site not published, public/ left as it was: {len(blockers)} upstream "
            f"problem(s): " + "; ".join(blockers[:10]) + ("; ..." if len(blockers) > 10 else ""),
            metadata={"blockers": dg.MetadataValue.md("\n".join(f"- {b}" for b in blockers))},
        )
    result = publish.build_and_publish(config.docs_path(), config.public_path(), run_id=context.run_id)
    context.log.info(
        f"site published: {result.pages} pages, {result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s to {result.public_dir}"
    )
    return dg.MaterializeResult(
        metadata={
            "pages": dg.MetadataValue.int(result.pages),
            "size_mb": dg.MetadataValue.float(round(result.bytes / 1e6, 1)),
            "seconds": dg.MetadataValue.float(round(result.seconds, 1)),
            "public_dir": dg.MetadataValue.path(str(result.public_dir)),
        }
    )


@dg.asset_check(
    asset=site_public,
    description="No published page loads a script, style, font, image or frame from another host.",
)
def site_offline(config: SiteConfig) -> dg.AssetCheckResult:
    offenders = []
    public_dir = config.public_path()
    for page in sorted(public_dir.rglob("*.html")):
        for match in _EXTERNAL.finditer(page.read_text(encoding="utf-8")):
            offenders.append(f"{page.relative_to(public_dir)}: {match.group(0)[:120]}")
    meta = {"external_references": dg.MetadataValue.int(len(offenders))}
    if offenders:
        meta["sample"] = dg.MetadataValue.md("\n".join(f"- `{o}`" for o in offenders[:20]))
    return dg.AssetCheckResult(passed=not offenders, metadata=meta)


site_assets = [site_pages, site_public]
site_checks = [settings_agree, site_offline]
