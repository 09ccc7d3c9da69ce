"""Text to words: code stripped, sentences and clauses, and each word's lemmas (Russian and English)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pymorphy3
import simplemma
import snowballstemmer

PLACEHOLDER = "YOUR ANSWER HERE"  # nbgrader's text in an unanswered markdown cell
MAX_WORD = 40  # a longer token is no word (a hash, a run of letters): matched as it is, never looked up

_FENCED = re.compile(r"```.*?(```|$)", re.S)
_INLINE = re.compile(r"`([^`\n]*)`")
# A line (or an inline span) that is a statement of code rather than prose: a call or an assignment.
_CODE_LINE = re.compile(r"^\s*(?:[\w.\[\]'\"]+\s*=\s*[\w.]+\(.*\)|[\w.]+\(.*\)"
                        r"|(?:for|if|def|class|with)\b.*:|(?:import|from|return)\s+[\w.]+.*)\s*$")
_CALL_OPEN = re.compile(r"\w\(")
_ASSIGNMENT = re.compile(r"\s*[\w.\[\]]+\s+=\s")
_CONTRACTIONS = ((re.compile(r"\b(can)'?t\b"), r"\1 not"), (re.compile(r"\bwon'?t\b"), "will not"),
                 (re.compile(r"n't\b"), " not"), (re.compile(r"\b(it|that|what|there|here)'s\b"), r"\1 is"),
                 (re.compile(r"'s\b"), ""))
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:e[-+]?\d+)?|[a-zа-я][a-zа-я0-9]*|[^\sa-zа-я0-9_]")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=[.!?])$")
# "w -> 0", "веса → 0", "≈ 0", "~0": a value going to zero, read as the words "to zero".
_TO_ZERO = re.compile(r"(?:->|→|=>|≈|~)\s*0(?![.,]?\d)")


@dataclass(frozen=True)
class Word:
    """One token of a sentence: its text, its lemma keys (for matching) and whether it is a word."""

    text: str
    keys: frozenset[str]
    is_word: bool
    noun: bool = False


def normalize(text: str) -> str:
    """Lower case, ``ё`` as ``е``, English contractions spelled out."""
    text = text.lower().replace("ё", "е").replace("’", "'")
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def is_placeholder(text: str) -> bool:
    """Empty, whitespace or nbgrader's untouched placeholder."""
    return not text.strip() or text.strip() == PLACEHOLDER


def _is_code_span(span: str) -> bool:
    """A call ("f(x)": a word, "(", later ")") or an assignment ("x = ..."), found in linear time."""
    call = _CALL_OPEN.search(span)
    return bool(call and ")" in span[call.end():]) or bool(_ASSIGNMENT.match(span))


def strip_code(text: str) -> tuple[str, bool]:
    """The prose of a markdown answer: fenced blocks, indented code and code lines dropped, inline spans
    that are calls or assignments dropped, the rest of inline code kept as words. Also: was any code
    dropped."""
    dropped = False
    prose, count = _FENCED.subn(" ", text)
    dropped |= bool(count)
    lines = []
    for line in prose.splitlines():
        if line.startswith(("    ", "\t")) or _CODE_LINE.match(line.strip("`* ")):
            dropped = True
            continue
        lines.append(line)

    def inline(match: re.Match) -> str:
        nonlocal dropped
        if _is_code_span(match.group(1)):
            dropped = True
            return " "
        return match.group(1)

    return _INLINE.sub(inline, "\n".join(lines)), dropped


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@cache
def lemma_keys(word: str) -> tuple[frozenset[str], bool]:
    """Every form a word may be matched by: itself, its lemmas (pymorphy3 for Russian, simplemma and the
    Snowball stem for English); and whether it reads as a noun."""
    keys = {word}
    if re.search("[а-я]", word):
        parses = _morph().parse(word)
        keys.update(p.normal_form.replace("ё", "е") for p in parses)
        noun = bool(parses) and parses[0].tag.POS == "NOUN" and _morph().word_is_known(word)
        return frozenset(keys), noun
    if re.fullmatch("[a-z][a-z0-9]*", word):
        lemma = simplemma.lemmatize(word, lang="en").lower()
        keys.update({lemma, _stemmer().stemWord(word), _stemmer().stemWord(lemma)})
    return frozenset(keys), False


def words(sentence: str) -> list[Word]:
    """The tokens of one (normalized) sentence."""
    result = []
    for token in _TOKEN.findall(sentence):
        if token[0].isalnum() and len(token) > MAX_WORD:
            result.append(Word(token, frozenset({token}), True))  # no word of any language: not looked up
        elif token[0].isalnum():
            keys, noun = lemma_keys(token)
            result.append(Word(token, keys, True, noun))
        else:
            result.append(Word(token, frozenset({token}), False))
    return result


def sentences(text: str) -> list[str]:
    """The normalized text cut into sentences (also at line breaks and semicolons); an arrow or an
    "about" sign before 0 reads "to zero"."""
    text = _TO_ZERO.sub(" to zero ", normalize(text))
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def is_cyrillic(word: str) -> bool:
    """A word with a Cyrillic letter in it."""
    return re.search("[а-я]", word) is not None


@cache
def is_english(word: str) -> bool:
    """A word simplemma's English dictionary knows."""
    return simplemma.is_known(word, lang="en")


@cache
def is_russian(word: str) -> bool:
    """A word pymorphy3's Russian dictionary knows."""
    return _morph().word_is_known(word)


@cache
def lemma(word: str) -> str:
    """One canonical lemma of a normalized word (for shingles): pymorphy3's first normal form for Russian,
    the Snowball stem of simplemma's lemma for English, other tokens as they are."""
    if re.search("[а-я]", word):
        parses = _morph().parse(word)
        return parses[0].normal_form.replace("ё", "е") if parses else word
    if re.fullmatch("[a-z][a-z0-9]*", word):
        return _stemmer().stemWord(simplemma.lemmatize(word, lang="en").lower())
    return word
