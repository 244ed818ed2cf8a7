"""Run the gauntlet's cases: write a case's upstream folder, run the CLI on it, judge the outcome.

A case folder holds the broken file plus symlinks to the untouched real files the snapshot
needs; corrupted copies live only under the caller's work folder, none is committed.
"""

from __future__ import annotations

import atexit
import html
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tests._helpers import REPO_ROOT, build_env, run_briefing, tree_hashes
from tests.gauntlet.cases import Case, minimal_files
from tests.gauntlet.corrupt import Broken

SNAPSHOT_DIR = REPO_ROOT / "data" / "snapshot"
RESULTS_MD = REPO_ROOT / "benchmarks" / "results" / "gauntlet.md"


# ---------------------------------------------------------------------------------------------
# Writing a case folder


def _link_all(upstream: Path, dest: Path, keep_real: str) -> None:
    """Symlink every upstream file, folder by folder, except ``keep_real``'s own folder, whose
    files are linked one by one so the broken file can take its place."""
    dest.mkdir(parents=True, exist_ok=True)
    inside = Path(keep_real).parent.parts
    here = upstream
    target_dir = dest
    for depth in range(len(inside) + 1):
        for child in sorted(here.iterdir()):
            if depth < len(inside) and child.name == inside[depth]:
                continue
            (target_dir / child.name).symlink_to(child)
        if depth == len(inside):
            break
        here = here / inside[depth]
        target_dir = target_dir / inside[depth]
        target_dir.mkdir()
    (target_dir / Path(keep_real).name).unlink(missing_ok=True)


def write_case(case: Case, upstream: Path, dest: Path, *, full: bool = False) -> Broken:
    """Write ``dest`` as an upstream folder holding the broken file; return the break.

    ``full`` links every upstream file (what a build needs: the clean layer's corrections refer
    to files of other minerals); otherwise only :func:`minimal_files`.
    """
    if dest.exists():
        shutil.rmtree(dest)
    if full:
        _link_all(upstream, dest, case.target)
    else:
        for rel in minimal_files():
            if rel == case.target:
                continue
            link = dest / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(upstream / rel)
    source = upstream / case.target
    broken = case.make(source.read_bytes() if source.exists() else b"")
    target = dest / case.target
    target.parent.mkdir(parents=True, exist_ok=True)
    place(broken, target, dest.parent)
    return broken


def place(broken: Broken, target: Path, outside: Path) -> None:
    """Put the broken file (or the folder, link or absence that replaces it) at ``target``;
    ``outside`` is a folder beyond the upstream one, for a link that leaves it."""
    if broken.fs == "file":
        target.write_bytes(broken.data)
    elif broken.fs == "folder":
        target.mkdir()
        (target / "note.txt").write_text("a folder where a data file should be\n")
    elif broken.fs == "dangling_link":
        target.symlink_to(outside / "no-such-file.csv")
    elif broken.fs == "link_out":
        secret = outside / "passwd"
        secret.write_bytes(broken.data)
        target.symlink_to(secret)
    elif broken.fs != "missing":
        raise ValueError(f"unknown replacement {broken.fs!r}")


def write_clean(upstream: Path, dest: Path) -> None:
    """The same minimal folder with nothing broken (the baseline every case differs from)."""
    if dest.exists():
        shutil.rmtree(dest)
    for rel in minimal_files():
        link = dest / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(upstream / rel)


# ---------------------------------------------------------------------------------------------
# Running a case


@dataclass
class Outcome:
    case: Case
    broken: Broken
    snapshot_exit: int
    snapshot_output: str
    snapshot_intact: bool
    staging_left: list[str]
    build_exit: int | None = None
    build_output: str = ""

    @property
    def message(self) -> str:
        """The line the user reads: the snapshot's error, or the build's failed check."""
        if self.case.layer == "snapshot":
            lines = [
                x.strip()
                for x in self.snapshot_output.splitlines()
                if x.strip().startswith("file ")
            ]
            return lines[0] if lines else self.snapshot_output.strip().splitlines()[-1]
        if self.build_exit is None:
            return "(build not run)"
        name = self.case.reported_file or Path(self.case.target).name
        line = self.broken.line
        mine = [
            x.strip()
            for x in self.build_output.splitlines()
            if f"file {name}, line {line}" in x or (line and f"file {name}, line {line - 1}" in x)
        ]
        return f"`{self.case.check}` FAILED: " + (mine[0] if mine else "(no line names this row)")


def run_snapshot(case_dir: Path, out: Path) -> tuple[int, str]:
    proc = run_briefing(["snapshot", "--from", str(case_dir), "--out", str(out)])
    return proc.returncode, proc.stdout + proc.stderr


def run_build(case_dir: Path, work: Path) -> tuple[int, str]:
    proc = run_briefing(
        ["build", "--from-upstream", str(case_dir)], env=build_env(work), timeout=900
    )
    return proc.returncode, proc.stdout + proc.stderr


_BASELINES: dict[Path, Path] = {}
_BASELINE_LOCK = threading.Lock()


def baseline_snapshot(upstream: Path) -> Path:
    """The snapshot of the unbroken minimal folder, built once per run: what a case's rebuild
    is compared with (a copy of data/snapshot holds every file, so any minimal folder would
    be refused as a shrink before its own corruption is looked at)."""
    with _BASELINE_LOCK:
        if upstream not in _BASELINES:
            root = Path(tempfile.mkdtemp(prefix="gauntlet-baseline-"))
            atexit.register(shutil.rmtree, root, True)
            write_clean(upstream, root / "upstream")
            proc = run_briefing(["snapshot", "--from", str(root / "upstream"), "--out", str(root / "snapshot")])
            assert proc.returncode == 0, proc.stdout + proc.stderr
            _BASELINES[upstream] = root / "snapshot"
        return _BASELINES[upstream]


def run_case(case: Case, upstream: Path, work: Path) -> Outcome:
    """Write the case under ``work`` and run the snapshot on a copy of the minimal folder's
    snapshot (:func:`baseline_snapshot`)."""
    case_dir = work / "upstream"
    broken = write_case(case, upstream, case_dir)
    out = work / "snapshot"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(baseline_snapshot(upstream), out)
    before = tree_hashes(out)
    code, output = run_snapshot(case_dir, out)
    intact = tree_hashes(out) == before
    # The snapshot's lock file (orchestration/locks.py) stays by design; it holds no data.
    staging = sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.") and not p.name.endswith(".lock")
    )
    return Outcome(case, broken, code, output, intact, staging)


def write_combined(selected: list[Case], upstream: Path, dest: Path) -> dict[str, Broken]:
    """One full upstream folder carrying every given case's corruption (distinct rows; applied
    from the bottom of each file up, so that an inserted row does not move the others)."""
    if dest.exists():
        shutil.rmtree(dest)
    targets = sorted({c.target for c in selected})
    dest.mkdir(parents=True)
    for child in sorted(upstream.iterdir()):
        (dest / child.name).symlink_to(child)
    for target in targets:
        # Replace the folder symlinks on the way to each broken file by real folders.
        parts = Path(target).parts
        here, there = upstream, dest
        for part in parts[:-1]:
            here, there = here / part, there / part
            if there.is_symlink():
                there.unlink()
                there.mkdir()
                for child in sorted(here.iterdir()):
                    (there / child.name).symlink_to(child)
    brokens: dict[str, Broken] = {}
    for target in targets:
        original = (upstream / target).read_bytes()
        mine = [c for c in selected if c.target == target]
        order = sorted(mine, key=lambda c: c.make(original).line or 0, reverse=True)
        data = original
        for case in order:
            broken = case.make(data)
            brokens[case.id] = broken
            data = broken.data
        (dest / target).unlink()
        (dest / target).write_bytes(data)
    return brokens


def run_clean_layer_build(
    selected: list[Case], upstream: Path, work: Path
) -> tuple[int, str, dict[str, Broken]]:
    """``briefing build --from-upstream`` once on a full upstream folder carrying every
    clean-layer case (a build takes ~30 s; each case is found by its own file and line)."""
    case_dir = work / "upstream-all"
    brokens = write_combined(selected, upstream, case_dir)
    code, output = run_build(case_dir, work)
    return code, output, brokens


def expected_location(case: Case, broken: Broken) -> str:
    """The place the message must name, as the error text prints it."""
    name = case.reported_file or Path(case.target).name
    parts = [f"file {name}"]
    if broken.line is not None and case.needs_line:
        parts.append(f"line {broken.line}")
    if broken.column is not None and case.needs_line:
        parts.append(f"column '{broken.column}'")
    return ", ".join(parts)


def verdict(outcome: Outcome) -> list[str]:
    """Why an outcome breaks the promise (empty when it keeps it)."""
    case, broken, problems = outcome.case, outcome.broken, []
    if case.layer == "snapshot":
        if outcome.snapshot_exit == 0:
            problems.append("snapshot rebuilt from a broken file")
        if not outcome.snapshot_intact:
            problems.append("previous snapshot changed")
        if outcome.staging_left:
            problems.append(f"staging left behind: {outcome.staging_left}")
        where = expected_location(case, broken)
        if where not in outcome.snapshot_output:
            problems.append(f"message does not name {where!r}")
        if not re.search(case.message, outcome.snapshot_output):
            problems.append(f"message does not match {case.message!r}")
        return problems
    if outcome.snapshot_exit != 0:
        problems.append("snapshot refused rows it should keep as published")
    if outcome.build_exit is None:
        return problems
    if outcome.build_exit == 0:
        problems.append("build succeeded on a broken file")
    if case.check and not re.search(re.escape(case.check) + r"\s+FAILED", outcome.build_output):
        problems.append(f"check {case.check} did not fail")
    if not re.search(case.message, outcome.build_output):
        problems.append(f"build output does not match {case.message!r}")
    # A repeated key fails on both copies; either line names the place.
    lines = {broken.line, broken.line - 1} if broken.line else set()
    name = case.reported_file or Path(case.target).name
    if not any(f"file {name}, line {n}" in outcome.build_output for n in lines):
        problems.append(f"build output does not name file {name}, line {broken.line}")
    return problems


# ---------------------------------------------------------------------------------------------
# The results table


def to_markdown(outcomes: list[Outcome]) -> str:
    lines = [
        "# Bad-input gauntlet: what the user sees",
        "",
        "Generated by `uv run python scripts/make_gauntlet.py --out /tmp/gauntlet --run` from the real",
        "upstream files; `tests/test_gauntlet.py` asserts the same outcomes. Each case breaks one file;",
        "`briefing snapshot` either refuses it, naming file, line and column, and leaves the previous",
        "snapshot (that of the unbroken minimal folder) byte-for-byte as it was, or (clean-layer",
        "cases) keeps the rows as published and",
        "`briefing build --from-upstream` stops at a blocking check that names them.",
        "",
        "| source file | corruption | caught by | what the user sees |",
        "|---|---|---|---|",
    ]
    for o in outcomes:
        caught = (
            "snapshot (parser)"
            if o.case.layer == "snapshot"
            else f"build: `{o.case.check}` (the snapshot keeps the rows as published)"
        )
        if o.case.layer == "snapshot" and o.snapshot_intact:
            caught += ", previous snapshot intact"
        message = o.message if len(o.message) <= 400 else o.message[:397] + "..."
        # The page that shows this table must not run the HTML the gauntlet feeds in.
        message = html.escape(message, quote=False).replace("|", "\\|")
        lines.append(
            f"| `{Path(o.case.target).name}` | {o.case.corruption} | {caught} | {message} |"
        )
    lines.append("")
    return "\n".join(lines)
