"""Score a written answer against ``notebooks/rubric.toml`` (concepts with weights, wrong causes)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.grading import answers


@dataclass(frozen=True)
class Verdict:
    """What the rubric found in one answer."""

    fraction: float
    named: tuple[str, ...]
    missing: tuple[str, ...]
    wrong: str | None


def rubric(task_number: int, path: Path | None = None) -> dict:
    """One task's rubric: ``wrong`` patterns and ``concepts`` (name, weight, ru, en)."""
    path = path or config.RUBRIC_FILE
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    key = f"task{task_number}"
    if key not in data or not data[key].get("concepts"):
        raise KeyError(f"{path}: no [[{key}.concepts]] in the rubric")
    for concept in data[key]["concepts"]:
        for field in ("name", "weight"):
            if field not in concept:
                raise KeyError(f"{path}: a [[{key}.concepts]] entry has no {field!r}")
    return data[key]


def normalize(text: str) -> str:
    """Lower case, ``ё`` as ``е``, whitespace runs as one space."""
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е"))


def _matches(patterns: list[str], text: str) -> bool:
    return any(re.search(pattern, text, flags=re.IGNORECASE) for pattern in patterns)


def judge(task_number: int, text: str, path: Path | None = None) -> Verdict:
    """The fraction of the rubric's weight this answer earns (0 with a wrong cause)."""
    task_rubric = rubric(task_number, path)
    text = normalize(text)
    for pattern in task_rubric.get("wrong", []):
        if re.search(pattern, text, flags=re.IGNORECASE):
            return Verdict(0.0, (), tuple(c["name"] for c in task_rubric["concepts"]), pattern)
    named, missing, earned, total = [], [], 0.0, 0.0
    for concept in task_rubric["concepts"]:
        weight = float(concept["weight"])
        total += weight
        if _matches(concept.get("ru", []) + concept.get("en", []), text):
            named.append(concept["name"])
            earned += weight
        else:
            missing.append(concept["name"])
    return Verdict(earned / total if total else 0.0, tuple(named), tuple(missing), None)


def score(task_number: int, text: str | None = None) -> float:
    """Points for the answer (read from the submission unless given): the hidden test's last value."""
    if text is None:
        text = answers.explanation(task_number)
    verdict = judge(task_number, text)
    points = float(config.task(task_number)["points_explanation"])
    if verdict.wrong:
        print("В ответе названа неверная причина: 0 баллов.")
    else:
        print(f"Найдено в ответе: {len(verdict.named)} из {len(verdict.named) + len(verdict.missing)} "
              "пунктов рубрики.")
    return round(points * verdict.fraction, 4)
