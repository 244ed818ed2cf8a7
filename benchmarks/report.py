"""The scale benchmark's report: the results table and notes (``baci_ingest.md``, shown on the
site's methodology page) and the raw record (``baci_ingest.json``) of a
:func:`benchmarks.baci_ingest.run`.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


def _ratio(runs: list[dict], row: dict, peer: str) -> float | None:
    match = [
        r
        for r in runs
        if (r["years"], r["format"], r["engine"]) == (row["years"], row["format"], peer)
    ]
    return match[0]["wall_s"] / row["wall_s"] if match else None


def to_markdown(record: dict) -> str:
    """The results table (and notes) that the site's methodology page shows."""
    runs = record["runs"]
    m = record["machine"]
    lines = [
        "# Scale benchmark: BACI trade ingest",
        "",
        f"Generated {record['generated']} by `uv run --group bench python -m benchmarks.baci_ingest` "
        f"on {m['cpus']} CPUs ({m['platform']}; Python {m['python']}, polars {m['polars']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}). Load average before/after: "
        f"{m['load_average_before'][0]} / {m['load_average_after'][0]} (the machine is shared; "
        f"wall times are the median of {record['repeat']} runs for project and DuckDB, one run for pandas).",
        "",
        f"Input: deterministic BACI-shaped yearly files, ~{record['spec']['rows_per_year'] / 1e6:.0f}M rows a "
        f"year, {record['spec']['products']:,} HS6 codes, {record['spec']['economies']} economies. Work: keep the "
        "registry's HS6 codes, tag mineral and stage, BACI codes to ISO3, sum value, quantity and flows per "
        "year x mineral x stage x exporter x importer. All engines return the same groups and sums.",
        "",
        "| years | format | rows | engine | wall s | s/year | CPU s | peak RSS MB | DuckDB time / this | pandas time / this |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        duck = _ratio(runs, r, "duckdb")
        pand = _ratio(runs, r, "pandas")
        lines.append(
            f"| {r['years']} | {r['format']} | {r['rows'] or 0:,} | {r['engine']} | {r['wall_s']:.2f} | "
            f"{r['wall_s'] / r['years']:.2f} | {r['cpu_s']:.2f} | {r['peak_rss_mb']:.0f} | "
            f"{'' if duck is None else f'{duck:.2f}x'} | {'' if pand is None else f'{pand:.1f}x'} |"
        )
    lines += [
        "",
        "Ratios are peer time divided by the project's time: above 1 means the project is faster.",
        "",
        *_targets(runs),
        "",
    ]
    for fmt, stages in record.get("profile", {}).items():
        total = sum(s for _, s in stages)
        lines += [
            f"Where the project's time goes, one year of {fmt} ({total:.2f} s in all):",
            "",
            "| stage | s | share |",
            "|---|---:|---:|",
        ]
        lines += [f"| {label} | {sec:.3f} | {sec / total:.0%} |" for label, sec in stages]
        lines.append("")
    return "\n".join(lines)


def _targets(runs: list[dict]) -> list[str]:
    """The issue's targets, read off the runs."""
    project = [r for r in runs if r["engine"] == "project"]
    if not project:
        return []
    lines = ["Targets (2 cores):", ""]
    duck = [(r, _ratio(runs, r, "duckdb")) for r in project]
    duck = [(r, x) for r, x in duck if x is not None]
    if duck:
        met = sum(x >= 1.0 for _, x in duck)
        lines.append(
            f"- project time <= DuckDB time: {met} of {len(duck)} runs (DuckDB/project "
            f"{min(x for _, x in duck):.2f}x to {max(x for _, x in duck):.2f}x); CPU time "
            + ", ".join(
                f"{r['cpu_s']:.1f} s vs {d['cpu_s']:.1f} s"
                for r in project
                for d in runs
                if d["engine"] == "duckdb"
                and (d["years"], d["format"]) == (r["years"], r["format"])
            )
            + " (project vs DuckDB, in table order)."
        )
    pandas = [(r, _ratio(runs, r, "pandas")) for r in project]
    pandas = [(r, x) for r, x in pandas if x is not None]
    if pandas:
        best = max(x for _, x in pandas)
        lines.append(
            f"- project >= 10x faster than pandas: {'met' if min(x for _, x in pandas) >= 10 else 'not met'}"
            f" (pandas/project {min(x for _, x in pandas):.1f}x to {best:.1f}x). pandas' chunked, typed,"
            " column-selected C-engine read is a strong baseline: on CSV it needs "
            + ", ".join(
                f"{p['cpu_s'] / p['years']:.1f}"
                for p in runs
                if p["engine"] == "pandas" and p["format"] == "csv"
            )
            + " CPU s per year against the project's "
            + ", ".join(f"{r['cpu_s'] / r['years']:.1f}" for r in project if r["format"] == "csv")
            + "; with 2 cores the project's lead comes from a faster parser and the second core."
        )
    top = max(r["years"] for r in project)
    peak = max(r["peak_rss_mb"] for r in project if r["years"] == top)
    others = {
        r["engine"]: max(
            x["peak_rss_mb"] for x in runs if x["engine"] == r["engine"] and x["years"] == top
        )
        for r in runs
        if r["engine"] != "project"
    }
    lines.append(
        f"- peak RSS <= 2 GB for {top} years: {'met' if peak <= 2048 else 'not met'} "
        f"(project {peak:.0f} MB; "
        + ", ".join(f"{e} {mb:.0f} MB" for e, mb in sorted(others.items()))
        + "): files are read one at a time and only the registry's rows are kept."
    )
    for fmt in sorted({r["format"] for r in project}):
        per_year = [
            (r["years"], r["cpu_s"] / r["years"], r["wall_s"] / r["years"])
            for r in project
            if r["format"] == fmt
        ]
        lines.append(
            f"- linear in years ({fmt}): CPU s per year "
            + " / ".join(f"{c:.2f}" for _, c, _ in per_year)
            + ", wall s per year "
            + " / ".join(f"{w:.2f}" for _, _, w in per_year)
            + " at "
            + " / ".join(str(n) for n, _, _ in per_year)
            + " years."
        )
    return lines


def write_results(
    record: dict, out_dir: Path = RESULTS_DIR, name: str = "baci_ingest"
) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / f"{name}.md", out_dir / f"{name}.json"
    md.write_text(to_markdown(record), encoding="utf-8")
    js.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return md, js
