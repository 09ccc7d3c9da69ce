"""An answer's sentences, and where in them a rubric point is asserted, denied, advised or guessed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nndebug.rubric import claims, spec
from nndebug.rubric.match import Sentence, mention, occurrences, unit_occurrences
from nndebug.rubric.translit import detransliterate
from nndebug.rubric.words import normalize, sentences, words

# A line break inside a sentence (a wrapped markdown paragraph): the next line goes on in lower case.
_SOFT_BREAK = re.compile(r"(?<=[^\s.!?;:])[ \t]*\n(?=[ \t]*[a-zа-яё(`«\"'])")

# A longer sentence (a paste without full stops) is read in pieces of this many tokens: bounded work.
MAX_SENTENCE = 120
Spans = dict[int, set[int]]  # sentence number -> word positions


@dataclass
class Found:
    """How a rubric point occurs in an answer."""

    asserted: bool = False
    denied: bool = False
    unclear: bool = False
    advice: bool = False   # a wrong cause only advised against or as a helper ("also lower the lr")
    hedged: bool = False   # a wrong cause only guessed ("может ещё lr маленький")
    via: set[str] = field(default_factory=set)  # which of its phrases assert it: phrases, doubtful, ...
    plain: bool = False    # asserted outside a hedge ("maybe", "возможно")
    spans: Spans = field(default_factory=dict)  # the words of its assertions


def parse(prose: str, rubric: spec.Rubric) -> list[Sentence]:
    """The prose's sentences; a sentence that is only a rejection ("Не помогло.") rules out the one before."""
    prose = _SOFT_BREAK.sub(" ", prose)
    parsed = []
    for text in sentences(detransliterate(normalize(prose))):
        raw = words(text)
        for start in range(0, len(raw), MAX_SENTENCE):  # a run-on "sentence" is read in pieces
            parsed.append(Sentence.build(raw[start:start + MAX_SENTENCE], rubric))
    for before, sentence in zip(parsed, parsed[1:], strict=False):
        if claims.only_rejection(sentence.tokens, rubric.language):
            before.flags = [f | {claims.REJECTED} for f in before.flags]
    return parsed


def find(point: spec.Point, parsed: list[Sentence], rubric: spec.Rubric, wrong: bool,
         inside: Spans | None = None) -> Found:
    """Every placement of the point's phrases, judged one by one. A placement that lies within ``inside``
    (a wrong cause's words: "shuffle=False in the val loader") is that claim's, not this point's; a
    placement in a clause where the point is denied ("weight decay ни при чём, это просто регуляризация")
    asserts nothing."""
    found = Found()
    for number, sentence in enumerate(parsed):
        kinds: list[tuple[str, tuple[int, ...], str]] = []
        sources = [(p, "phrases") for p in point.phrases] + [(p, "doubtful") for p in point.doubtful] + \
            [(p, "doubtful_alone") for p in point.doubtful_alone]
        for phrase, source in sources:
            for positions in occurrences(phrase, sentence, rubric.engine["window"]):
                claim = point.mechanism or source != "phrases"
                if claim and not wrong and not sentence.one_segment(positions):
                    continue  # a claim of cause and effect, not words that happen to stand near each other
                if inside and set(positions) <= inside.get(number, set()):
                    continue
                kind = mention(point, phrase, positions, sentence, rubric, wrong)
                kinds.append((kind, positions, source))
        denied_clauses = {sentence.clause[p[0]] for kind, p, _ in kinds if kind == "denied"}
        for kind, positions, source in kinds:
            if kind == "asserted" and not wrong and sentence.clause[positions[0]] in denied_clauses:
                continue
            found.asserted |= kind == "asserted"
            found.denied |= kind == "denied"
            found.unclear |= kind == "unclear"
            found.advice |= kind == "advice"
            found.hedged |= kind == "hedged"
            if kind == "asserted":
                found.via.add(source)
                found.plain |= claims.HEDGE not in sentence.flags_at(positions)
            if kind in ("asserted", "advice", "hedged"):
                found.spans.setdefault(number, set()).update(positions)
    return found


def near_miss(point: spec.Point, parsed: list[Sentence]) -> bool:
    """Two words or more of a phrase of three or more in one sentence, all but one: the answer may say the
    point in words the rubric does not know."""
    for sentence in parsed:
        for phrase in point.phrases:
            units = [unit for unit in phrase if unit[0] is not spec.NOT]
            present = sum(bool(unit_occurrences(unit, sentence)) for unit in units)
            if present >= 2 and present == len(units) - 1:
                return True
    return False
