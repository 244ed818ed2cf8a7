"""Build the briefing N times from the same data and print the files that differ.

Each build runs ``briefing build`` with every output (Dagster instance, warehouse, docs,
public/) in its own fresh folder, so the builds share nothing but the code and the snapshot.
The published sites are then compared file by file; the build date (today, in ISO and long
form) is masked, since it is the one thing that may legitimately differ between two days.

    uv run python scripts/repro_check.py            # 3 builds
    uv run python scripts/repro_check.py -n 2 --keep /tmp/repro

Exit status 0 when every build's public/ is byte-identical (build date masked), 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # run as a script: import this checkout's orchestration

from orchestration.paths import isolated_build_env  # noqa: E402

# "2026-11-30", "30 November 2026", "November 30, 2026": the build date in any of its forms.
_DATE = re.compile(
    rb"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2} (?:January|February|March|April|May|June|July|August|"
    rb"September|October|November|December) \d{4}\b"
)


def build_env(root: Path) -> dict[str, str]:
    """Send every output of one build under ``root``."""
    return isolated_build_env(root) | {"NO_MKDOCS_2_WARNING": "1"}


def build(root: Path) -> Path:
    """One full build into ``root``; returns its public/ (exits on a failed build)."""
    root.mkdir(parents=True, exist_ok=True)
    # "-m" from the repository root: the code of this checkout, wherever the script runs from.
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "build"],
        cwd=REPO_ROOT,
        env=build_env(root),
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"build in {root} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return (root / "public").resolve()


def masked_digest(path: Path) -> str:
    """sha256 of a file with every date masked (so only the build date's own change is hidden)."""
    return hashlib.sha256(_DATE.sub(b"<date>", path.read_bytes())).hexdigest()


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): masked_digest(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def differing(trees: list[dict[str, str]]) -> list[str]:
    """Relative paths whose (masked) content is not the same in every build, or missing in one."""
    names = sorted(set().union(*trees))
    return [n for n in names if len({t.get(n) for t in trees}) > 1]


def show_diff(a: Path, b: Path, limit: int) -> None:
    try:
        left = a.read_text(encoding="utf-8").splitlines()
        right = b.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, FileNotFoundError):
        print("    (binary or missing)")
        return
    lines = list(difflib.unified_diff(left, right, lineterm="", n=0))[2 : 2 + limit]
    for line in lines:
        print("    " + line[:200])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, help="number of builds (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="build under DIR and keep the outputs")
    parser.add_argument("--diff-lines", type=int, default=6, help="diff lines shown per text file")
    args = parser.parse_args(argv)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="briefing-repro-"))
    try:
        publics = []
        for i in range(args.n):
            print(f"build {i + 1}/{args.n} ...", flush=True)
            publics.append(build(base / f"build-{i + 1}"))
        trees = [tree(p) for p in publics]
        diff = differing(trees)
        print(f"{len(diff)} differing file(s) across {args.n} builds ({len(trees[0])} files each)")
        for name in diff:
            print(f"  {name}")
            show_diff(
                publics[0] / name,
                next(
                    (
                        p / name
                        for p in publics[1:]
                        if trees[publics.index(p)].get(name) != trees[0].get(name)
                    ),
                    publics[-1] / name,
                ),
                args.diff_lines,
            )
        return 1 if diff else 0
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
