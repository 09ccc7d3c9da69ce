"""The independent fix corpus (``tests/fix_corpus/independent.toml``): task fixes written by someone who had
not read the verifier, each labelled right (the cause removed and the network learns) or wrong. Graded
in-process as the autograder takes the answer and replays it (``graded_run``). Each fix's answer can be kept
in a folder, so that the verdicts are computed again without running the fix again."""
from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from graded_run import context, run

from nndebug.verify import answer, fixes
from nndebug.verify.evidence import BadEvidence
from nndebug.verify.verdict import Verdict

CORPUS = Path(__file__).parent / "fix_corpus" / "independent.toml"


@dataclass(frozen=True)
class CorpusFix:
    id: str
    task: int
    right: bool
    why: str
    code: str


def load(path: Path = CORPUS) -> list[CorpusFix]:
    """Every fix of the corpus, in file order."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return [CorpusFix(f["id"], int(f["task"]), bool(f["right"]), f.get("why", ""), f["code"])
            for f in table["fix"]]


def graded(fix: CorpusFix, keep: Path) -> Verdict:
    """The verifier's verdict on ``fix``; its evidence is kept under ``keep/<id>/`` and reused when there."""
    folder = keep / fix.id
    found = folder / "run" / "evidence"
    if not (found / "answer.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        found = run(fix.task, fix.code, folder / "run")
    try:
        return fixes.RULES[fix.task](answer.load(found), context(fix.task))
    except BadEvidence as err:
        from nndebug.verify.verdict import Line, failed

        return failed(Line(str(err), str(err)))


def agrees(fix: CorpusFix, verdict: Verdict) -> bool:
    """A right fix scores full (or goes to a person), a wrong one 0."""
    return (verdict.fraction == 1.0 or verdict.routed is not None) if fix.right else verdict.fraction == 0.0
