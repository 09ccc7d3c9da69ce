"""A term's TA decisions kept as corpus answers: ``tests/rubric_corpus/ta/<term>.toml``.

Each decision is an explanation a TA scored by hand in formgrader (a manual score on the cell
``taskN_explanation_rubric``), with the answer's text, so that the next term's ``make rubric-report`` measures
the rubric on it. Students are kept out: an answer's id is a hash of the term, the student and the task.
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

HEADER = """# TA decisions of term {term}: explanations a TA scored by hand in formgrader (a manual score on
# the cell taskN_explanation_rubric), read back from gradebook.db by `python -m nndebug ta-decisions`.
# `score` is the TA's fraction of the task's explanation points; `rubric` the automatic fraction it
# replaced; `routed` whether the rubric had sent the answer to a TA. `make rubric-report` reports this term
# as the set "ta {term}". Appended to, never rewritten: an answer already here (same id, or the same task
# and text) is not added twice.
"""


@dataclass(frozen=True)
class Decision:
    """A TA's score on one routed (or overridden) explanation."""

    term: str
    student: str
    task: int
    text: str
    score: float          # the TA's fraction of the explanation points
    rubric: float         # the rubric's fraction before the TA
    routed: bool

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.term}\0{self.student}\0{self.task}".encode()).hexdigest()[:10]
        return f"ta-{self.term}-t{self.task}-{digest}"

    @property
    def lang(self) -> str:
        text = self.text.lower()
        return "ru" if len(re.findall("[а-яё]", text)) > len(re.findall("[a-z]", text)) else "en"


def _key(task: int, text: str) -> tuple[int, str]:
    return task, " ".join(text.split())


def _entry(decision: Decision) -> str:
    # JSON strings are TOML basic strings (the same escapes), so any answer text is written safely.
    fields = {"id": decision.id, "task": decision.task, "lang": decision.lang,
              "score": round(decision.score, 4), "rubric": round(decision.rubric, 4),
              "routed": decision.routed, "text": decision.text}
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "\n[[answer]]\n" + "\n".join(lines) + "\n"


def path_for(directory: Path, term: str) -> Path:
    return directory / f"{term}.toml"


def append(directory: Path, decisions: list[Decision]) -> tuple[int, int]:
    """Add each decision to its term's file unless it is there already (by id, or the same task and text):
    (added, already there)."""
    added = kept = 0
    for term in sorted({d.term for d in decisions}):
        path = path_for(directory, term)
        known: set[str] = set()
        texts: set[tuple[int, str]] = set()
        if path.exists():
            with open(path, "rb") as fh:
                for entry in tomllib.load(fh).get("answer", []):
                    known.add(str(entry.get("id", "")))
                    texts.add(_key(int(entry["task"]), str(entry["text"])))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(HEADER.format(term=term), encoding="utf-8")
        new = []
        for decision in (d for d in decisions if d.term == term):
            if decision.id in known or _key(decision.task, decision.text) in texts:
                kept += 1
                continue
            known.add(decision.id)
            texts.add(_key(decision.task, decision.text))
            new.append(_entry(decision))
        if new:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("".join(new))
        added += len(new)
    return added, kept
