"""The explanation test's verdict: the submitted answer text scored against the rubric, in the driver."""
from __future__ import annotations

from nndebug.grading import explanations
from nndebug.verify.verdict import Line, Verdict


def verdict(task: int, text: str) -> Verdict:
    """Rubric verdict of one answer: the points of the rubric it named, missed or contradicted."""
    found = explanations.judge(task, text)
    measured = tuple(Line(f"названо: {name}", f"named: {name}") for name in found.named)
    measured += tuple(Line(f"не названо: {name}", f"missing: {name}") for name in found.missing)
    reason = None
    if found.wrong:
        reason = Line("в ответе названа неверная причина", "the answer names a wrong cause")
    elif found.fraction < 1:
        reason = Line("в ответе названы не все пункты рубрики", "the answer misses points of the rubric")
    return Verdict(0.0 if found.wrong else found.fraction, reason, measured)
