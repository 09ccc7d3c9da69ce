"""``judge``: one written answer scored against the task's rubric, with a confidence and the reasons a TA
should read it; ``points``: the verdict in points."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.rubric import spec
from nndebug.rubric.match import Sentence, mention, occurrences
from nndebug.rubric.translit import detransliterate
from nndebug.rubric.words import is_placeholder, normalize, sentences, strip_code, words

_ARROWS = re.compile(r"->|=>|→|⇒")
_ITEM_SPLIT = re.compile(r"[,;\n/|•]+|\s[-–—]\s")


@dataclass(frozen=True)
class ExplanationVerdict:
    """What the rubric found in one answer."""

    fraction: float               # 0..1 of the task's explanation points
    named: tuple[str, ...]        # rubric points (concept names) the answer named
    missing: tuple[str, ...]      # rubric points it missed
    wrong: str | None             # a wrong cause it asserted, else None
    confidence: float             # 0..1
    review: tuple[str, ...]       # why a TA should read it (empty when confident)


@dataclass
class _Found:
    asserted: bool = False
    denied: bool = False
    unclear: bool = False


def _find(point: spec.Point, parsed: list[Sentence], rubric: spec.Rubric, wrong: bool) -> _Found:
    found = _Found()
    for sentence in parsed:
        for phrase in point.phrases:
            for positions in occurrences(phrase, sentence, rubric.engine["window"]):
                kind = mention(point, phrase, positions, sentence, rubric, wrong)
                found.asserted |= kind == "asserted"
                found.denied |= kind == "denied"
                found.unclear |= kind == "unclear"
    return found


def _is_list(prose: str, parsed: list[Sentence], rubric: spec.Rubric, raw: str) -> bool:
    """Three or more short items and no word that connects cause and effect: a list of terms."""
    items = [item for item in _ITEM_SPLIT.split(re.sub(r"^\s*[-*+]\s+", "", prose, flags=re.M))
             if any(w.is_word for w in words(item.lower()))]
    short = [item for item in items if sum(w.is_word for w in words(item.lower())) <= 3]
    connected = bool(_ARROWS.search(raw)) or any(s.has_sequence(rubric.language["because"]) for s in parsed)
    return len(items) >= 3 and len(short) >= 0.6 * len(items) and not connected


def _confidence(reasons: list[str]) -> float:
    return 1.0 if not reasons else round(max(0.1, 0.6 - 0.15 * (len(reasons) - 1)), 2)


def _partly_right(task: spec.TaskRubric, named: tuple[str, ...],
                  wrongs: list[str]) -> tuple[list[str], list[str]]:
    """Wrong causes marked ``partly_right`` beside a concept (task 2: "lr and wd too big") are no wrong
    claim, only a reason for a TA to read the answer: (the wrong causes left, the reasons)."""
    partly = {w.name for w in task.wrong if w.partly_right}
    if named and wrongs and all(name in partly for name in wrongs):
        return [], [f"also blames {wrongs[0]}"]
    return wrongs, []


def judge(task_number: int, text: str, rubric_path: Path | None = None) -> ExplanationVerdict:
    """Score one answer: the fraction of the task's explanation points, what it named and missed, a wrong
    cause it asserted, and why a TA should read it."""
    rubric = spec.load(rubric_path)
    task = rubric.task(task_number)
    all_names = tuple(c.name for c in task.concepts)
    text = text or ""
    if is_placeholder(text):
        return ExplanationVerdict(0.0, (), all_names, None, 1.0, ())
    prose, had_code = strip_code(text)
    parsed = [Sentence.build(words(s), rubric) for s in sentences(detransliterate(normalize(prose)))]
    word_count = sum(len(s.tokens) for s in parsed)
    engine = rubric.engine
    reasons: list[str] = []

    concepts = {c.name: _find(c, parsed, rubric, wrong=False) for c in task.concepts}
    named = tuple(name for name, found in concepts.items() if found.asserted or found.unclear)
    mentioned = any(f.asserted or f.denied or f.unclear for f in concepts.values())
    missing = tuple(name for name in all_names if name not in named)
    wrong_found = {w.name: _find(w, parsed, rubric, wrong=True) for w in task.wrong}
    wrongs, partly_reasons = _partly_right(task, named, [n for n, f in wrong_found.items() if f.asserted])
    mentioned |= any(f.denied for f in wrong_found.values())
    related = [r for r in task.related if _find(r, parsed, rubric, wrong=False).asserted]
    total = sum(c.weight for c in task.concepts)
    fraction = sum(c.weight for c in task.concepts if c.name in named) / total

    if word_count > engine["long_words"]:
        reasons.append(f"long answer ({word_count} words)")
    reasons += partly_reasons
    causes = [c.name for c in task.concepts if c.name in named and not c.mechanism]
    if named and len(wrongs) >= 2:
        # Many causes at once: the right one among others is a guess, not an explanation.
        return ExplanationVerdict(0.0, named, missing, "; ".join(wrongs), _confidence(reasons),
                                  tuple(reasons))
    if named and wrongs and not causes:
        # A wrong cause with the task's effect restated: the effect is no explanation of this bug.
        reasons.append(f"a wrong cause ({wrongs[0]}) with only the task's effect")
        return ExplanationVerdict(0.0, named, missing, "; ".join(wrongs), _confidence(reasons),
                                  tuple(reasons))
    if named and wrongs:
        reasons.append(f"mixes right and wrong claims (also names: {wrongs[0]})")
        fraction = min(fraction, 0.5)
    elif wrongs:
        return ExplanationVerdict(0.0, named, missing, "; ".join(wrongs), _confidence(reasons),
                                  tuple(reasons))
    if any(f.unclear or (f.denied and f.asserted) for f in concepts.values()):
        reasons.append("negation near a concept (denied in one place, named in another, or unclear)")
    if named and _is_list(prose, parsed, rubric, text):
        fraction = min(fraction, 0.5)  # a bare list of terms: the cause at most, never the explanation
    if len(named) == 1 and len(all_names) > 1 and word_count >= engine["one_concept_words"]:
        reasons.append(f"only one concept found in {word_count} words")
    partial_reviews = [r.name for r in related if r.review_if_partial]
    if named and fraction < 1 and partial_reviews:
        reasons.append(f"names a related point beside the concepts ({partial_reviews[0]})")
    dont_know = any(s.has_sequence(rubric.language["dont_know"]) for s in parsed)
    if had_code and not named and not dont_know:
        reasons.append("pasted code with no explanation recognised in the prose")
    elif not named and related:
        reasons.append(f"names only a related point ({related[0].name})")
    elif not named and not mentioned and word_count >= engine["substantive_words"] and not dont_know:
        reasons.append("nothing recognised in a non-empty answer")
    return ExplanationVerdict(round(fraction, 4), named, missing, None, _confidence(reasons), tuple(reasons))


def points(task_number: int, verdict: ExplanationVerdict) -> float:
    """kit.toml [tasks.N] points_explanation times the verdict's fraction, to 2 decimals."""
    return round(config.kit().tasks[task_number].points_explanation * verdict.fraction + 1e-9, 2)
