"""The Dagster Definitions load, their asset and check keys match the committed snapshot, and
every table asset carries its registry description, column schema and blocking schema check.

A change to the asset graph is a deliberate act: regenerate the snapshot with
``BRIEFING_UPDATE_SNAPSHOTS=1 uv run pytest tests/test_definitions.py`` and review the diff.
A missing snapshot file fails the test; it is never written silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.metadata import PREFIX_LAYERS, registry_table
from transforms.metadata import TABLES, tables_in

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions_keys.txt"
UPDATE_ENV = "BRIEFING_UPDATE_SNAPSHOTS"


def _keys() -> str:
    graph = defs.resolve_asset_graph()
    assets = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    return "\n".join(["# assets", *assets, "# checks", *checks]) + "\n"


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("build") is not None


def test_asset_and_check_keys_match_the_snapshot():
    current = _keys()
    if os.environ.get(UPDATE_ENV) == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: write it with {UPDATE_ENV}=1 and review it"
    assert current == SNAPSHOT.read_text(encoding="utf-8"), f"asset graph changed: rerun with {UPDATE_ENV}=1 and review the diff"


def test_every_asset_has_a_plain_description_group_and_kind():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 20, key
        assert "**" not in node.description.splitlines()[0], key
        assert node.group_name in {"sources", "snapshot", "clean", "quality", "marts", "site"}, key
        assert node.kinds, key


def test_every_table_asset_is_in_the_registry_with_its_column_schema():
    graph = defs.resolve_asset_graph()
    table_keys = [k for k in graph.get_all_asset_keys() if k.path[0] in PREFIX_LAYERS]
    assert {k.path[1] for k in table_keys} == set(tables_in("snapshot", "clean", "quality", "marts"))
    for key in table_keys:
        meta = registry_table(key)
        node = graph.get(key)
        assert meta is not None and node.description.startswith(meta.asset_description()), key
        schema = node.metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == list(meta.columns), key
        assert all(c.tags.get("unit") for c in schema.columns), key


def test_every_table_has_a_blocking_schema_check():
    blocking = {
        (c.asset_key.to_user_string(), c.name): c.blocking
        for checks_def in defs.asset_checks or []
        for c in checks_def.check_specs
    }
    prefix = {"clean": "clean", "quality": "clean", "marts": "marts"}
    for name, meta in tables_in("clean", "quality", "marts").items():
        assert blocking.get((f"{prefix[meta.layer]}/{name}", "schema")) is True, name
    assert set(TABLES) >= {"production", "trade", "country_name_coverage", "scenario_export_ban"}


def test_every_asset_has_an_owner_a_code_reference_and_freshness_where_it_matters():
    graph = defs.resolve_asset_graph()
    factories = {"mart_factory.py", "clean.py", "snapshot.py"}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        # The per-year trade observation is a SourceAsset, which Dagster 1.13 gives no owners.
        if key != dg.AssetKey(["snapshot_files", "baci_trade"]):
            assert node.owners == ["team:briefing"], key
        references = node.metadata["dagster/code_references"].code_references
        # A factory-built asset points at the function it calls, not at the factory.
        assert not any(Path(r.file_path).name in factories and r.label is None for r in references), key
        if key.path[0] in ("marts", "intermediate") or key.to_user_string() == "site/public":
            assert node.freshness_policy is not None, key
