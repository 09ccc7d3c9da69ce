"""The labelled answers of ``tests/rubric_corpus/`` and how the rubric agrees with their TA scores.

Sets, each reported apart: ``kit`` (``taskN.toml``, written by the kit's authors, who also tune the rubric);
every subfolder with ``taskN.toml`` and a ``pretuning.toml`` (an independent set written by someone who has
not read the rubric and scored by a TA before any tuning: ``independent/`` of issue 22, ``blind27/`` of
issue 27; a set is read only once its pre-tuning record exists, so that no tuning sees it before); and one
set per term of TA decisions (``ta/<term>.toml``: answers a TA scored by hand in formgrader, read back by
``python -m nndebug ta-decisions``).
"""
from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.rubric.verdict import ExplanationVerdict, judge

CORPUS_DIR = config.ROOT / "tests" / "rubric_corpus"
INDEPENDENT_DIR = CORPUS_DIR / "independent"
TA_DIR = CORPUS_DIR / "ta"
PRETUNING = "pretuning.toml"
PRETUNING_FILE = INDEPENDENT_DIR / PRETUNING
# Every set, every task: no answer confidently wrong (a different score, not routed), at most this share
# routed.
GOALS = {"confidently_wrong": 0, "routed": 0.20}


def blind_dirs(root: Path | None = None) -> dict[str, Path]:
    """The independent sets under ``root``: subfolders with taskN.toml and their pre-tuning record."""
    return {d.name: d for d in sorted((root or CORPUS_DIR).iterdir())
            if d.is_dir() and (d / PRETUNING).is_file() and any(d.glob("task*.toml"))}


@dataclass(frozen=True)
class Answer:
    task: int
    kind: str        # what the answer tests (the kit's `kind`, the independent author's `style`)
    lang: str
    score: float     # the TA's fraction of the task's explanation points
    text: str
    id: str = ""
    intent: str = ""  # the independent author's own label: right, partial, wrong
    note: str = ""    # the TA's note
    disagreement: str = ""  # the kit's note where it disputes the TA's score (which stays as it is)


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

    @property
    def confidently_wrong(self) -> bool:
        return not self.exact and not self.routed


def band(fraction: float) -> str:
    return "0" if fraction <= 0 else "full" if fraction >= 1 else "part"


def load(directory: Path = CORPUS_DIR) -> list[Answer]:
    """Every answer of the ``taskN.toml`` files directly in ``directory`` (not in its subfolders)."""
    answers = []
    for path in sorted(directory.glob("task*.toml")):
        task = int(path.stem.removeprefix("task"))
        try:
            with open(path, "rb") as fh:
                entries = tomllib.load(fh).get("answer", [])
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path}: not valid TOML ({error}): fix the file") from None
        for index, entry in enumerate(entries):
            kind = entry.get("kind", entry.get("style"))
            missing = {"lang", "score", "text"} - entry.keys() | ({"kind"} if kind is None else set())
            if missing:
                raise ValueError(f"{path}: answer[{index}] lacks {', '.join(sorted(missing))}")
            answers.append(Answer(task, kind, entry["lang"], float(entry["score"]), entry["text"],
                                  entry.get("id", ""), entry.get("intent", ""), entry.get("note", ""),
                                  entry.get("ta_disagreement", "")))
    return answers


def load_term(path: Path) -> list[Answer]:
    """The TA decisions of one term (``ta/<term>.toml``): each answer names its task."""
    try:
        with open(path, "rb") as fh:
            entries = tomllib.load(fh).get("answer", [])
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML ({error}): fix the file") from None
    answers = []
    for index, entry in enumerate(entries):
        missing = {"task", "lang", "score", "text"} - entry.keys()
        if missing:
            raise ValueError(f"{path}: answer[{index}] lacks {', '.join(sorted(missing))}")
        answers.append(Answer(int(entry["task"]), "ta", entry["lang"], float(entry["score"]), entry["text"],
                              entry.get("id", ""), "", entry.get("note", "")))
    return answers


def load_sets(root: Path | None = None) -> dict[str, list[Answer]]:
    """Each corpus set by name: ``kit``, each independent set (``independent``, ``blind27``, ...) and each
    term of TA decisions (``ta <term>``, from ``TA_DIR``, else ``root/ta``)."""
    sets = {"kit": load(root or CORPUS_DIR)}
    sets.update({name: load(directory) for name, directory in blind_dirs(root or CORPUS_DIR).items()})
    ta = TA_DIR if root is None else root / TA_DIR.name
    terms = {f"ta {path.stem}": load_term(path) for path in sorted(ta.glob("*.toml"))} if ta.is_dir() else {}
    sets.update({name: answers for name, answers in terms.items() if answers})
    return sets


def set_dirs(root: Path | None = None) -> dict[str, Path]:
    """The folder of each set that has one (``kit`` and the independent sets)."""
    return {"kit": root or CORPUS_DIR, **blind_dirs(root or CORPUS_DIR)}


def score(answers: list[Answer], rubric_path: Path | None = None) -> list[Scored]:
    return [Scored(a, judge(a.task, a.text, rubric_path)) for a in answers]


@dataclass(frozen=True)
class Figures:
    total: int
    exact: float
    right_wrong: float
    routed: float
    wrong_full_unrouted: int       # TA 0, rubric full marks, not routed
    confidently_wrong: int         # a different score without routing

    def meets_goal(self) -> bool:
        return self.confidently_wrong <= GOALS["confidently_wrong"] and self.routed <= GOALS["routed"] + 1e-9


def figures(scored: list[Scored]) -> Figures:
    n = len(scored) or 1
    return Figures(len(scored), sum(s.exact for s in scored) / n, sum(s.right_wrong for s in scored) / n,
                   sum(s.routed for s in scored) / n,
                   sum(1 for s in scored if s.answer.score == 0 and s.verdict.fraction >= 1 and not s.routed),
                   sum(1 for s in scored if s.confidently_wrong))


def per_task(scored: list[Scored]) -> dict[int, Figures]:
    """Each task's figures."""
    return {task: figures([s for s in scored if s.answer.task == task])
            for task in sorted({s.answer.task for s in scored})}


def meets_goal(scored: list[Scored]) -> bool:
    """The goal, task by task: none confidently wrong, at most a fifth routed."""
    return all(f.meets_goal() for f in per_task(scored).values())


def confusion(scored: list[Scored]) -> Counter:
    """(TA band, rubric band) -> count, bands 0 / part / full."""
    return Counter((band(s.answer.score), band(s.verdict.fraction)) for s in scored)


def pretuning(path: Path = PRETUNING_FILE) -> dict[str, Figures]:
    """The independent set's figures measured before any tuning, per task ("task N") and "all"; {} when
    the record is absent."""
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        data = tomllib.load(fh).get("figures", {})
    return {label: Figures(**values) for label, values in data.items()}
