"""``notebooks/rubric.toml`` read and checked: groups, language cues, and each task's rubric points.

The format is described in the file's header. A broken rubric raises ``RubricError`` naming the file, the
key and the fix.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nndebug import config
from nndebug.rubric.words import lemma_keys, normalize, words

ENGINE_DEFAULTS = {"window": 8, "long_words": 150, "one_concept_words": 25, "substantive_words": 6}
LANGUAGE_KEYS = ("deny_before", "deny_after", "contrast", "because", "dont_know", "tried", "reject",
                 "reject_weak", "advice", "fix_verbs", "fix_label", "hedge", "boundary", "accessory", "vague")
FLAG_KEYS = ("negation_is_the_bug", "mechanism", "review_if_partial", "partly_right", "review",
             "wrong_mechanism", "effect_of_cause")  # true or false
POINT_KEYS = ("name", "name_en", "phrases", "doubtful", "doubtful_alone", "weight") + FLAG_KEYS
# The first item of a unit written "!..." (the sentence must not hold it).
NOT: Item = (("not", frozenset()),)


class RubricError(ValueError):
    """The rubric file is broken: the message names the file, the key and the fix."""


# One word of a phrase: either a group ("@name") or a word's lemma keys; an item is a set of such.
Alternative = tuple[str, frozenset[str]]  # ("group", {"name"}) or ("word", keys)
Item = tuple[Alternative, ...]
Unit = tuple[Item, ...]                   # items in this order, at most two words apart
Phrase = tuple[Unit, ...]                 # units in any order, within the window


@dataclass(frozen=True)
class Point:
    """A rubric point: a concept (weight > 0), a wrong cause or a related point."""

    name: str
    phrases: tuple[Phrase, ...]
    weight: float = 0.0
    negation_is_the_bug: bool = False
    mechanism: bool = False          # a concept that is the task's effect, not its cause
    review_if_partial: bool = False  # a related point that sends an answer short of full marks to a TA
    partly_right: bool = False       # a wrong cause that only routes an answer naming a concept (no cap)
    review: bool = False             # a related point that always sends the answer to a TA
    wrong_mechanism: bool = False    # a wrong cause that is a wrong account of the effect (see the file)
    effect_of_cause: bool = False    # a wrong cause that beside the task's cause is its effect (see the file)
    name_en: str = ""                # the name English feedback shows (else ``name``)
    doubtful: tuple[Phrase, ...] = ()  # phrases that name the point only in part: alone, they route
    doubtful_alone: tuple[Phrase, ...] = ()  # the same, routing only an answer that names nothing else


@dataclass(frozen=True)
class TaskRubric:
    concepts: tuple[Point, ...]
    wrong: tuple[Point, ...]
    related: tuple[Point, ...]


@dataclass(frozen=True)
class Rubric:
    path: Path
    engine: dict[str, int]
    groups: dict[str, tuple[tuple[frozenset[str], ...], ...]]  # name -> entries, each a word sequence
    language: dict[str, tuple[tuple[frozenset[str], ...], ...]]
    tasks: dict[int, TaskRubric]
    vocabulary: frozenset[str] = frozenset()  # the Latin words of groups and phrases (for misspellings)

    def task(self, number: int) -> TaskRubric:
        if number not in self.tasks:
            raise RubricError(f"{self.path}: no [task{number}] with [[task{number}.concepts]]: add it")
        return self.tasks[number]


def _sequence(text: str, where: str, path: Path) -> tuple[frozenset[str], ...]:
    """A phrase of plain words as the lemma keys of each word."""
    sequence = tuple(w.keys for w in words(normalize(text)) if w.is_word)
    if not sequence:
        raise RubricError(f"{path}: {where}: {text!r} has no word (letters or digits): remove it")
    return sequence


def _strings(value: object, where: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise RubricError(f"{path}: {where} must be a non-empty list of non-empty strings")
    return value


def _phrase(text: str, where: str, path: Path, groups: dict) -> Phrase:
    units = []
    for unit_text in text.split():
        negative = unit_text.startswith("!") and len(unit_text) > 1
        unit_text = unit_text[1:] if negative else unit_text
        items = [NOT] if negative else []
        for item_text in unit_text.split("+"):
            alternatives = []
            for alt in item_text.split("|"):
                if not alt:
                    raise RubricError(f"{path}: {where}: {text!r} has an empty word (around '|' or '+')")
                if alt.startswith("@"):
                    if alt[1:] not in groups:
                        raise RubricError(f"{path}: {where}: unknown group {alt!r} in {text!r}: define it "
                                          f"under [groups] or fix the name")
                    alternatives.append(("group", frozenset({alt[1:]})))
                else:
                    keys = set(lemma_keys(normalize(alt))[0])
                    for w in words(normalize(alt)):
                        keys |= w.keys
                    alternatives.append(("word", frozenset(keys)))
            items.append(tuple(alternatives))
        units.append(tuple(items))
    return tuple(units)


def _points(raw: object, key: str, path: Path, groups: dict, concept: bool) -> tuple[Point, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise RubricError(f"{path}: {key} must be an array of tables ([[{key}]])")
    result = []
    for index, entry in enumerate(raw):
        where = f"{key}[{index}]"
        unknown = set(entry) - set(POINT_KEYS)
        if unknown:
            raise RubricError(f"{path}: {where} has unknown key(s) {', '.join(map(repr, sorted(unknown)))}: "
                              f"use {', '.join(POINT_KEYS)}")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RubricError(f"{path}: {where} has no 'name': give it a short description")
        phrases = _strings(entry.get("phrases"), f"{where}.phrases ({name!r})", path)
        weight = 0.0
        if concept:
            weight = entry.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                raise RubricError(f"{path}: {where}.weight ({name!r}) must be a number above 0")
        parsed = tuple(_phrase(p, f"{where}.phrases", path, groups) for p in phrases)
        doubtful = {key: tuple(_phrase(p, f"{where}.{key}", path, groups)
                               for p in _strings(entry[key], f"{where}.{key} ({name!r})", path))
                    for key in ("doubtful", "doubtful_alone") if key in entry}
        flags = {flag: entry.get(flag, False) for flag in FLAG_KEYS}
        for flag, value in flags.items():
            if not isinstance(value, bool):
                raise RubricError(f"{path}: {where}.{flag} ({name!r}) must be true or false")
        name_en = entry.get("name_en", "")
        if not isinstance(name_en, str):
            raise RubricError(f"{path}: {where}.name_en ({name!r}) must be a string: the name in English")
        result.append(Point(name.strip(), parsed, float(weight), **flags, name_en=name_en.strip(),
                            **doubtful))
    return tuple(result)


def load(path: Path | None = None) -> Rubric:
    """The rubric at ``path`` (default ``notebooks/rubric.toml``), checked."""
    path = Path(path or config.RUBRIC_FILE)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as error:
        raise RubricError(f"{path}: cannot read the rubric ({error.strerror}): restore the file") from None
    return _load(path, stamp)


@cache
def _load(path: Path, stamp: int) -> Rubric:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"{path}: not valid TOML ({error}): fix the syntax") from None
    engine = dict(ENGINE_DEFAULTS)
    for key, value in (data.get("engine") or {}).items():
        if key not in ENGINE_DEFAULTS:
            known = ", ".join(ENGINE_DEFAULTS)
            raise RubricError(f"{path}: [engine] {key} is not a setting (known: {known})")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise RubricError(f"{path}: [engine] {key} must be a whole number above 0")
        engine[key] = value
    raw_groups = data.get("groups") or {}
    if not isinstance(raw_groups, dict):
        raise RubricError(f"{path}: [groups] must be a table of name = [words]")
    groups = {name: tuple(_sequence(entry, f"[groups] {name}", path)
                          for entry in _strings(entries, f"[groups] {name}", path))
              for name, entries in raw_groups.items()}
    raw_language = data.get("language") or {}
    language = {}
    for key in LANGUAGE_KEYS:
        if key not in raw_language:
            raise RubricError(f"{path}: [language] has no {key!r}: add the list (see the file's header)")
        language[key] = tuple(_sequence(entry, f"[language] {key}", path)
                              for entry in _strings(raw_language[key], f"[language] {key}", path))
    any_task = data.get("any_task") or {}
    if not isinstance(any_task, dict) or set(any_task) - {"wrong"}:
        raise RubricError(f"{path}: [any_task] may hold only [[any_task.wrong]]: move other keys to a task")
    common_wrong = _points(any_task.get("wrong"), "any_task.wrong", path, groups, False)
    tasks = {}
    for key, table in data.items():
        if not key.startswith("task"):
            continue
        if not key[4:].isdigit() or not isinstance(table, dict):
            raise RubricError(f"{path}: [{key}] is not a task table: name it [taskN]")
        unknown = set(table) - {"concepts", "wrong", "related"}
        if unknown:
            raise RubricError(f"{path}: [{key}] has unknown key(s) {', '.join(map(repr, sorted(unknown)))}: "
                              "use concepts, wrong or related")
        if not table.get("concepts"):
            raise RubricError(f"{path}: [{key}] has no [[{key}.concepts]]: add at least one concept")
        tasks[int(key[4:])] = TaskRubric(_points(table["concepts"], f"{key}.concepts", path, groups, True),
                                         _points(table.get("wrong"), f"{key}.wrong", path, groups, False)
                                         + common_wrong,
                                         _points(table.get("related"), f"{key}.related", path, groups, False))
    for number in config.TASKS:
        if number not in tasks:
            raise RubricError(f"{path}: no [task{number}] with [[task{number}.concepts]]: add it")
    return Rubric(path, engine, groups, language, tasks, _vocabulary(groups, tasks))


def _vocabulary(groups: dict, tasks: dict[int, TaskRubric]) -> frozenset[str]:
    """Every Latin word of five letters or more a group or a phrase matches."""
    keys: set[str] = {k for entries in groups.values() for seq in entries for keys in seq for k in keys}
    for task in tasks.values():
        for point in task.concepts + task.wrong + task.related:
            for phrase in point.phrases + point.doubtful + point.doubtful_alone:
                keys |= {k for unit in phrase for item in unit for kind, alt in item if kind == "word"
                         for k in alt}
    return frozenset(k for k in keys if len(k) >= 5 and k.isascii() and k.isalpha())


def english_name(task: int, name: str, path: Path | None = None) -> str:
    """The English name of task ``task``'s rubric point ``name`` (its ``name_en``; ``name`` when it has
    none)."""
    rubric = load(path)
    found = rubric.tasks.get(task)
    points = (*found.concepts, *found.wrong, *found.related) if found else ()
    return next((p.name_en or p.name for p in points if p.name == name), name)
