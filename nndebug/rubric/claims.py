"""What a clause does with the words in it: asserts a cause, gives advice or a fix, tells of something tried
(and rejected), or hedges. A wrong cause counts only where it is asserted; a concept only where it is not
rejected.

A sentence is cut into segments at commas, colons, dashes, contrast words ("но", "but") and scope words
("потом", "then", "в итоге", "turned out"). Each segment gets flags from ``[language]`` lists, matched by
lemma, so aspect and tense do not matter ("не помогло", "не помогало", "didn't help", "nothing helped"):

- ``advice``: optional advice ("можно", "could", "would be faster", "я бы"), a modal with an infinitive
  ("стоит уменьшить"), an imperative or an infinitive of a fix verb at the start of the segment ("also
  lower lr", "убрать wd и взять lr=1e-2"), a first-person fix report ("I lowered the lr", "поменял lr"),
  and the segments after a "fix:"/"исправление:" label; it reaches to the next scope word ("я бы уменьшил
  lr, 0.1 для SGD без momentum много"). An accessory ("вместе с большим lr") is advice for the words after
  it (:func:`accessory_before`);
- ``tried``: a trial or an earlier guess ("tried Adam", "пробовал", "first I thought"), up to the next
  scope word;
- ``rejected``: a rejection ("nothing helped", "ничего не помогало") rules out its subject ("more epochs
  do not help", "дообучение не помогает"), or, with none, everything from the trial (else the scope's
  start) up to it ("changed the lr, tried Adam, nothing helped"); a weak rejection ("no change", "всё так
  же") only after a trial or a fix; a sentence that is only a rejection ("Не помогло.") rules out the one
  before it (:func:`only_rejection`);
- ``hedge``: "maybe", "может", "возможно", "could be", "либо", not a negated modal ("не может"); it
  reaches to the next scope word ("it could be the lr, the weight decay or ...").
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Protocol

from nndebug.rubric.words import _morph, is_cyrillic

Seq = tuple[frozenset[str], ...]
ADVICE, TRIED, REJECTED, HEDGE = "advice", "tried", "rejected", "hedge"
# Words skipped before the verb of an imperative segment: "also lower lr", "и просто убрать wd".
LEADING = {"also", "and", "just", "then", "maybe", "и", "ещё", "еще", "тоже", "просто", "также", "потом",
           "а", "или", "or", "so", "то", "please", "лучше", "better", "можно"}
SUBJECTS = {"i", "я", "мы", "we"}
NEG = {"не", "not", "no"}
POSSIBLE = {"can", "could", "might", "may"}
MODALS = {"стоит", "стоило", "следует", "следовало", "хорошо", "желательно", "лучше"}
# Words before a rejection that are not its subject: "..., but nothing helped", "и всё равно не помогло".
FILLER = {"it", "that", "this", "which", "nothing", "and", "but", "still", "also", "too", "really", "so",
          "at", "all", "just", "the", "change", "there", "was", "is", "это", "ничего", "что", "и", "но", "а",
          "все", "тоже", "равно", "так", "вообще", "совсем", "никак", "увы", "к", "сожалению", "толку"}


class _Token(Protocol):
    text: str
    keys: frozenset[str]
    stop_before: bool


@cache
def russian_tag(word: str) -> frozenset[str]:
    """The grammemes of pymorphy3's first parse of a Russian word ("INFN", "impr", "past", ...)."""
    parses = _morph().parse(word)
    return frozenset(parses[0].tag.grammemes) if parses else frozenset()


def _at(tokens: Sequence[_Token], index: int, seq: Seq) -> bool:
    if index < 0 or index + len(seq) > len(tokens):
        return False
    return all(tokens[index + k].keys & keys for k, keys in enumerate(seq))


_INDEX: dict[int, tuple[tuple[Seq, ...], dict[str, list[Seq]]]] = {}


def _by_first_word(seqs: tuple[Seq, ...]) -> dict[str, list[Seq]]:
    """The sequences by each key of their first word (a list is looked up word by word, not tried whole)."""
    cached = _INDEX.get(id(seqs))
    if cached is None or cached[0] is not seqs:
        index: dict[str, list[Seq]] = {}
        for seq in seqs:
            for key in seq[0]:
                index.setdefault(key, []).append(seq)
        cached = _INDEX[id(seqs)] = (seqs, index)
    return cached[1]


def _has(tokens: Sequence[_Token], lo: int, hi: int, seqs: tuple[Seq, ...]) -> int:
    """The first index in [lo, hi) where one of ``seqs`` starts, else -1."""
    index = _by_first_word(seqs)
    for i in range(lo, hi):
        for key in tokens[i].keys:
            if any(_at(tokens, i, seq) for seq in index.get(key, ())):
                return i
    return -1


def segments(tokens: Sequence[_Token], clause: Sequence[int], language: dict) -> list[tuple[int, int, bool]]:
    """(start, end, opens_scope) of each segment: cut at punctuation, a new clause and a scope word."""
    cuts: list[tuple[int, bool]] = [(0, True)]
    for i in range(1, len(tokens)):
        scope = _has(tokens, i, i + 1, language["boundary"]) == i
        if tokens[i].stop_before or clause[i] != clause[i - 1] or scope:
            cuts.append((i, scope or clause[i] != clause[i - 1]))
    return [(start, cuts[k + 1][0] if k + 1 < len(cuts) else len(tokens), scope)
            for k, (start, scope) in enumerate(cuts)]


def _imperative(tokens: Sequence[_Token], lo: int, hi: int, language: dict) -> bool:
    """The segment starts (after "also", "и", ...) with a fix verb as a command or an infinitive."""
    i = lo
    while i < hi and tokens[i].text in LEADING:
        i += 1
    if i >= hi:
        return False
    word = tokens[i].text
    if is_cyrillic(word):
        tag = russian_tag(word)
        return ("impr" in tag or "INFN" in tag) and _has(tokens, i, i + 1, language["fix_verbs"]) == i
    if word == "to":
        i += 1
    return _has(tokens, i, i + 1, language["fix_verbs"]) == i and word not in SUBJECTS


def _modal(tokens: Sequence[_Token], lo: int, hi: int) -> bool:
    """ "стоит уменьшить", "следует взять": a modal with an infinitive (not "в оптимизаторе стоит wd")."""
    for i in range(lo, hi):
        if tokens[i].text in MODALS and any(
                is_cyrillic(tokens[j].text) and "INFN" in russian_tag(tokens[j].text)
                for j in range(i + 1, min(hi, i + 4))):
            return True
    return False


def _report(tokens: Sequence[_Token], lo: int, hi: int, language: dict) -> bool:
    """A fix the student made: "I lowered the lr", "поменял lr", "убрала регуляризацию"."""
    for i in range(lo, hi):
        if _has(tokens, i, i + 1, language["fix_verbs"]) != i:
            continue
        word = tokens[i].text
        if is_cyrillic(word):
            tag = russian_tag(word)
            we = i > lo and tokens[i - 1].text == "мы"
            if "past" in tag and "VERB" in tag and ("plur" not in tag or we):
                return True
        elif any(tokens[j].text in SUBJECTS for j in range(max(lo, i - 2), i)):
            return True
    return False


def flags(tokens: Sequence[_Token], clause: Sequence[int], language: dict) -> list[frozenset[str]]:
    """The flags of each token's segment (see the module's doc)."""
    segs = segments(tokens, clause, language)
    marks: list[set[str]] = [set() for _ in segs]
    fix_label = advice_open = hedge_open = False
    scope_start = 0
    trial_start = -1  # the first segment of the trial open in this scope
    own: set[int] = set()  # words rejected by a rejection of their own ("more epochs do not help")
    for k, (lo, hi, opens) in enumerate(segs):
        if opens:
            scope_start, trial_start, advice_open, hedge_open = k, -1, False, False
        if fix_label or advice_open or _advice(tokens, lo, hi, language) or _modal(tokens, lo, hi) \
                or _imperative(tokens, lo, hi, language) or _report(tokens, lo, hi, language):
            marks[k].add(ADVICE)
            advice_open = True  # "я бы уменьшил lr, 0.1 для SGD без momentum много": its reason too
        if _has(tokens, lo, hi, language["fix_label"]) >= 0 and hi < len(tokens):
            fix_label = True
        if trial_start < 0 and (_has(tokens, lo, hi, language["tried"]) >= 0 or ADVICE in marks[k]):
            trial_start = k
        if trial_start >= 0 and _has(tokens, lo, hi, language["tried"]) >= 0 or \
                trial_start >= 0 and TRIED in marks[k - 1 if k else 0]:
            marks[k].add(TRIED)
        if hedge_open or _hedge(tokens, lo, hi, language):
            marks[k].add(HEDGE)
            hedge_open = True  # "it could be the lr, the weight decay or ...": every one a guess
        marker = _has(tokens, lo, hi, language["reject"])
        if marker < 0 and trial_start >= 0:
            marker = _has(tokens, lo, hi, language["reject_weak"])
        if marker >= 0:
            subject = [i for i in range(lo, marker) if tokens[i].text not in FILLER]
            if subject:  # "more epochs do not help", "дообучение не помогает": only its subject
                own.update(range(max(lo, marker - 3), hi))
            else:        # "..., tried Adam, nothing helped": the trial, or the scope, up to here
                for j in range(trial_start if trial_start >= 0 else scope_start, k + 1):
                    marks[j].add(REJECTED)
    result: list[frozenset[str]] = []
    for (lo, hi, _), mark in zip(segs, marks, strict=True):
        result.extend([frozenset(mark)] * (hi - lo))
    return [f | {REJECTED} if i in own else f for i, f in enumerate(result)]


def _advice(tokens: Sequence[_Token], lo: int, hi: int, language: dict) -> bool:
    """Optional advice in the segment; "could be", "can be" tell of a possibility, not of a fix."""
    i = _has(tokens, lo, hi, language["advice"])
    while i >= 0:
        if i + 1 >= len(tokens) or tokens[i + 1].text != "be" or tokens[i].text not in POSSIBLE:
            return True
        i = _has(tokens, i + 1, hi, language["advice"])
    return False


def _hedge(tokens: Sequence[_Token], lo: int, hi: int, language: dict) -> bool:
    """A hedge in the segment, not a negated modal ("сеть не может выучить", "cannot")."""
    i = _has(tokens, lo, hi, language["hedge"])
    while i >= 0:
        if i == 0 or tokens[i - 1].text not in NEG:
            return True
        i = _has(tokens, i + 1, hi, language["hedge"])
    return False


def only_rejection(tokens: Sequence[_Token], language: dict) -> bool:
    """A sentence that is a rejection and little else ("Не помогло.", "Didn't help at all.")."""
    marker = _has(tokens, 0, len(tokens), language["reject"])
    return 0 <= marker and len(tokens) <= 6 and all(t.text in FILLER for t in tokens[:marker])


def accessory_before(tokens: Sequence[_Token], start: int, language: dict) -> bool:
    """An accessory phrase ("вместе с", "together with") ends one to three words before ``start``."""
    for begin in range(max(0, start - 5), start):
        for seq in language["accessory"]:
            if begin + len(seq) <= start and start - (begin + len(seq)) <= 2 and _at(tokens, begin, seq):
                return True
    return False
