"""``make bench`` section: seconds to autograde one full submission (the three reference notebooks).

Each run grades the reference solutions in a scratch copy of the course, in grading mode, once with
the sandbox and once without (interleaved); the figures are medians over the runs. The split comes from
the kit's Execute preprocessor: kernel start, the first (imports) cell, the other notebook cells
(training), and the test cells. The floor, starting the three kernels with their imports, is shown
beside the total.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from nndebug import config

TITLE = "autograde: seconds per submission (3 notebooks, grading mode, median)"
RUNS_ENV = "NN_DEBUG_BENCH_RUNS"  # runs of each kind (default 3)
GOAL_S = 60


def scratch_course(root: Path) -> Path:
    """A copy of the course (source, release, config) with the reference solutions as one submission."""
    assignment = config.assignment()
    for name in ("source", "release"):
        src = config.ROOT / name / assignment
        if not src.is_dir():
            raise FileNotFoundError(f"{src}: missing; run `make release` first")
        shutil.copytree(src, root / name / assignment)
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(config.SOURCE_DIR / assignment, root / "submitted" / "reference" / assignment)
    return root


def one_run(root: Path, sandbox: bool) -> dict[str, float]:
    """Grade the reference submission once; the summed per-notebook timings and the wall total."""
    from nndebug.autograde.grade import Course, autograde

    timings = root / "timings.jsonl"
    timings.unlink(missing_ok=True)
    start = time.perf_counter()
    [outcome] = autograde(Course(root=root, sandbox=sandbox, timings=timings), force=True,
                          echo=lambda *_: None)
    wall = time.perf_counter() - start
    if outcome.status != "graded":
        raise RuntimeError(f"the reference submission was not graded: {outcome.problems}")
    rows = [json.loads(line) for line in timings.read_text().splitlines()]
    sums = {k: sum(r[k] for r in rows) for k in ("kernel_start", "imports", "cells", "tests")}
    return dict(sums, notebooks=len(rows), wall=wall)


def warm_up(root: Path) -> None:
    """What a class's first student pays once: the gradebook, the sandbox check, the grading inputs and
    the reference curves (cached beside the grading data)."""
    from nndebug.autograde.grade import Course, build_reference_curves, check_course
    from nndebug.autograde.sandbox import check_sandbox
    from nndebug.autograde.stage import ensure_inputs

    course = Course(root=root)
    check_course(course)
    check_sandbox()
    ensure_inputs(course.inputs)
    build_reference_curves(course, course.notebooks(), lambda *_: None)


def run() -> list[str]:
    runs = int(os.environ.get(RUNS_ENV, "3"))
    results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="nndebug-bench-") as tmp:
        root = scratch_course(Path(tmp))
        warm_up(root)
        for _ in range(runs):
            for sandbox in (True, False):
                results[sandbox].append(one_run(root, sandbox))

    def med(sandbox: bool, key: str) -> float:
        return statistics.median(r[key] for r in results[sandbox])

    lines = [f"runs: {runs} each, CPU cores: {os.cpu_count()}"]
    for sandbox in (True, False):
        floor = med(sandbox, "kernel_start") + med(sandbox, "imports")
        lines.append(
            f"{'sandboxed  ' if sandbox else 'unsandboxed'}: total {med(sandbox, 'wall'):6.1f} s | "
            f"floor (3 kernels start + imports) {floor:5.1f} s | notebook cells (training) "
            f"{med(sandbox, 'cells'):5.1f} s | tests {med(sandbox, 'tests'):5.1f} s")
    total, bare = med(True, "wall"), med(False, "wall")
    lines.append(f"sandbox overhead: {100 * (total / bare - 1):+.1f}% (goal <= +10%)")
    verdict = "meets the goal" if total <= GOAL_S else "OVER the goal"
    lines.append(f"per submission: {total:.1f} s sandboxed; goal {GOAL_S} s: {verdict}")
    return lines
