"""The code cells of the English notebooks: the bilingual code of the sources with its Russian taken out.

Code in ``notebooks/`` and the kit's cells is written once, in both languages, by three rules that keep it
valid Python in either form:

- a comment line in Russian is followed by its English line(s): ``# Подготовка: ...`` then ``# Setup: ...``;
- a comment holds both, Russian first: ``x = 1  # один / one`` (a line of its own too);
- a message is a run of string literals, one a line, the Russian ones first and the English ones after
  (``f'Не удалось ... \\n'`` then ``f'Could not ...'``): each literal line in Russian is dropped.

The Russian notebooks keep the bilingual code as written (the gradebook's cells); :func:`english` gives the
English notebooks' code, and :func:`untranslated` names what breaks the rules.
"""
from __future__ import annotations

import re

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
COMMENT_LINE = re.compile(r"^\s*#")
LITERAL_LINE = re.compile(r"""^\s*[rbfRBF]{0,2}(['"]).*\1\s*$""")
LITERAL_END = re.compile(r"""^\s*[rbfRBF]{0,2}(['"]).*\1\s*\)?(\s+from\s+None)?\s*$""")
TRAILING = re.compile(r"^(?P<code>.*?\S)(?P<gap>\s+)# (?P<comment>.*)$")


def _english_line(line: str) -> str | None:
    """The line in the English code (None: dropped); raises ValueError when it cannot be told apart."""
    if not CYRILLIC.search(line):
        return line
    if COMMENT_LINE.match(line):
        indent, _, comment = line.partition("#")
        english = comment.rsplit(" / ", 1)[1] if " / " in comment else ""
        return f"{indent}# {english.strip()}" if english and not CYRILLIC.search(english) else None
    if LITERAL_LINE.match(line):
        return None
    trailing = TRAILING.match(line)
    if trailing and not CYRILLIC.search(trailing["code"]) and " / " in trailing["comment"]:
        english = trailing["comment"].rsplit(" / ", 1)[1]
        if not CYRILLIC.search(english):
            return f"{trailing['code']}{trailing['gap']}# {english}"
    raise ValueError(f"a line in Russian with no English beside it: {line.strip()!r}")


def english(code: str) -> str:
    """``code`` (one cell's bilingual source) with its Russian comments and messages taken out."""
    out = [e for e in (_english_line(line) for line in code.split("\n")) if e is not None]
    return "\n".join(out)


def _kind(line: str) -> str:
    return "comment" if COMMENT_LINE.match(line) else "literal" if LITERAL_END.match(line) else "code"


def untranslated(code: str) -> list[str]:
    """What in ``code`` the rules cannot make English: a line in Russian with no English beside it, or a
    Russian comment or message not followed by its English one (empty when the English code is complete)."""
    problems, pending = [], ""
    for line in code.split("\n"):
        try:
            kept = _english_line(line)
        except ValueError as error:
            problems.append(str(error))
            continue
        if kept is None:
            pending = pending or line.strip()
        elif pending:
            if _kind(line) not in ("comment", "literal"):
                problems.append(f"a Russian comment or message with no English line after it: {pending!r}")
            pending = ""
    if pending:
        problems.append(f"a Russian comment or message with no English line after it: {pending!r}")
    return problems
