"""What the verifier decided about one hidden test, in words for the student (Russian, English beside)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """One sentence of feedback, in Russian and in English."""

    ru: str
    en: str

    def text(self) -> str:
        return f"{self.ru} / {self.en}"


@dataclass(frozen=True)
class Verdict:
    """A hidden test's verdict, a fix's or an explanation's (what the rubric found in an explanation is a
    :class:`nndebug.rubric.ExplanationVerdict`): score fraction, the reason when it is not full, what was
    measured, and where to look next."""

    fraction: float
    reason: Line | None = None
    measured: tuple[Line, ...] = ()
    advice: Line | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)
    routed: Line | None = None    # why a person must decide (the score stays 0 until they do)
    accuracy: float | None = None  # the kit's replay of the fix: accuracy on the held-back digits

    @property
    def passed(self) -> bool:
        return self.fraction >= 1.0


def failed(reason: Line, measured: tuple[Line, ...] = (), advice: Line | None = None,
           curves: dict[str, list[float]] | None = None) -> Verdict:
    """A verdict worth 0."""
    return Verdict(0.0, reason, measured, advice, curves or {})


def routed(why: Line, measured: tuple[Line, ...] = (),
           curves: dict[str, list[float]] | None = None) -> Verdict:
    """A verdict the kit cannot decide from data: 0 until a person scores it (autograded/routed.md)."""
    reason = Line(f"отправлено на проверку человеку: {why.ru}", f"sent to a person: {why.en}")
    return Verdict(0.0, reason, measured, None, curves or {}, why)
