"""``judge``: one written answer scored against the task's rubric, with a confidence and the reasons a TA
should read it; ``points``: the verdict in points."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.rubric import spec
from nndebug.rubric.find import Found, find, near_miss, parse
from nndebug.rubric.match import Sentence
from nndebug.rubric.words import is_placeholder, strip_code, words

_ARROWS = re.compile(r"->|=>|→|⇒")
_ITEM_SPLIT = re.compile(r"[,;\n/|•]+|\s[-–—]\s")
# Only this much of an answer is read (a longer one goes to a TA): scoring takes bounded time on any input.
MAX_CHARS = 6_000
# Pasted code with fewer words of prose than this beside it, and nothing recognised: a TA reads it.
CODE_PROSE_WORDS = 20


@dataclass(frozen=True)
class ExplanationVerdict:
    """What the rubric found in one answer."""

    fraction: float               # 0..1 of the task's explanation points
    named: tuple[str, ...]        # rubric points (concept names) the answer named
    missing: tuple[str, ...]      # rubric points it missed
    wrong: str | None             # a wrong cause it asserted, else None
    confidence: float             # 0..1
    review: tuple[str, ...]       # why a TA should read it (empty when confident)


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


def _find(point: spec.Point, parsed: list[Sentence], rubric: spec.Rubric, wrong: bool) -> Found:
    """How ``point`` occurs in the parsed answer (nndebug.variants uses it for a variant's cause point)."""
    return find(point, parsed, rubric, wrong)


def _wrong_claims(task: spec.TaskRubric, found: dict[str, Found], causes: list[str], named: tuple[str, ...]
                  ) -> tuple[list[str], list[str], list[str]]:
    """The wrong causes the answer claims, the guesses set aside, and the wrong accounts of the effect.

    Beside a concept, advice ("also lower the lr") and a single guess are no claim (two guesses or more are
    a list of causes); beside the task's cause, a wrong cause marked ``effect_of_cause`` is its effect and a
    ``wrong_mechanism`` only a wrong account of the effect. Without a concept every mention that is not
    ruled out is the answer's claim."""
    if not named:
        return [n for n, f in found.items() if f.asserted or f.hedged or f.advice], [], []
    points = {w.name: w for w in task.wrong}
    if causes:
        found = {n: f for n, f in found.items() if not points[n].effect_of_cause}
    mechanisms = [n for n, f in found.items() if f.asserted and points[n].wrong_mechanism and causes]
    asserted = [n for n, f in found.items() if f.asserted and n not in mechanisms]
    hedged = [n for n, f in found.items() if f.hedged and not f.asserted]
    if len(hedged) >= 2:
        return asserted + hedged, [], mechanisms
    return asserted, hedged, mechanisms


def judge(task_number: int, text: str, rubric_path: Path | None = None) -> ExplanationVerdict:
    """Score one answer: the fraction of the task's explanation points, what it named and missed, a wrong
    cause it asserted, and why a TA should read it."""
    rubric = spec.load(rubric_path)
    task = rubric.task(task_number)
    all_names = tuple(c.name for c in task.concepts)
    text = text or ""
    if is_placeholder(text):
        return ExplanationVerdict(0.0, (), all_names, None, 1.0, ())
    truncated = len(text) > MAX_CHARS
    prose, had_code = strip_code(text[:MAX_CHARS])
    parsed = parse(prose, rubric)
    word_count = sum(len(s.tokens) for s in parsed)
    engine = rubric.engine
    reasons = [f"long answer (over {MAX_CHARS} characters, only the start read)"] if truncated else []

    wrong_found = {w.name: find(w, parsed, rubric, wrong=True) for w in task.wrong}
    inside: dict[int, set[int]] = {}
    for found in wrong_found.values():
        for number, positions in found.spans.items():
            inside.setdefault(number, set()).update(positions)
    concepts = {c.name: find(c, parsed, rubric, False, inside) for c in task.concepts}
    named = tuple(name for name, found in concepts.items() if found.asserted or found.unclear)
    mechanism = {c.name for c in task.concepts if c.mechanism}
    denied_causes = [n for n, f in concepts.items() if n not in mechanism and f.denied and n not in named]
    if denied_causes and named and set(named) <= mechanism:
        # "It is not the shuffle; the batches hold one class": the effect, with its cause denied.
        reasons.append(f"the cause denied ({denied_causes[0]}) beside its effect")
        named = ()
    causes = [n for n in named if n not in mechanism]
    wrongs, guesses, wrong_mechanisms = _wrong_claims(task, wrong_found, causes, named)
    if wrong_mechanisms:
        if set(named) & mechanism:
            reasons.append(f"a wrong account of the effect beside the right one ({wrong_mechanisms[0]})")
        named = tuple(causes)  # "shuffle=False, so the gradients explode": the cause, never the mechanism
    wrongs, partly_reasons = _partly_right(task, named, wrongs)
    missing = tuple(name for name in all_names if name not in named)
    mentioned = any(f.asserted or f.denied or f.unclear for f in concepts.values()) or \
        any(f.denied or f.advice or f.hedged for f in wrong_found.values())
    related = [r for r in task.related if find(r, parsed, rubric, wrong=False).asserted]
    total = sum(c.weight for c in task.concepts)
    fraction = sum(c.weight for c in task.concepts if c.name in named) / total

    reasons += partly_reasons
    if guesses:
        reasons.append(f"guesses a wrong cause beside the concepts ({guesses[0]})")
    if wrongs and denied_causes:
        # "It's not the shuffle. The real problem is the lr": the right cause denied, a wrong one claimed.
        return _verdict(0.0, (), all_names, wrongs, reasons)
    if named and len(wrongs) >= 2:
        # Many causes at once: the right one among others is a guess, not an explanation.
        return _verdict(0.0, named, missing, wrongs, reasons)
    if named and wrongs and not causes:
        # A wrong cause with the task's effect restated: the effect is no explanation of this bug.
        return _verdict(0.0, named, missing, wrongs, reasons)
    if named and wrongs:
        reasons.append(f"mixes right and wrong claims (also names: {wrongs[0]})")
        fraction = min(fraction, 0.5)
    elif wrongs:
        return _verdict(0.0, named, missing, wrongs, reasons)
    reasons += _doubts(task, concepts, named, related, parsed, rubric, word_count, wrong_mechanisms)
    if named and _is_list(prose, parsed, rubric, text):
        fraction = min(fraction, 0.5)  # a bare list of terms: the cause at most, never the explanation
    partial_reviews = [r.name for r in related if r.review_if_partial]
    if named and fraction < 1 and partial_reviews:
        reasons.append(f"names a related point beside the concepts ({partial_reviews[0]})")
    dont_know = any(s.has_sequence(rubric.language["dont_know"]) for s in parsed)
    if named and dont_know:
        reasons.append("says it does not know beside the concepts")
    if had_code and not named and not dont_know and word_count < CODE_PROSE_WORDS:
        reasons.append("pasted code with no explanation recognised in the prose")
    elif not named and related:
        reasons.append(f"names only a related point ({related[0].name})")
    elif not named and not mentioned and word_count >= engine["substantive_words"] and not dont_know and (
            any(near_miss(c, parsed) for c in task.concepts)
            or any(s.has_sequence(rubric.language["vague"]) for s in parsed)):
        reasons.append("nothing recognised in a non-empty answer")
    if word_count > engine["long_words"] and not truncated and (fraction < 1 or reasons):
        reasons.append(f"long answer ({word_count} words)")
    return _verdict(round(fraction, 4), named, missing, [], reasons)


def _doubts(task: spec.TaskRubric, concepts: dict[str, Found], named: tuple[str, ...],
            related: list[spec.Point], parsed: list[Sentence], rubric: spec.Rubric, word_count: int,
            wrong_mechanisms: list[str]) -> list[str]:
    """Why a TA should read an answer whose concepts were found: the rubric's own signals disagree."""
    reasons = []
    if any(f.unclear or (f.denied and f.asserted) for f in concepts.values()):
        reasons.append("negation near a concept (denied in one place, named in another, or unclear)")
    hedged = [n for n in named if concepts[n].asserted and not concepts[n].plain]
    if hedged:
        reasons.append(f"hedges a concept ({hedged[0]})")
    weak = [n for n in named if concepts[n].via and "phrases" not in concepts[n].via and
            ("doubtful" in concepts[n].via or len(named) == 1)]
    if weak:
        reasons.append(f"names a concept only in part ({weak[0]})")
    if len(named) == 1 and len(task.concepts) > 1 and word_count >= rubric.engine["one_concept_words"] \
            and not wrong_mechanisms and any(
            near_miss(c, parsed) for c in task.concepts if c.name not in named):
        reasons.append(f"only one concept found in {word_count} words")
    reasons += [f"names a related point a TA should weigh ({r.name})" for r in related if r.review]
    return reasons


def _verdict(fraction: float, named: tuple[str, ...], missing: tuple[str, ...], wrongs: list[str],
             reasons: list[str]) -> ExplanationVerdict:
    return ExplanationVerdict(fraction, named, missing, "; ".join(wrongs) or None, _confidence(reasons),
                              tuple(reasons))


def points(task_number: int, verdict: ExplanationVerdict) -> float:
    """kit.toml [tasks.N] points_explanation times the verdict's fraction, to 2 decimals."""
    return round(config.kit().tasks[task_number].points_explanation * verdict.fraction + 1e-9, 2)
