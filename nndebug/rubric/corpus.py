"""The labelled answers of ``tests/rubric_corpus/`` and how the rubric agrees with their TA scores."""
from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.rubric.verdict import ExplanationVerdict, judge

CORPUS_DIR = config.ROOT / "tests" / "rubric_corpus"
GOALS = {"agreement": 0.95, "routed": 0.20}


@dataclass(frozen=True)
class Answer:
    task: int
    kind: str
    lang: str
    score: float  # the TA's fraction of the task's explanation points
    text: str


@dataclass(frozen=True)
class Scored:
    answer: Answer
    verdict: ExplanationVerdict

    @property
    def exact(self) -> bool:
        return abs(self.verdict.fraction - self.answer.score) < 1e-6

    @property
    def right_wrong(self) -> bool:
        """Both give some credit, or both give none."""
        return (self.verdict.fraction > 0) == (self.answer.score > 0)

    @property
    def routed(self) -> bool:
        return bool(self.verdict.review)


def band(fraction: float) -> str:
    return "0" if fraction <= 0 else "full" if fraction >= 1 else "part"


def load(directory: Path = CORPUS_DIR) -> list[Answer]:
    """Every answer of ``taskN.toml`` files in the corpus folder."""
    answers = []
    for path in sorted(directory.glob("task*.toml")):
        task = int(path.stem.removeprefix("task"))
        with open(path, "rb") as fh:
            entries = tomllib.load(fh).get("answer", [])
        for index, entry in enumerate(entries):
            missing = {"kind", "lang", "score", "text"} - entry.keys()
            if missing:
                raise ValueError(f"{path}: answer[{index}] lacks {', '.join(sorted(missing))}")
            answers.append(Answer(task, entry["kind"], entry["lang"], float(entry["score"]), entry["text"]))
    return answers


def score(answers: list[Answer], rubric_path: Path | None = None) -> list[Scored]:
    return [Scored(a, judge(a.task, a.text, rubric_path)) for a in answers]


@dataclass(frozen=True)
class Figures:
    total: int
    exact: float
    right_wrong: float
    routed: float
    wrong_full_unrouted: int       # TA 0, rubric full marks, not routed
    confidently_wrong: int         # exact disagreement without routing

    def meets_goal(self) -> bool:
        return (self.exact >= GOALS["agreement"] and self.wrong_full_unrouted == 0
                and self.routed <= GOALS["routed"])


def figures(scored: list[Scored]) -> Figures:
    n = len(scored) or 1
    return Figures(len(scored), sum(s.exact for s in scored) / n, sum(s.right_wrong for s in scored) / n,
                   sum(s.routed for s in scored) / n,
                   sum(1 for s in scored if s.answer.score == 0 and s.verdict.fraction >= 1 and not s.routed),
                   sum(1 for s in scored if not s.exact and not s.routed))


def confusion(scored: list[Scored]) -> Counter:
    """(TA band, rubric band) -> count, bands 0 / part / full."""
    return Counter((band(s.answer.score), band(s.verdict.fraction)) for s in scored)
