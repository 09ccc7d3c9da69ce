"""``make bench`` section: the similarity report over a generated class of 300 (reading the notebooks,
comparing, writing both reports), the goal being under a minute on 2 cores.

The class is made from the kit's own answers, so that it is as alike as a real class or more: each
student's explanations are two answers of ``tests/rubric_corpus/`` joined (about 180 answers for 300
students: many share a sentence), each fix is one of the reference's or the seed's with its numbers and a
name changed, and one student in ten copies another's notebooks whole.
"""
from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path

from nndebug import config

TITLE = "similarity: one report over a generated class of 300"
CLASS_ENV = "NN_DEBUG_BENCH_SIMILARITY_CLASS"  # class size (default 300)
GOAL_S = 60


def fixes() -> dict[int, list[str]]:
    """Each task's fixes to vary: the reference's and the seed student's."""
    from nndebug.similarity import extract

    authors = [*extract.reference_authors()[:1], extract.seed_author()]
    return {t: [a.answers[(t, "fix")] for a in authors] for t in config.TASKS}


def generated_class(root: Path, size: int, seed: int = 0) -> None:
    """``root/submitted/sNNN/<assignment>/`` for ``size`` students."""
    from nndebug.rubric import corpus

    rng = random.Random(seed)
    answers = {t: [a.text for a in corpus.load() if a.task == t] for t in config.TASKS}
    code = fixes()
    release = config.RELEASE_DIR / config.assignment()
    notebooks = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(release.glob("*.ipynb"))}
    made: list[dict] = []
    for number in range(size):
        if made and rng.random() < 0.1:
            mine = dict(rng.choice(made))
        else:
            mine = {}
            for t in config.TASKS:
                mine[f"task{t}_explanation"] = " ".join(rng.sample(answers[t], 2))
                lr = f"lr={rng.choice([1, 3, 5])}e-{rng.randint(2, 4)}"
                fix = rng.choice(code[t]).replace("lr=1e-2", lr)
                mine[f"task{t}_fix"] = fix.replace("opt =", f"opt_{rng.randrange(1000)} = opt =", 1)
        made.append(mine)
        folder = root / "submitted" / f"s{number:03d}" / config.assignment()
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            for cell in nb["cells"]:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
                if gid in mine:
                    cell["source"] = mine[gid]
            (folder / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def run() -> list[str]:
    from nndebug import similarity

    size = int(os.environ.get(CLASS_ENV, "300"))
    with tempfile.TemporaryDirectory(prefix="nndebug-bench-similarity-") as tmp:
        root = Path(tmp)
        generated_class(root, size)
        start = time.perf_counter()
        outcome = similarity.run(root, archive="")
        wall = time.perf_counter() - start
    verdict = "met" if wall < GOAL_S else "NOT met"
    return [f"class of {outcome.students}: {wall:.1f} s wall (notebooks read, compared task by task with "
            f"each other and the known sources, both reports written), {len(outcome.pairs)} pairs kept, "
            f"{len(outcome.flagged)} flagged; {os.cpu_count()} CPU cores; goal < {GOAL_S} s: {verdict}"]
