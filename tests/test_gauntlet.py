"""The bad-input gauntlet: every corruption of a real upstream file ends in a clear refusal.

The cases are data in ``tests/gauntlet/cases.yaml`` (``scripts/make_gauntlet.py`` writes the table of
what the user sees, ``benchmarks/results/gauntlet.md``). For each one this runs ``briefing snapshot --from
<broken upstream> --out <copy of data/snapshot>`` as a subprocess and asserts that it fails with
a message naming the file, line and column, and that the snapshot copy is byte-for-byte what it
was (every file hashed before and after, no staging folder left). The cases the clean layer
catches instead (unknown names, a repeated key) must leave the snapshot able to keep the rows
as published, and make ``briefing build --from-upstream`` fail at the named blocking check with
the file and line in its failure sample; they share one build (a build takes ~30 s) on a full
upstream folder carrying all of them.

Cases run in parallel (subprocesses); the module takes ~2 minutes on 2 cores.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.gauntlet import runner as gauntlet
from tests.gauntlet.cases import cases

CASES = cases()
pytestmark = [pytest.mark.slow, pytest.mark.upstream]

# The corruptions the project promises to handle; each must be exercised by some case.
REQUIRED_KINDS = (
    "truncated",
    "empty file",
    "wrong delimiter",
    "missing column",
    "extra column",
    "renamed header",
    "text in a numeric column",
    "negative",
    "absurd",
    "duplicated key",
    "unknown country",
    "unknown HS code",
    "non-UTF-8",
    "BOM in the middle",
    "share over 100%",
    "HTML/JS in a country name",
    "zip that is not a zip",
)


@pytest.fixture(scope="module")
def outcomes(upstream_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("gauntlet")
    build_cases = [c for c in CASES if c.layer == "build"]
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        build = pool.submit(
            gauntlet.run_clean_layer_build, build_cases, upstream_dir, work / "build"
        )
        futures = {
            c.id: pool.submit(gauntlet.run_case, c, upstream_dir, work / c.id) for c in CASES
        }
        results = {case_id: f.result() for case_id, f in futures.items()}
        code, output, brokens = build.result()
    for case in build_cases:
        results[case.id].build_exit, results[case.id].build_output = code, output
        # The combined folder must break each case exactly as its own folder does.
        assert brokens[case.id].line == results[case.id].broken.line
    return results


def test_every_promised_corruption_has_a_case() -> None:
    labels = " | ".join(c.corruption for c in CASES)
    missing = [kind for kind in REQUIRED_KINDS if kind.lower() not in labels.lower()]
    assert not missing, f"no gauntlet case for: {missing}"
    # Every source family is broken at least once.
    targets = {c.target.split("/")[0] for c in CASES}
    assert {"usgs-mcs", "baci-hs92", "world-mining-data", "wgi"} <= targets


def test_unbroken_minimal_folder_builds_a_snapshot(upstream_dir: Path, tmp_path: Path) -> None:
    # Without it, every refusal below could be the minimal folder's fault, not the corruption's.
    gauntlet.write_clean(upstream_dir, tmp_path / "upstream")
    code, output = gauntlet.run_snapshot(tmp_path / "upstream", tmp_path / "snapshot")
    assert code == 0, output
    assert "Snapshot rebuilt" in output


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.layer == "snapshot"])
def test_snapshot_refuses_and_keeps_the_previous_one(outcomes: dict, case_id: str) -> None:
    outcome = outcomes[case_id]
    output = outcome.snapshot_output
    assert outcome.snapshot_exit == 1, output
    assert "Snapshot NOT rebuilt; the previous one is untouched." in output
    assert outcome.snapshot_intact, "the previous snapshot changed"
    assert outcome.staging_left == []
    where = gauntlet.expected_location(outcome.case, outcome.broken)
    assert where in output, f"expected {where!r} in:\n{output}"
    assert re.search(outcome.case.message, output), output
    # A user-facing message, not a traceback from deep inside a library.
    assert "Traceback" not in output
    assert gauntlet.verdict(outcome) == []


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.layer == "build"])
def test_clean_layer_stops_the_build_and_names_the_row(outcomes: dict, case_id: str) -> None:
    outcome = outcomes[case_id]
    # The snapshot keeps rows as published: a name it does not know is not a format error.
    assert outcome.snapshot_exit == 0, outcome.snapshot_output
    assert outcome.build_exit == 1
    assert re.search(re.escape(outcome.case.check) + r"\s+FAILED", outcome.build_output)
    assert "Build FAILED" in outcome.build_output
    assert gauntlet.verdict(outcome) == [], outcome.build_output[-3000:]
    assert "(no line names this row)" not in outcome.message


def test_results_table_lists_every_case() -> None:
    table = gauntlet.RESULTS_MD.read_text(encoding="utf-8")
    # The site shows this table: the HTML that the gauntlet feeds in must arrive escaped.
    assert "<script" not in table and "&lt;script" in table
    for case in CASES:
        row = f"| `{Path(case.target).name}` | {case.corruption} |"
        assert row in table, f"{case.id} missing from {gauntlet.RESULTS_MD.name}: regenerate it"
