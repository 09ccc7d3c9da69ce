"""Finding a rubric point's phrases in a sentence, and telling a mention that asserts it from one that
denies it."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from nndebug.rubric import claims
from nndebug.rubric.spec import NOT, Item, Phrase, Point, Rubric, Unit
from nndebug.rubric.translit import misspelled_as
from nndebug.rubric.words import Word, is_cyrillic, lemma_keys

# A negation or a cue does not reach past these.
SOFT_STOPS = {",", ":", "(", ")", "—", "–", "\"", "«", "»", "→", ">", "⇒"}
BRACKETS = {"(", ")", "\"", "«", "»"}
AND_WORDS = {"и", "and", "или", "or", "so", "поэтому", "то", "then", "чтобы", "because", "потому", "for",
             "для"}
# After a comma these go on with the same statement ("сначала нули, потом единицы").
DESCRIBING = {"PRTF", "PRTS", "ADJF", "ADJS"}  # a participle or an adjective (pymorphy3 tags)
CONTINUE = {"потом", "затем", "then", "а", "and", "и", "after", "после", "which", "который", "that"}
ENGLISH_BE = {"is", "are", "was", "were", "be", "been"}


@dataclass
class Token:
    text: str
    keys: frozenset[str]
    groups: set[str] = field(default_factory=set)
    noun: bool = False
    stop_before: bool = False  # a comma or the like stands right before this word
    cut_before: bool = False   # a comma or the like, not a bracket or a quote: the statement ends there


@dataclass
class Sentence:
    """The words of one sentence (punctuation kept only as ``stop_before`` marks), groups tagged."""

    tokens: list[Token]
    clause: list[int]  # the clause number of each word
    flags: list[frozenset[str]] = field(default_factory=list)  # each word's claim flags (claims.py)
    segment: list[int] = field(default_factory=list)  # each word's segment (claims.segments)

    @classmethod
    def build(cls, raw: list[Word], rubric: Rubric) -> Sentence:
        tokens: list[Token] = []
        stop = cut = False
        for word in raw:
            if not word.is_word:
                stop |= word.text in SOFT_STOPS
                cut |= word.text in SOFT_STOPS and word.text not in BRACKETS
                continue
            keys = word.keys
            for meant in misspelled_as(word.text, rubric.vocabulary):  # "shufle", "wieght"
                keys = keys | lemma_keys(meant)[0]
            tokens.append(Token(word.text, keys, noun=word.noun, stop_before=stop, cut_before=cut))
            stop = cut = False
        tokens = _merge_compounds(tokens, rubric)
        contrast = rubric.language["contrast"]
        clause, number = [], 0
        for index in range(len(tokens)):
            if any(_sequence_at(tokens, index, seq) for seq in contrast):
                number += 1
            clause.append(number)
        segment, number = [], 0
        for index, token in enumerate(tokens):
            number += index > 0 and token.cut_before and not _continues(tokens, index)
            segment.append(number)
        return cls(tokens, clause, claims.flags(tokens, clause, rubric.language), segment)

    def one_segment(self, positions: tuple[int, ...]) -> bool:
        """All the words in one segment: a claim, not words that happen to stand near each other."""
        return not self.segment or len({self.segment[p] for p in positions}) == 1

    def flags_at(self, positions: tuple[int, ...]) -> frozenset[str]:
        return frozenset().union(*(self.flags[p] for p in positions)) if self.flags else frozenset()

    def has_sequence(self, sequences: tuple) -> bool:
        return any(_sequence_at(self.tokens, i, seq) for seq in sequences for i in range(len(self.tokens)))


def _continues(tokens: list[Token], index: int) -> bool:
    """After a comma, the same statement goes on: "потом ...", "which ...", or a Russian participle or
    adjective about the word before ("слои имеют веса, полностью равные нулю")."""
    words = [t.text.split()[0] for t in tokens[index:index + 2]]
    if words[0] in CONTINUE:
        return True
    def describes(word: str) -> bool:
        return is_cyrillic(word) and bool(DESCRIBING & claims.russian_tag(word))

    return describes(words[0]) or (len(words) == 2 and is_cyrillic(words[0])
                                   and "ADVB" in claims.russian_tag(words[0]) and describes(words[1]))


def _sequence_at(tokens: list[Token], index: int, sequence: tuple[frozenset[str], ...]) -> bool:
    if index + len(sequence) > len(tokens):
        return False
    return all(tokens[index + k].keys & keys for k, keys in enumerate(sequence))


def _merge_compounds(tokens: list[Token], rubric: Rubric) -> list[Token]:
    """Multi-word group entries ("learning rate") become one word; every word is tagged with its groups."""
    entries = sorted(((name, seq) for name, seqs in rubric.groups.items() for seq in seqs),
                     key=lambda pair: -len(pair[1]))
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        for _name, seq in entries:
            if len(seq) > 1 and _sequence_at(tokens, index, seq) and \
                    not any(tokens[index + k].stop_before for k in range(1, len(seq))):
                span = tokens[index:index + len(seq)]
                text = " ".join(t.text for t in span)
                merged = Token(text, frozenset({text}), {g for g, s in entries if s == seq}, True,
                               span[0].stop_before, span[0].cut_before)
                result.append(merged)
                index += len(seq)
                break
        else:
            token = tokens[index]
            token.groups |= {name for name, seq in entries if len(seq) == 1 and token.keys & seq[0]}
            result.append(token)
            index += 1
    return result


def _item_matches(item: Item, token: Token) -> bool:
    return any((token.groups & keys) if kind == "group" else (token.keys & keys) for kind, keys in item)


def unit_occurrences(unit: Unit, sentence: Sentence) -> list[tuple[int, ...]]:
    """Positions of the unit's items, in order, at most two words apart, with no comma or colon between."""
    tokens = sentence.tokens
    found = [(i,) for i, t in enumerate(tokens) if _item_matches(unit[0], t)]
    for item in unit[1:]:
        found = [prev + (j,) for prev in found for j in _next_words(tokens, prev[-1])
                 if _item_matches(item, tokens[j])]
    return found


def _next_words(tokens: list[Token], index: int) -> list[int]:
    """The up to three words after ``index`` before a comma, a colon or the like."""
    result = []
    for j in range(index + 1, min(index + 4, len(tokens))):
        if tokens[j].cut_before:
            break
        result.append(j)
    return result


def occurrences(phrase: Phrase, sentence: Sentence, window: int) -> list[tuple[int, ...]]:
    """Every placement of the phrase in the sentence: the positions of its words (none when the sentence
    holds one of its "!" units)."""
    if any(unit[0] is NOT and unit_occurrences(unit[1:], sentence) for unit in phrase):
        return []
    per_unit = [unit_occurrences(unit, sentence) for unit in phrase if unit[0] is not NOT]
    if not all(per_unit):
        return []
    result = []
    for combo in itertools.islice(itertools.product(*per_unit), 2000):
        positions = [p for unit in combo for p in unit]
        if len(set(positions)) == len(positions) and max(positions) - min(positions) < window:
            result.append(tuple(sorted(positions)))
    return result


def phrase_has_negation(phrase: Phrase) -> bool:
    return any(kind == "group" and "neg" in keys for unit in phrase for item in unit for kind, keys in item)


def _is_neg(token: Token) -> bool:
    return "neg" in token.groups


def _cue_before(sentence: Sentence, start: int, cues: tuple) -> bool:
    """A cue ends one to three words before ``start``, in its clause, with no comma between."""
    tokens, clause = sentence.tokens, sentence.clause
    for cue in cues:
        for end in range(start - 1, max(-1, start - 4), -1):
            begin = end - len(cue) + 1
            if begin < 0 or clause[begin] != clause[start]:
                continue
            if any(tokens[k].stop_before for k in range(end + 1, start + 1)):
                continue
            if _sequence_at(tokens, begin, cue):
                return True
    return False


def _cue_after(sentence: Sentence, end: int, cues: tuple) -> bool:
    tokens, clause = sentence.tokens, sentence.clause
    for begin in range(end + 1, min(end + 5, len(tokens))):
        if tokens[begin].stop_before or clause[begin] != clause[end] or tokens[begin].text in AND_WORDS:
            return False
        if any(_sequence_at(tokens, begin, cue) for cue in cues):
            return True
    return False


def _negation_next_to(sentence: Sentence, positions: tuple[int, ...], before: int, after: int) -> bool:
    tokens, clause = sentence.tokens, sentence.clause
    for p in positions:
        for q in list(range(p - 1, max(-1, p - before - 1), -1)):
            if clause[q] != clause[p] or tokens[q + 1].stop_before or tokens[q].text in AND_WORDS:
                break
            if _is_neg(tokens[q]):
                return True
        for q in range(p + 1, min(len(tokens), p + after + 1)):
            if clause[q] != clause[p] or tokens[q].stop_before or tokens[q].text in AND_WORDS:
                break
            if _is_neg(tokens[q]):
                return True
    return False


def mention(point: Point, phrase: Phrase, positions: tuple[int, ...], sentence: Sentence, rubric: Rubric,
            wrong: bool) -> str:
    """What one placement of a phrase does: 'asserted'; 'denied' (by a cue: "проблема не в ...", "... is
    fine", or tried and rejected); 'negated' (a negation word next to it); 'unclear'; for a wrong cause also
    'advice' ("also lower the lr") and 'hedged' ("может ещё lr маленький"); for a concept 'tried' (a
    guess given up: it counts neither way)."""
    start, end = positions[0], positions[-1]
    language = rubric.language
    flags = sentence.flags_at(positions)
    cued = _cue_before(sentence, start, language["deny_before"]) or \
        _cue_after(sentence, end, language["deny_after"])
    if not wrong and (claims.TRIED in flags or claims.ADVICE in flags) and (cued or claims.REJECTED in flags):
        return "tried"   # "сначала я думал, что дело не в shuffle", "shuffle=True не помог бы": neither way
    if cued:
        return "denied"
    if claims.REJECTED in flags or (wrong and claims.TRIED in flags):
        return "denied"  # "changed the lr, tried Adam, nothing helped": tried and rejected
    tokens = sentence.tokens
    if wrong:
        if not phrase_has_negation(phrase) and _negation_next_to(sentence, positions, 3, 3):
            return "negated"
        if claims.ADVICE in flags or claims.accessory_before(tokens, start, language):
            return "advice"  # "also lower the lr", "Adam would be faster", "вместе с большим lr"
        return "hedged" if claims.HEDGE in flags else "asserted"  # "it could be the lr", "может, lr"
    if phrase_has_negation(phrase):
        return "asserted"
    if not point.negation_is_the_bug:
        # "веса не нулевые", and after it: "нулевых там нет"
        return "negated" if _negation_next_to(sentence, positions, 2, 2) else "asserted"
    first = tokens[start]
    if start >= 1 and _is_neg(tokens[start - 1]) and sentence.clause[start - 1] == sentence.clause[start]:
        latin = first.text.isascii()
        if tokens[start - 1].text == "не" and (first.noun or latin):
            return "denied"  # "не перемешивание", "это не shuffle": a noun denied, not a verb negated
        if tokens[start - 1].text == "not" and start >= 2 and tokens[start - 2].text in ENGLISH_BE \
                and first.text.endswith("ing"):
            return "unclear"  # "the problem is not shuffling" or "the loader is not shuffling"?
    return "asserted"
