"""``make bench`` section: the wall time of one ``autograde`` run over a class of generated submissions.

Half the class hands in the reference solutions, half the untouched release (``make samples``, one pair
per prefix); one sandboxed run grades them all, so the per-run costs (gradebook, sandbox check, export)
show beside the per-student ones.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from nndebug.tools.bench.autograde import scratch_course, warm_up

TITLE = "autograde: wall time of one run over a class (sandboxed)"
CLASS_ENV = "NN_DEBUG_BENCH_CLASS"  # class size (default 20; even)


def run() -> list[str]:
    from nndebug.autograde.grade import Course, autograde
    from nndebug.course.solutions import write_samples

    size = max(2, int(os.environ.get(CLASS_ENV, "20")) // 2 * 2)
    with tempfile.TemporaryDirectory(prefix="nndebug-bench-class-") as tmp:
        root = scratch_course(Path(tmp))
        for pair in range(size // 2):
            write_samples(root / "submitted", prefix=f"s{pair + 1:02d}")
        warm_up(root)
        start = time.perf_counter()
        outcomes = autograde(Course(root=root), echo=lambda *_: None)
        wall = time.perf_counter() - start
    graded = sum(o.status == "graded" for o in outcomes)
    per = wall / max(1, len(outcomes))
    return [f"class of {len(outcomes)} submissions ({graded} graded, scratch_course's reference student "
            f"included): {wall:.0f} s wall, {per:.1f} s a submission, {os.cpu_count()} CPU cores"]
