"""The bad-input gauntlet from the command line: write its cases, or run them and write the table.

The cases are data in ``tests/gauntlet/cases.yaml``; see ``tests/gauntlet/`` for how they are
made and judged.

    uv run python scripts/make_gauntlet.py --out /tmp/gauntlet            # write the cases
    uv run python scripts/make_gauntlet.py --out /tmp/gauntlet --run      # ... and run them

``--run`` runs ``briefing snapshot --from <case> --out <copy of data/snapshot>`` for every case
(and ``briefing build --from-upstream <case>`` for the cases the clean layer catches, in
throwaway DAGSTER_HOME and warehouse folders), checks the outcome, and writes the table
"corruption -> what the user sees" to ``benchmarks/results/gauntlet.md`` for the site's
data-quality page. ``tests/test_gauntlet.py`` runs the same cases with assertions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # run as a script: make the repository's tests package importable

from tests.gauntlet.cases import cases  # noqa: E402
from tests.gauntlet.runner import (  # noqa: E402
    RESULTS_MD,
    Outcome,
    expected_location,
    run_case,
    run_clean_layer_build,
    to_markdown,
    verdict,
    write_case,
)

DEFAULT_UPSTREAM = Path(
    os.environ.get("BRIEFING_UPSTREAM_DIR", REPO_ROOT / ".." / "shared" / "data")
).resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, default=DEFAULT_UPSTREAM)
    parser.add_argument("--out", type=Path, required=True, help="folder to write the cases into")
    parser.add_argument("--run", action="store_true", help="run every case and write the table")
    parser.add_argument("--only", nargs="*", help="case ids (default: all)")
    parser.add_argument(
        "--no-build", action="store_true", help="skip the (slow) build cases' builds"
    )
    parser.add_argument("--table", type=Path, default=RESULTS_MD)
    args = parser.parse_args(argv)
    selected = [c for c in cases() if not args.only or c.id in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.run:
        for case in selected:
            broken = write_case(case, args.upstream, args.out / case.id)
            print(f"{case.id:<34} {case.target} -> {expected_location(case, broken)}")
        return 0
    outcomes: list[Outcome] = []
    for case in selected:
        with tempfile.TemporaryDirectory(prefix=f"{case.id}-", dir=args.out) as tmp:
            outcomes.append(run_case(case, args.upstream, Path(tmp)))
    build_cases = [o.case for o in outcomes if o.case.layer == "build"]
    if build_cases and not args.no_build:
        with tempfile.TemporaryDirectory(prefix="clean-layer-", dir=args.out) as tmp:
            code, output, _ = run_clean_layer_build(build_cases, args.upstream, Path(tmp))
        for o in outcomes:
            if o.case.layer == "build":
                o.build_exit, o.build_output = code, output
    failures = 0
    for outcome in outcomes:
        problems = verdict(outcome)
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {outcome.case.id:<34} {outcome.message[:150]}")
        for p in problems:
            print(f"       {p}")
    if not args.only:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text(to_markdown(outcomes), encoding="utf-8")
        print(f"written {args.table}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
