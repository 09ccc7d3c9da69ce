"""Russian written in Latin letters ("set' zabyvaet klassy") read back into Cyrillic, and English
misspellings ("shufle", "wieght") matched to the rubric's own words."""
from __future__ import annotations

import re
from functools import cache

from nndebug.rubric.words import MAX_WORD, is_english, is_russian

# Latin letters to Cyrillic, longest first; a letter may read several ways ("y": ы or й; "c": ц or к).
_LETTERS: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "sch": ("щ",), "zh": ("ж",), "kh": ("х",), "ch": ("ч",), "sh": ("ш",), "ts": ("ц",),
    "yu": ("ю",), "ju": ("ю",), "ya": ("я",), "ja": ("я",), "yo": ("е",), "jo": ("е",),
    "a": ("а",), "b": ("б",), "v": ("в",), "g": ("г",), "d": ("д",), "e": ("е", "э"), "z": ("з",),
    "i": ("и", "й"), "j": ("й",), "k": ("к",), "l": ("л", "ль"), "m": ("м",), "n": ("н",), "o": ("о",),
    "p": ("п",), "r": ("р",), "s": ("с",), "t": ("т",), "u": ("у",), "f": ("ф",), "h": ("х",),
    "c": ("ц", "к"), "y": ("ы", "й"), "x": ("кс", "х"), "w": ("в",), "q": ("к",), "'": ("ь",),
}
_MAX_CANDIDATES = 256
# Short Russian words that are also English (or look like it): read as Russian in a transliterated text.
_RUSSIAN_TOO = set("v i a s k u o ne na no net ni to po do za iz ot tak kak eto on my ya ih tam tut bez "
                   "pod pri dlya ili vse ego zhe li by nado set tozhe ves vesa tom shag".split())
_SPECIAL = {"set": "сеть"}
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*'?")


def _candidates(word: str) -> list[str]:
    results: list[str] = []

    def walk(position: int, built: str) -> None:
        if len(results) >= _MAX_CANDIDATES:
            return
        if position == len(word):
            results.append(built)
            return
        for size in (4, 3, 2, 1):
            piece = word[position:position + size]
            if len(piece) == size and piece in _LETTERS:
                readings = _LETTERS[piece]
                if piece == "e" and position == 0:
                    readings = ("э", "е")  # "eto", "epoha": a Russian word starts with э more often
                for cyrillic in readings:
                    walk(position + size, built + cyrillic)

    walk(0, "")
    return results


@cache
def to_cyrillic(word: str) -> str | None:
    """The Russian word a Latin-letter word spells, when one reading of it is a known Russian word."""
    if word.rstrip("'") in _SPECIAL:
        return _SPECIAL[word.rstrip("'")]
    candidates = _candidates(word)
    for candidate in candidates + [c + "ь" for c in candidates if c[-1] in "тлнсдзрм"]:
        if is_russian(candidate):
            return candidate  # the soft sign often dropped at the end: "ubrat", "okazalos"
    return None


def _convertible(word: str) -> str | None:
    bare = word.replace("'", "")
    if len(bare) < 1 or len(bare) > MAX_WORD:
        return None
    if "'" not in word and is_english(bare) and bare not in _RUSSIAN_TOO:
        return None
    return to_cyrillic(word)


def detransliterate(text: str) -> str:
    """``text`` (normalized) with its Latin-letter Russian words in Cyrillic, when the text is written that
    way (three such words or more, a fifth of its Latin words, more than its Cyrillic words); English
    words stay as they are."""
    latin = _LATIN_WORD.findall(text)
    russian = [w for w in latin if len(w.replace("'", "")) >= 3 and _convertible(w)]
    cyrillic = len(re.findall(r"[а-я]+", text))
    if len(russian) < 3 or len(russian) < 0.2 * len(latin) or cyrillic > len(russian):
        return text
    return _LATIN_WORD.sub(lambda m: _convertible(m.group(0)) or m.group(0), text)


def _within_one_edit(a: str, b: str) -> bool:
    """One letter inserted, deleted, replaced, or two neighbours swapped (Damerau distance <= 1)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def misspelled_as(word: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """The rubric words an unknown English word of five letters or more is one typo away from."""
    if not 5 <= len(word) <= MAX_WORD or not word.isascii() or not word.isalpha() or is_english(word):
        return ()
    return tuple(v for v in vocabulary if abs(len(v) - len(word)) <= 1 and _within_one_edit(word, v))
