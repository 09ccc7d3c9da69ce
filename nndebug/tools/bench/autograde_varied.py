"""``make bench`` section: seconds a student over a class of varied submissions, replay included.

The class is the independent fix corpus (``tests/fix_corpus/independent.toml``, fixes written by students who
had not read the verifier, right and wrong): student k hands in the release with the k-th fix of each task in
its fix cell (a task with fewer fixes is handed in untouched). One sandboxed run grades them all with a cold
replay cache (a scratch folder), so every distinct answer is replayed; the reference curves are built before
the clock starts, as a class's first run does once.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import tomllib
from pathlib import Path

from nndebug import config
from nndebug.tools.bench.autograde import scratch_course, warm_up

TITLE = "autograde: seconds a student over a class of varied fixes (sandboxed, replay included)"
CORPUS = config.ROOT / "tests" / "fix_corpus" / "independent.toml"
SIZE_ENV = "NN_DEBUG_BENCH_VARIED"   # students (default: as many as the corpus's largest task has fixes)
GOAL_S = 60


def corpus_fixes() -> dict[int, list[str]]:
    """{task: [fix cell source, ...]} of the independent fix corpus, in file order."""
    table = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    out: dict[int, list[str]] = {}
    for fix in table["fix"]:
        out.setdefault(int(fix["task"]), []).append(fix["code"].strip("\n"))
    return out


def write_class(root: Path, size: int) -> int:
    """Write ``size`` students under ``root/submitted``; return how many fix cells were filled."""
    assignment = config.assignment()
    fixes, filled = corpus_fixes(), 0
    for k in range(size):
        out = root / "submitted" / f"v{k + 1:02d}" / assignment
        out.mkdir(parents=True)
        for task in config.TASKS:
            path = config.RELEASE_DIR / assignment / f"{config.notebook(task)}.ipynb"
            nb = json.loads(path.read_text(encoding="utf-8"))
            own = fixes.get(task, [])
            if k < len(own):
                for cell in nb["cells"]:
                    if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"task{task}_fix":
                        cell["source"] = own[k]
                        filled += 1
            (out / path.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return filled


def run() -> list[str]:
    from nndebug.autograde.grade import Course, autograde
    from nndebug.verify import replay

    size = int(os.environ.get(SIZE_ENV, "0")) or max(len(v) for v in corpus_fixes().values())
    with tempfile.TemporaryDirectory(prefix="nndebug-bench-varied-") as tmp:
        os.environ[replay.CACHE_ENV] = str(Path(tmp) / "replays")
        try:
            root = scratch_course(Path(tmp) / "course")
            (root / "submitted" / "reference").rename(root / "reference-not-graded")
            filled = write_class(root, size)
            warm_up(root)
            start = time.perf_counter()
            outcomes = autograde(Course(root=root), echo=lambda *_: None)
            wall = time.perf_counter() - start
            replays = len(list((Path(tmp) / "replays").glob("*.json")))
        finally:
            os.environ.pop(replay.CACHE_ENV, None)
    graded = sum(o.status == "graded" for o in outcomes)
    per = wall / max(1, len(outcomes))
    verdict = "meets the goal" if per <= GOAL_S else "OVER the goal"
    return [f"class of {len(outcomes)} students ({graded} graded, {filled} fix cells from the independent "
            f"corpus, {replays} distinct replays incl. the reference's): {wall:.0f} s wall, {per:.1f} s a "
            f"student, {os.cpu_count()} CPU cores; goal {GOAL_S} s a student: {verdict}"]
