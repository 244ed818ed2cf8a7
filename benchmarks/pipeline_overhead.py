"""The whole ``briefing build`` against the bare transforms called in a plain script.

Bare compute: read the embedded snapshot, run every clean transform, the metric marts, the
export-ban scenario and the event study, render the site's pages and run ``mkdocs build`` —
the same functions the assets call, with no Dagster, no IO manager, no checks. Whole build:
``briefing build`` in a subprocess with its own warehouse and DAGSTER_HOME. Both run twice
(cold chart cache, then warm) and the ratio is printed.

    uv run python -m benchmarks.pipeline_overhead
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]


def bare(workdir: Path) -> dict[str, float]:
    from orchestration import publish
    from orchestration.assets.clean import COMPUTE
    from orchestration.paths import DEFAULT_SNAPSHOT_DIR
    from orchestration.settings import BriefingSettings
    from orchestration.snapshot_store import read_manifests, read_table
    from transforms import blocs, policy_frames, reference
    from transforms.marts import concentration, dependence, events, export_ban, supply_risk
    from transforms.site import builder
    from transforms.snapshot import TABLES

    times: dict[str, float] = {}
    t = time.perf_counter()
    snap = {spec.name: read_table(spec.name) for spec in TABLES}
    times["read snapshot"] = time.perf_counter() - t

    t = time.perf_counter()
    # Every clean table, each computed as its asset computes it (orchestration.assets.clean).
    c = {
        table: compute(**{arg: snap.get(source) for arg, source in inputs.items()})
        for table, (inputs, compute) in COMPUTE.items()
    }
    times["clean"] = time.perf_counter() - t

    s = BriefingSettings()
    alliance, china, eu27 = s.alliance_members(), s.china_members(), s.eu27_members()
    t = time.perf_counter()
    eol = reference.minerals_frame().select(pl.col("slug").alias("mineral"), "eol_rir")
    economies = s.economies()
    flows = blocs.importer_flows(c["trade"], economies)
    marts = {
        "concentration": concentration.concentration(
            c["production"], c["reserves"], c["trade"], china=china, alliance=alliance
        ),
        "dependence": dependence.dependence(flows, c["production"], economies=economies),
        "supply_risk": supply_risk.supply_risk(
            c["production_wmd"], flows, c["governance"], eol, economies=economies
        ),
        "scenario_export_ban": export_ban.scenario_export_ban(
            flows, c["production"], economies=economies
        ),
    }
    ev = events.export_control_events(policy_frames.export_controls_frame())
    marts["export_control_events"] = ev
    marts["event_study"] = events.event_study(ev, c["trade"], alliance=alliance, china=china)
    times["marts (6 of 9)"] = time.perf_counter() - t

    t = time.perf_counter()
    data = builder.SiteData(
        clean=c,
        marts=marts,
        minerals=reference.load_minerals(),
        economies=reference.economies_frame(),
        alliance=alliance,
        china=china,
        eu27=eu27,
        manifests=read_manifests(DEFAULT_SNAPSHOT_DIR),
        build_date=datetime.now(UTC).date(),
        uses=builder.end_uses(c["mineral_end_uses"]),
        previous_state=None,
        changelog=[],
        check_results=[],
        hs_descriptions={},
        reference_tables={"stockpile_programmes": policy_frames.stockpiles_frame()},
    )
    builder.build_site(data, workdir / "docs")
    times["site pages"] = time.perf_counter() - t
    t = time.perf_counter()
    publish.build_and_publish(workdir / "docs", workdir / "public")
    times["mkdocs + publish"] = time.perf_counter() - t
    return times


def whole(workdir: Path) -> float:
    env = os.environ | {
        "DAGSTER_HOME": str(workdir / "dagster_home"),
        "BRIEFING_WAREHOUSE_DIR": str(workdir / "warehouse"),
        "BRIEFING_DOCS_DIR": str(workdir / "docs"),
        "BRIEFING_PUBLIC_DIR": str(workdir / "public"),
    }
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "build"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Each side gets its own chart cache, so the first round is cold for both.
        for label in ("cold chart cache", "warm chart cache"):
            b_dir, w_dir = Path(tmp) / f"bare-{label[:4]}", Path(tmp) / f"whole-{label[:4]}"
            b_dir.mkdir()
            w_dir.mkdir()
            os.environ["BRIEFING_CHART_CACHE"] = str(Path(tmp) / "charts-bare")
            t = time.perf_counter()
            parts = bare(b_dir)
            bare_s = time.perf_counter() - t
            os.environ["BRIEFING_CHART_CACHE"] = str(Path(tmp) / "charts-whole")
            whole_s = whole(w_dir)
            print(
                f"{label}: bare {bare_s:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in parts.items())}); "
                f"briefing build {whole_s:.1f} s; ratio {whole_s / bare_s:.2f}x"
            )


if __name__ == "__main__":
    main()
