"""The ``briefing`` command: build the briefing, rebuild the snapshot, serve the site.

``briefing build`` runs the Dagster ``build`` job in process against the project's own
DAGSTER_HOME (``.dagster_home``), printing a line per asset and check and a summary, so the run
also shows up in ``dagster dev``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from orchestration import locks
from orchestration.atomic import recover_interrupted_swap
from orchestration.paths import (
    DAGSTER_HOME,
    DEFAULT_PUBLIC_DIR,
    DEFAULT_SNAPSHOT_DIR,
    default_public_dir,
    default_upstream_dir,
)
from orchestration.publish import recover_interrupted_publish
from orchestration.snapshot_store import build_snapshot
from transforms.errors import UpstreamFormatError


def ensure_dagster_home() -> Path:
    """Point Dagster at the project's instance (unless the user chose another) with telemetry off."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(DAGSTER_HOME)))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return home


def locked_build(args: argparse.Namespace) -> int:
    """``briefing build`` holding the publish lock throughout, so a concurrent build waits (or,
    with ``--no-wait``, this one refuses) and the published site is entirely one run's."""
    try:
        with locks.hold(locks.publish_lock_path(default_public_dir()), "build", wait=not args.no_wait):
            return cmd_build(args)
    except locks.LockBusy as exc:
        print(f"Build NOT started: {exc}", file=sys.stderr)
        return 2


def recover_snapshot_if_free(snapshot_dir: Path) -> None:
    """Repair an interrupted snapshot swap, unless a snapshot writer is at work right now
    (recovering then would remove its live staging folder)."""
    with locks.hold_if_free(locks.snapshot_lock_path(snapshot_dir), "snapshot rebuild") as free:
        if free:
            recover_interrupted_swap(snapshot_dir)


def cmd_build(args: argparse.Namespace) -> int:
    ensure_dagster_home()
    recover_snapshot_if_free(DEFAULT_SNAPSHOT_DIR)
    import dagster as dg

    from orchestration.definitions import defs

    run_config: dict = {"loggers": {"progress": {}}}
    if args.from_upstream:
        run_config["resources"] = {
            "snapshot": {"config": {"upstream_dir": str(Path(args.from_upstream).resolve())}}
        }
        print(f"Building from the upstream files in {args.from_upstream} (snapshot left as is)")
    else:
        print(f"Building from the embedded snapshot in {DEFAULT_SNAPSHOT_DIR}")
    started = time.perf_counter()
    instance = dg.DagsterInstance.get()
    job = defs.resolve_job_def("build")
    # No partition: the run takes every trade year (orchestration.partitions), as the same job
    # launched from the UI or by the weekly schedule does.
    result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    elapsed = time.perf_counter() - started

    materialised = result.get_asset_materialization_events()
    # A partitioned asset also reports one event per year (with that year's rows); the
    # whole table's event, without a partition, is the one counted.
    rows_by_asset: dict = {}
    for event in materialised:
        if event.materialization.partition is not None:
            continue
        count = event.materialization.metadata.get("dagster/row_count")
        rows_by_asset[event.asset_key] = count.value if count is not None else 0
    rows = sum(rows_by_asset.values())
    checks = result.get_asset_check_evaluations()
    failed_checks = [c for c in checks if not c.passed]
    errors = [c for c in failed_checks if c.severity.value == "ERROR"]
    print(
        f"\nSummary: {len(rows_by_asset)} assets materialised ({rows:,} rows), "
        f"{len(checks) - len(failed_checks)}/{len(checks)} checks passed"
        + (f", {len(failed_checks) - len(errors)} warning(s)" if len(failed_checks) > len(errors) else "")
        + f", in {elapsed:.1f} s. Run {result.run_id} in {os.environ['DAGSTER_HOME']}."
    )
    for check in failed_checks:
        print(f"  {check.severity.value:<7} {check.asset_key.to_user_string()}:{check.check_name}")
    built = set(rows_by_asset)
    not_built = sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys - built)
    if not_built:
        print(f"  Not built ({len(not_built)}): {', '.join(not_built)}")
    if not result.success or errors:
        published = "site/public" not in not_built
        print(
            "Build FAILED: see the lines above; nothing downstream of a failure was built"
            + ("." if published else ", and the site was not published (public/ left as it was)."),
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Download one source afresh and publish it as a new snapshot version (previous one kept)."""
    from orchestration.upstream.refresh import RefreshError, refresh_source

    out = Path(args.out) if args.out else DEFAULT_SNAPSHOT_DIR
    print(f"Refreshing {args.refresh_source} from its publisher into {out}")
    # refresh_source holds the snapshot lock itself (orchestration.upstream.versions) and says
    # so when another writer has it; a second hold here would lock this process out.
    try:
        result = refresh_source(
            args.refresh_source,
            upstream_dir=Path(args.from_dir) if args.from_dir else default_upstream_dir(),
            snapshot_dir=out,
            progress=lambda m: print("  " + m, flush=True),
        )
    except RefreshError as exc:
        print(f"Snapshot NOT refreshed; the current snapshot is untouched.\n  {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    if args.refresh_source:
        return cmd_refresh(args)
    source = Path(args.from_dir) if args.from_dir else default_upstream_dir()
    out = Path(args.out) if args.out else DEFAULT_SNAPSHOT_DIR
    started = time.perf_counter()
    try:
        # One snapshot writer at a time: recovery and staging clean-up happen under the lock,
        # so they never remove a concurrent writer's live staging folder.
        with locks.hold(locks.snapshot_lock_path(out), "snapshot rebuild", wait=not args.no_wait):
            recover_interrupted_swap(out)
            print(f"Rebuilding the snapshot in {out} from {source}")
            manifests = build_snapshot(
                source, out, progress=lambda m: print("  " + m, flush=True),
                previous_dir=out, accept_shrink=getattr(args, "accept_shrink", None),
            )
    except locks.LockBusy as exc:
        print(f"Snapshot NOT rebuilt: {exc}", file=sys.stderr)
        return 2
    except (UpstreamFormatError, FileNotFoundError) as exc:
        print(f"Snapshot NOT rebuilt; the previous one is untouched.\n  {exc}", file=sys.stderr)
        return 1
    tables = sum(len(m["tables"]) for m in manifests.values())
    files = sum(len(m["files"]) for m in manifests.values())
    print(
        f"Snapshot rebuilt: {len(manifests)} sources, {tables} tables from {files} upstream files "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the published site on the loopback interface only (nothing else can reach it)."""
    from orchestration.serve import site_server

    # Not resolved: public/ is a link that each build switches to its new site, and every
    # request follows the link as it is then. A link left broken by a kill is repaired first.
    directory = Path(args.dir).absolute()
    if not (directory / "index.html").exists():
        with locks.hold_if_free(locks.publish_lock_path(directory), "build") as free:
            if free:
                recover_interrupted_publish(directory)
    if not (directory / "index.html").exists():
        print(f"No site in {directory}: run 'uv run briefing build' first.", file=sys.stderr)
        return 1
    with site_server(directory, args.port) as server:
        print(f"Serving {directory} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="briefing", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="materialise every asset (default: on the embedded snapshot)")
    build.add_argument(
        "--from-upstream",
        metavar="DIR",
        help="parse the upstream files in DIR instead of reading the embedded snapshot",
    )
    build.add_argument(
        "--no-wait", action="store_true", help="refuse to start while another build runs (default: wait)"
    )
    build.set_defaults(func=locked_build)

    snap = sub.add_parser("snapshot", help="rebuild data/snapshot from upstream files")
    snap.add_argument("--from", dest="from_dir", metavar="DIR", help=f"upstream folder (default {default_upstream_dir()})")
    snap.add_argument("--out", metavar="DIR", help=f"snapshot folder (default {DEFAULT_SNAPSHOT_DIR})")
    snap.add_argument(
        "--accept-shrink",
        metavar="REASON",
        help="rebuild even if tables lost rows or sources lost files against the previous snapshot; "
        "REASON is recorded in the manifests",
    )
    snap.add_argument(
        "--from-upstream",
        dest="refresh_source",
        metavar="SOURCE",
        help="download SOURCE (usgs-mcs, baci-hs92, comtrade) from its publisher and publish a new "
        "snapshot version; --from is then where the other current upstream files are",
    )
    snap.add_argument(
        "--no-wait", action="store_true", help="refuse to start while another snapshot rebuild runs"
    )
    snap.set_defaults(func=cmd_snapshot)

    serve = sub.add_parser("serve", help="serve the published site (public/) on http://127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    serve.add_argument("--dir", default=str(DEFAULT_PUBLIC_DIR), help=f"site folder (default {DEFAULT_PUBLIC_DIR})")
    serve.set_defaults(func=cmd_serve)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
