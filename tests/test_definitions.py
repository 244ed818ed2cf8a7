"""The Dagster Definitions load, and their asset and check keys match the committed snapshot.

A change to the asset graph is a deliberate act: regenerate the snapshot with
``UPDATE_SNAPSHOTS=1 uv run pytest tests/test_definitions.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions_keys.txt"


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
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8")


def test_every_asset_has_a_description_group_and_kind():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 20, key
        assert node.group_name in {"snapshot", "clean", "marts", "site"}, key
        assert node.kinds, key


def test_every_clean_table_has_a_blocking_schema_check():
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for table in ("production", "reserves", "production_wmd", "trade", "us_salient", "governance"):
        assert (f"clean/{table}", "schema") in checks
    blocking = {
        (c.asset_key.to_user_string(), c.name)
        for checks_def in defs.asset_checks or []
        for c in checks_def.check_specs
        if c.blocking
    }
    assert ("clean/production", "schema") in blocking
