"""Scale benchmark: the project's BACI trade ingest against DuckDB and pandas at full scale.

Run (from the repository root; data go to --workdir, ~0.5 GB per year of CSV + Parquet):

    uv run --group bench python -m benchmarks.baci_ingest --years 1 5 10

It generates deterministic BACI-shaped yearly files (``benchmarks/generate.py``: ~11M rows a
year, ~5,000 HS6 codes, ~200 economies with BACI's codes) as CSV and as Parquet, then, for each
number of years and each format, runs on the same files:

* ``project`` — :func:`transforms.ingest.ingest_trade`: the steps the pipeline's trade assets
  run (``read_trade`` for snapshot/baci_trade, ``trade_flows`` for clean/trade), end to end
  (filter to the registry's HS codes with every kept row checked, ISO3 harmonisation,
  aggregation per year, mineral, stage, exporter and importer);
* ``duckdb`` and ``pandas`` — the same work in those tools (``benchmarks/peers.py``).

Each run is a fresh Python process (``--worker``) that reports its own peak RSS (``VmHWM``
of ``/proc/self/status``, which exec resets). Not ``ru_maxrss``: Linux carries a parent's
peak into a child's ``ru_maxrss`` across fork and exec, so after generating the data every
engine reported the generator's 1,709 MB. Wall time is measured inside the process around the
ingest call (imports excluded).
project and DuckDB are run ``--repeat`` times, interleaved, and the median is reported; pandas
once (it is an order of magnitude slower, and noise does not move that ratio). Every engine's
result is checked against the project's (same groups, values within 1e-9 relative).
Results are printed and written to ``benchmarks/results/baci_ingest.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from benchmarks.generate import DEFAULT_UPSTREAM, Spec, generate
from benchmarks.report import RESULTS_DIR, write_results

REPO_ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("project", "duckdb", "pandas")
FORMATS = ("csv", "parquet")
DEFAULT_WORKDIR = Path("/tmp/briefing-bench")


# ---------------------------------------------------------------------------------------------
# One measured run (in its own process)


def _run_engine(engine: str, fmt: str, files: list[Path]) -> pl.DataFrame:
    from transforms.ingest import baci_country_lookup, ingest_trade, registry_hs_codes

    if engine == "project":
        return ingest_trade(files)
    from benchmarks import peers

    hs, countries = registry_hs_codes(), baci_country_lookup()
    if engine == "duckdb":
        return peers.duckdb_ingest(files, fmt, hs, countries)
    if engine == "pandas":
        return peers.pandas_ingest(files, fmt, hs, countries)
    raise ValueError(f"unknown engine {engine!r}")


def worker(engine: str, fmt: str, files: list[Path], result: Path | None) -> dict:
    """Run one engine on the files; return wall, CPU, peak RSS and the number of groups."""
    # Import the engine's libraries before the clock starts: import time is not ingest time.
    if engine == "duckdb":
        import duckdb  # noqa: F401
    elif engine == "pandas":
        import pandas  # noqa: F401
    import transforms.ingest  # noqa: F401

    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = _run_engine(engine, fmt, files)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    if result is not None:
        out.write_parquet(result)
    return {
        "engine": engine,
        "format": fmt,
        "files": len(files),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": own_peak_rss_mb(),
        "groups": out.height,
    }


def own_peak_rss_mb() -> float:
    """This process's own peak resident set size, in MB (see the module docstring)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    # Without /proc (macOS): ru_maxrss, in bytes there; a fresh process is all we can offer.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def profile_project(fmt: str, path: Path) -> list[tuple[str, float]]:
    """Where the project's time goes on one file: each step of ingest_trade timed alone."""
    from transforms.ingest import (
        aggregate_flows,
        baci_country_lookup,
        registry_hs_codes,
        trade_flows,
    )
    from transforms.parsers.baci import baci_sources, validate_baci_header
    from transforms.parsers.baci.codes import codes_for
    from transforms.parsers.baci.layout import Checks
    from transforms.parsers.baci.scan import (
        _reject_duplicates,
        _scan_csv_one,
        _scan_parquet_one,
    )
    from transforms.parsers.baci.sources import _fields_add_up

    stages: list[tuple[str, float]] = []

    def timed(label: str, fn):
        start = time.perf_counter()
        value = fn()
        stages.append((label, time.perf_counter() - start))
        return value

    hs = timed(
        "registry HS codes and BACI->ISO3 lookup",
        lambda: (registry_hs_codes(), baci_country_lookup()),
    )
    hs_codes, countries = hs
    wanted = frozenset(hs_codes["hs6"].to_list())
    source = baci_sources(path)[0]
    timed("header check", lambda: validate_baci_header(source))
    codes = timed("code tables next to the file", lambda: codes_for(source, "auto"))
    checks = Checks(wanted, codes)
    if fmt == "csv":
        timed(
            "field count (commas = 5 x lines; in ingest it runs in a thread beside the scan)",
            lambda: _fields_add_up(path, False),
        )
        frame = timed(
            "scan + HS6 filter + cast + row checks (polars streaming)",
            lambda: _scan_csv_one(source, path, checks, None).collect(engine="streaming"),
        )
    else:
        frame = timed(
            "scan + HS6 filter + cast + row checks (polars streaming)",
            lambda: _scan_parquet_one(source, checks, None).collect(engine="streaming"),
        )
    timed("duplicate-key check", lambda: _reject_duplicates(frame, source))
    timed(
        "corrections, tags, ISO3 + aggregate",
        lambda: aggregate_flows(trade_flows(frame, countries, hs_codes)).collect(),
    )
    return stages


# ---------------------------------------------------------------------------------------------
# The benchmark


def _spawn(engine: str, fmt: str, files: list[Path], result: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.baci_ingest",
        "--worker",
        engine,
        fmt,
        "--result",
        str(result),
    ]
    proc = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, cwd=REPO_ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} on {fmt} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _same_result(a: pl.DataFrame, b: pl.DataFrame) -> str | None:
    """None if two ingest results agree (groups exactly, sums within 1e-9 relative)."""
    key = ["year", "mineral", "stage", "exporter_code", "importer_code"]
    if a.height != b.height:
        return f"{a.height} vs {b.height} groups"
    joined = a.join(b, on=key, how="full", nulls_equal=True, suffix="_b")
    if joined.height != a.height:
        return "different groups"
    for col in ("value_usd", "quantity_t"):
        x, y = pl.col(col), pl.col(f"{col}_b")
        off = joined.filter(
            (x.is_null() != y.is_null())
            | ((x - y).abs() > 1e-9 * pl.max_horizontal(x.abs(), y.abs(), 1.0))
        )
        if off.height:
            return f"{off.height} groups differ in {col}"
    for col in ("flows", "flows_without_quantity"):
        if joined.filter(pl.col(col) != pl.col(f"{col}_b")).height:
            return f"groups differ in {col}"
    return None


def run(
    years: list[int],
    workdir: Path,
    *,
    formats: tuple[str, ...] = FORMATS,
    engines: tuple[str, ...] = ENGINES,
    repeat: int = 3,
    spec: Spec | None = None,
    upstream: Path | None = DEFAULT_UPSTREAM,
    profile: bool = True,
    say=print,
) -> dict:
    """Generate the input, run every engine, check they agree; return the results record."""
    spec = spec or Spec()
    paths = generate(workdir, max(years), spec, upstream=upstream, formats=formats, say=say)
    results_dir = workdir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    runs: list[dict] = []
    for n in sorted(years):
        for fmt in formats:
            files = paths[fmt][:n]
            rows = (
                sum(
                    pl.scan_parquet(p).select(pl.len()).collect().item()
                    for p in paths["parquet"][:n]
                )
                if "parquet" in paths
                else None
            )
            measured: dict[str, list[dict]] = {e: [] for e in engines}
            for attempt in range(repeat):
                for engine in engines:
                    if engine == "pandas" and attempt > 0:
                        continue
                    out = results_dir / f"{engine}-{fmt}-{n}.parquet"
                    record = _spawn(engine, fmt, files, out)
                    measured[engine].append(record)
                    say(
                        f"{n:>2} year(s) {fmt:<7} {engine:<8} {record['wall_s']:7.2f} s  "
                        f"{record['peak_rss_mb']:7.0f} MB RSS"
                    )
            reference_result = pl.read_parquet(results_dir / f"project-{fmt}-{n}.parquet")
            for engine in engines:
                other = pl.read_parquet(results_dir / f"{engine}-{fmt}-{n}.parquet")
                problem = _same_result(reference_result, other)
                if problem is not None:
                    raise RuntimeError(
                        f"{engine} disagrees with project on {n} {fmt} year(s): {problem}"
                    )
                walls = [r["wall_s"] for r in measured[engine]]
                runs.append(
                    {
                        "years": n,
                        "format": fmt,
                        "rows": rows,
                        "engine": engine,
                        "wall_s": statistics.median(walls),
                        "wall_s_min": min(walls),
                        "wall_s_all": walls,
                        "cpu_s": statistics.median(r["cpu_s"] for r in measured[engine]),
                        "peak_rss_mb": max(r["peak_rss_mb"] for r in measured[engine]),
                        "groups": measured[engine][0]["groups"],
                    }
                )
    profiles = {}
    if profile and "project" in engines:
        for fmt in formats:
            cmd = [
                sys.executable,
                "-m",
                "benchmarks.baci_ingest",
                "--profile-worker",
                fmt,
                str(paths[fmt][0]),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, check=True)
            profiles[fmt] = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "polars": pl.__version__,
            "duckdb": _version("duckdb"),
            "pandas": _version("pandas"),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "spec": {**spec.__dict__},
        "repeat": repeat,
        "runs": runs,
        "profile": profiles,
    }


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows-per-year", type=int, default=Spec.rows_per_year)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the .md from the .json in --out"
    )
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "FORMAT"), help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", metavar="FORMAT", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.files, args.result)))
        return 0
    if args.profile_worker:
        print(json.dumps(profile_project(args.profile_worker, args.files[0])))
        return 0
    if args.report_only:
        record = json.loads((args.out / "baci_ingest.json").read_text(encoding="utf-8"))
        md, _ = write_results(record, args.out)
        print(md.read_text(encoding="utf-8"))
        return 0
    record = run(
        args.years,
        args.workdir,
        formats=tuple(args.formats),
        engines=tuple(args.engines),
        repeat=args.repeat,
        spec=Spec(rows_per_year=args.rows_per_year),
        profile=not args.no_profile,
    )
    md, js = write_results(record, args.out)
    print()
    print(md.read_text(encoding="utf-8"))
    print(f"written {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
