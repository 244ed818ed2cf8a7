"""The published site is only ever built from the publishing configuration, and only when every
asset and check upstream succeeded, whichever run materialised them.

The slow tests start from a copy of the session's CLI build (its Dagster instance, warehouse and
public/), then run the ``build`` job in process on a selection, as a UI run or a sensor run does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.io import WHAT_IF_DIR, PolarsParquetIOManager
from orchestration.settings import publishing_hash

SITE = [dg.AssetKey(["site", "pages"]), dg.AssetKey(["site", "public"])]
WHAT_IF = {"resources": {"settings": {"config": {"alliance": ["g7", "AUS", "KOR"]}}}}


def test_every_check_is_blocking_and_every_leaf_comes_before_the_site():
    graph = defs.resolve_asset_graph()
    specs = [s for c in defs.asset_checks for s in c.check_specs]
    # The site's own check runs after publishing; every other check holds back what follows it.
    assert all(s.blocking for s in specs if s.asset_key.path[0] != "site"), [
        f"{s.asset_key.to_user_string()}:{s.name}" for s in specs if not s.blocking
    ]
    upstream = dg.AssetSelection.assets(dg.AssetKey(["site", "public"])).upstream().resolve(graph)
    # The automation's source assets (incoming ingest, publisher refreshes) write the snapshot
    # files, which the snapshot assets observe; they are not the site's inputs.
    sources = dg.AssetSelection.groups("sources").resolve(graph)
    assert graph.materializable_asset_keys - sources <= upstream


@pytest.fixture
def built(session_build, tmp_path, monkeypatch) -> Path:
    assert session_build.returncode == 0, session_build.stderr[-2000:]
    root = tmp_path / "build"
    shutil.copytree(session_build.root, root, symlinks=True)
    monkeypatch.setenv("BRIEFING_DOCS_DIR", str(root / "docs"))
    monkeypatch.setenv("BRIEFING_PUBLIC_DIR", str(root / "public"))
    return root


def _run(root: Path, selection: list[dg.AssetKey], run_config: dict | None = None):
    """The build job on ``selection``, against the copied build's warehouse and instance."""
    warehouse = PolarsParquetIOManager(base_dir=str(root / "warehouse"))
    copy = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        executor=defs.executor,
        resources={**defs.resources, "io_manager": warehouse},
    )
    job = copy.resolve_job_def("build")
    with dg.DagsterInstance.from_config(str(root / "dagster_home")) as instance:
        return job.execute_in_process(
            instance=instance, asset_selection=selection, run_config=run_config or {}, raise_on_error=False
        )


def _published(root: Path) -> dict:
    return json.loads((root / "public" / "data" / "datapackage.json").read_text(encoding="utf-8"))


def _marts() -> list[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    return [k for k in graph.materializable_asset_keys if k.path[0] in ("marts", "intermediate")]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_what_if_run_never_reaches_the_published_site(built):
    before = (built / "public" / "data" / "datapackage.json").read_bytes()
    warehouse_mart = built / "warehouse" / "marts" / "concentration.parquet"
    mart_bytes = warehouse_mart.read_bytes()

    result = _run(built, [*_marts(), *SITE], WHAT_IF)
    assert not result.success
    [agree] = [c for c in result.get_asset_check_evaluations() if c.check_name == "settings_agree"]
    assert not agree.passed and "publishing configuration" in agree.description
    built_keys = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["site", "public"]) not in built_keys
    # The what-if marts went to their own folder; the warehouse and the site are untouched.
    assert list((built / "warehouse" / WHAT_IF_DIR).glob("*/marts/concentration.parquet"))
    assert warehouse_mart.read_bytes() == mart_bytes
    assert (built / "public" / "data" / "datapackage.json").read_bytes() == before
    # Nor can a later run of site/public alone publish the what-if pages left in the docs folder.
    assert not _run(built, [dg.AssetKey(["site", "public"])]).success
    assert (built / "public" / "data" / "datapackage.json").read_bytes() == before

    # Then the publishing path (as a sensor run would): the site is whole, under one configuration.
    again = _run(built, [dg.AssetKey(["marts", "concentration"]), *SITE])
    assert again.success, [e.message for e in again.all_events if e.is_failure]
    recorded = _published(built)["briefing:settings"]
    assert recorded["hash"] == publishing_hash()
    assert set(recorded["marts"].values()) == {publishing_hash()}
    assert recorded["settings"]["settings"]["alliance"] == ["g7", "eu27", "AUS", "NZL", "IND", "KOR"]


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("asset", "check"),
    [("marts/concentration", "shares_bounded"), ("clean/world_total_reconciliation", "world_totals_agree")],
)
def test_a_failed_error_check_in_another_run_stops_publishing(built, asset, check):
    """As in the UI's multi-run "Materialize all": the check failed in another run than the one
    that reaches site/public; the instance remembers it and the site is not published."""
    before = (built / "public" / "data" / "datapackage.json").read_bytes()
    with dg.DagsterInstance.from_config(str(built / "dagster_home")) as instance:
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=dg.AssetKey(asset.split("/")),
                check_name=check,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
            )
        )
    result = _run(built, [dg.AssetKey(["site", "public"])])
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.event_specific_data.error.message
    assert "site not published" in message and f"{asset}:{check}" in message
    assert (built / "public" / "data" / "datapackage.json").read_bytes() == before


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_failed_leaf_asset_stops_publishing(built, tmp_path):
    """The HS-code map is read by no other asset; when it fails, the site is not published."""
    before = (built / "public" / "data" / "datapackage.json").read_bytes()
    upstream = tmp_path / "upstream" / "reference"
    upstream.mkdir(parents=True)
    (upstream / "hs_code_map_scrreen.csv").write_text("not,the,header\n", encoding="utf-8")
    config = {"resources": {"snapshot": {"config": {"upstream_dir": str(upstream.parent)}}}}
    result = _run(built, [dg.AssetKey(["snapshot", "hs_code_map"]), *SITE], config)
    assert not result.success
    assert not {e.asset_key for e in result.get_asset_materialization_events()} & set(SITE)
    assert (built / "public" / "data" / "datapackage.json").read_bytes() == before


@pytest.mark.slow
def test_each_trade_year_reports_its_own_row_count(session_build, upstream_dir):
    """After a run of every year, each year's materialisation carries that year's rows, as
    counted in the BACI file itself (not the whole table's 1.26 million)."""
    import polars as pl

    raw = pl.read_csv(upstream_dir / "baci-hs92" / "BACI_HS92_V202401b_critical_subset.csv.gz", columns=["t"])
    expected = {str(t): n for t, n in raw.group_by("t").len().iter_rows()}
    with dg.DagsterInstance.from_config(str(session_build.dagster_home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey(["snapshot", "baci_trade"]), limit=200).records
    reported = {}
    for record in records:
        event = record.asset_materialization
        reported.setdefault(event.partition, event.metadata["dagster/row_count"].value)
    assert reported.pop(None) == raw.height
    assert reported == expected
