"""The explanation test's verdict: the submitted answer text scored against the rubric, in the driver."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from nndebug import rubric
from nndebug.rubric.spec import english_name
from nndebug.verify.verdict import Line, Verdict

if TYPE_CHECKING:
    from nndebug.verify.fixes import CauseRule


def without_stub(text: str, stub: str) -> str:
    """The answer with the lines of the released cell's starting text (a label, the placeholder) removed."""
    given = {line.strip() for line in stub.splitlines() if line.strip()}
    return "\n".join(line for line in text.splitlines() if line.strip() not in given)


def verdict(task: int, text: str, stub: str = "", cause: CauseRule | None = None,
            names_en: Mapping[str, str] | None = None) -> tuple[Verdict, rubric.ExplanationVerdict]:
    """The test's verdict and the rubric's (points named, missed or contradicted, confidence); ``cause``
    (the student's variant's, variants on) folds in a point for naming the specific cause, and
    ``names_en`` gives the English of the point names it adds (rubric.toml's ``name_en`` the others')."""
    answer = without_stub(text, stub) if stub else text
    found = rubric.judge(task, answer)
    if cause is not None:
        found = cause(found, answer)
    def english(name: str) -> str:               # English feedback in English
        return (names_en or {}).get(name) or english_name(task, name)

    measured = tuple(Line(f"названо: {name}", f"named: {english(name)}") for name in found.named)
    measured += tuple(Line(f"не названо: {name}", f"missing: {english(name)}") for name in found.missing)
    reason = None
    if found.wrong:
        reason = Line(f"в ответе названа неверная причина: {found.wrong}",
                      f"the answer names a wrong cause: {english(found.wrong)}")
    elif found.fraction < 1:
        reason = Line("в ответе названы не все пункты рубрики", "the answer misses points of the rubric")
    return Verdict(found.fraction, reason, measured), found


def save(path: Path, task: int, text: str, found: rubric.ExplanationVerdict) -> None:
    """Keep an answer and its rubric verdict for ``autograded/review.md``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"task": task, "text": text, "verdict": asdict(found)}, ensure_ascii=False))


def load(path: Path) -> tuple[int, str, rubric.ExplanationVerdict]:
    """An answer kept by :func:`save`."""
    data = json.loads(path.read_text())
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data["verdict"].items()}
    return int(data["task"]), str(data["text"]), rubric.ExplanationVerdict(**fields)
