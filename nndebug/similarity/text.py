"""Explanations as lemmatised word shingles (Russian and English), each with where it lies in the text.

A shingle is a pair of content words within one sentence: neighbours (``a b``) and pairs with one word
between (``a _ b``), so that a swapped word or a reordered sentence leaves most of them. Words are lemmas
(``nndebug.rubric.words.lemma``: "перемешиваются" and "перемешивания" differ, "батчи" and "батчей" do not),
function words are dropped, and nothing crosses a sentence.
"""
from __future__ import annotations

import re

from nndebug.rubric.words import lemma

Span = tuple[int, int]
Shingle = tuple[str, ...]

_WORD = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё0-9]*|\d+(?:[.,]\d+)?(?:e-?\d+)?")
_SENTENCE_BREAK = re.compile(r"[.!?;:\n]+(?:\s|$)|\n")
STOPWORDS = frozenset("""
a an the and or but if then so as of to in on at by for from with without into onto over under about is
are was were be been being am do does did done have has had it its this that these those there here which
who whom what when where why how not no yes can could will would should may might must just also very
too more most some any all each every other such than only own same both few i we you he she they me us
him her them my our your his their one
и или но а же ли то что чтобы как так это этот эта эти тот та те там тут здесь в во на с со к ко по о об
от до из у за для при над под про без через не ни да нет бы был быть есть вот весь всё все еще ещё уже
который мы вы он она оно они я ты его ее её их мой наш ваш свой себя если когда где потому поэтому также
тоже очень просто именно даже лишь только ведь
""".split())


def tokens(text: str) -> list[tuple[str, Span, bool]]:
    """Each word's lemma, its span in ``text`` and whether a sentence ends before it."""
    breaks = [m.start() for m in _SENTENCE_BREAK.finditer(text)]
    out, b = [], 0
    previous_end = -1
    for match in _WORD.finditer(text):
        new_sentence = False
        while b < len(breaks) and breaks[b] < match.start():
            new_sentence |= breaks[b] >= previous_end
            b += 1
        word = match.group(0).lower().replace("ё", "е")
        out.append((lemma(word), match.span(), new_sentence))
        previous_end = match.end()
    return out


def shingles(text: str) -> dict[Shingle, list[Span]]:
    """Every shingle of ``text`` with its spans (from its first word's start to its last word's end)."""
    found: dict[Shingle, list[Span]] = {}
    sentence: list[tuple[str, Span]] = []

    def flush() -> None:
        for i, (first, span) in enumerate(sentence):
            for gap, mark in ((1, ()), (2, ("_",))):
                if i + gap < len(sentence):
                    last, end = sentence[i + gap]
                    found.setdefault((first, *mark, last), []).append((span[0], end[1]))
        sentence.clear()

    for word, span, new_sentence in tokens(text):
        if new_sentence:
            flush()
        if word in STOPWORDS or len(word) < 2 and not word.isdigit():
            continue
        sentence.append((word, span))
    flush()
    return found


def word_count(text: str) -> int:
    """How many words ``text`` has (for the report)."""
    return len(_WORD.findall(text))
