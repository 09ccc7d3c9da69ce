"""Finding a rubric point's phrases in a sentence, and telling a mention that asserts it from one that
denies it."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from nndebug.rubric.spec import Item, Phrase, Point, Rubric, Unit
from nndebug.rubric.translit import misspelled_as
from nndebug.rubric.words import Word, lemma_keys

# A negation or a cue does not reach past these.
SOFT_STOPS = {",", ":", "(", ")", "—", "–", "\"", "«", "»", "→", ">", "⇒"}
AND_WORDS = {"и", "and", "или", "or", "so", "поэтому", "то", "then", "чтобы", "because", "потому", "for",
             "для"}
ENGLISH_BE = {"is", "are", "was", "were", "be", "been"}


@dataclass
class Token:
    text: str
    keys: frozenset[str]
    groups: set[str] = field(default_factory=set)
    noun: bool = False
    stop_before: bool = False  # a comma or the like stands right before this word


@dataclass
class Sentence:
    """The words of one sentence (punctuation kept only as ``stop_before`` marks), groups tagged."""

    tokens: list[Token]
    clause: list[int]  # the clause number of each word

    @classmethod
    def build(cls, raw: list[Word], rubric: Rubric) -> Sentence:
        tokens: list[Token] = []
        stop = False
        for word in raw:
            if not word.is_word:
                stop |= word.text in SOFT_STOPS
                continue
            keys = word.keys
            for meant in misspelled_as(word.text, rubric.vocabulary):  # "shufle", "wieght"
                keys = keys | lemma_keys(meant)[0]
            tokens.append(Token(word.text, keys, noun=word.noun, stop_before=stop))
            stop = False
        tokens = _merge_compounds(tokens, rubric)
        contrast = rubric.language["contrast"]
        clause, number = [], 0
        for index in range(len(tokens)):
            if any(_sequence_at(tokens, index, seq) for seq in contrast):
                number += 1
            clause.append(number)
        return cls(tokens, clause)

    def has_sequence(self, sequences: tuple) -> bool:
        return any(_sequence_at(self.tokens, i, seq) for seq in sequences for i in range(len(self.tokens)))


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
                merged = Token(" ".join(t.text for t in span), frozenset({" ".join(t.text for t in span)}),
                               {g for g, s in entries if s == seq}, True, span[0].stop_before)
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


def _unit_occurrences(unit: Unit, sentence: Sentence) -> list[tuple[int, ...]]:
    """Positions of the unit's items, in order, at most two words apart."""
    tokens = sentence.tokens
    found = [(i,) for i, t in enumerate(tokens) if _item_matches(unit[0], t)]
    for item in unit[1:]:
        found = [prev + (j,) for prev in found for j in range(prev[-1] + 1, min(prev[-1] + 4, len(tokens)))
                 if _item_matches(item, tokens[j])]
    return found


def occurrences(phrase: Phrase, sentence: Sentence, window: int) -> list[tuple[int, ...]]:
    """Every placement of the phrase in the sentence: the positions of its words."""
    per_unit = [_unit_occurrences(unit, sentence) for unit in phrase]
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
    """'asserted', 'denied' (by a cue: "проблема не в ...", "... is fine"), 'negated' (a negation word next
    to it) or 'unclear' for one placement of a phrase."""
    start, end = positions[0], positions[-1]
    language = rubric.language
    if _cue_before(sentence, start, language["deny_before"]) or \
            _cue_after(sentence, end, language["deny_after"]):
        return "denied"
    if wrong and sentence.has_sequence(language["tried"]):
        return "denied"  # "first I thought the lr was too low ... didn't help": tried and rejected
    if phrase_has_negation(phrase):
        return "asserted"
    tokens = sentence.tokens
    if wrong:
        return "negated" if _negation_next_to(sentence, positions, 3, 3) else "asserted"
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
