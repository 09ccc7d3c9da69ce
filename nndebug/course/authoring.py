"""Parse an authoring source (``notebooks/taskN_*.py``, "percent" format) into cell specs.

A cell starts at a line ``# %% [markdown]? TAGS``; markdown lines drop their leading ``# ``.
Tags:
  ``include: NAME``   a kit-rendered cell (shared cells, ``setup``, ``tensorboard``); locked.
  ``locked``          a given cell the student may not change (restored at autograde).
  ``answer``          the student's answer: markdown -> manually graded (0 points), code -> autograded.
  ``test points=P``   a test cell; P is a number or ``fix``/``explanation`` (kit.toml points of the task).
  ``id=NAME``         the cell id and nbgrader grade_id (required for ``answer`` and ``test``).
  ``en``              (a markdown cell with no other tag) the English text of the markdown cell before it;
                      the English release (``release/<assignment>_en/``) needs one for every markdown cell.
Inside a code cell, a line ``# %include NAME [shuffle=True|False]`` is replaced by that shared cell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CELL_START = "# %%"
INLINE_INCLUDE = re.compile(r"^# %include (\w+)(?: shuffle=(True|False))?\s*$")
ROLES = ("locked", "answer", "test")
TRANSLATION = "en"


@dataclass
class CellSpec:
    """One cell as the author wrote it."""

    kind: str                      # "code" or "markdown"
    source: str
    role: str | None = None        # None (plain), "locked", "answer", "test", "include"
    cell_id: str | None = None
    points: str | None = None
    include: str | None = None
    line: int = 0
    tags: dict[str, str] = field(default_factory=dict)
    en: str | None = None          # the English text of a markdown cell

    def text(self, lang: str) -> str:
        """The cell's text in ``lang`` ("ru": as written, "en": its translation; code is the same in both)."""
        if lang == "en" and self.kind == "markdown":
            if self.en is None:
                raise ValueError(f"the markdown cell at line {self.line} has no English text: add a "
                                 f"'# %% [markdown] {TRANSLATION}' cell right after it")
            return self.en
        return self.source


def parse(path: Path) -> list[CellSpec]:
    """The cells of one authoring file, in order."""
    cells: list[CellSpec] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    current: CellSpec | None = None
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.startswith(CELL_START) and not line.startswith("# %%%"):
            if current is not None:
                _append(cells, _finish(current, body, path), path)
            current, body = _header(line[len(CELL_START):], path, number), []
        elif current is None:
            if line.strip():
                raise ValueError(f"{path}:{number}: text before the first '# %%' cell marker")
        else:
            body.append(line)
    if current is not None:
        _append(cells, _finish(current, body, path), path)
    return cells


def _append(cells: list[CellSpec], spec: CellSpec, path: Path) -> None:
    """Add a cell; an ``en`` cell becomes the English text of the markdown cell before it."""
    if spec.role != TRANSLATION:
        cells.append(spec)
        return
    if not cells or cells[-1].kind != "markdown" or cells[-1].en is not None:
        raise ValueError(f"{path}:{spec.line}: an '{TRANSLATION}' cell follows the markdown cell it "
                         "translates (one translation each)")
    cells[-1].en = spec.source


def _header(rest: str, path: Path, number: int) -> CellSpec:
    rest = rest.strip()
    kind = "code"
    if rest.startswith("[markdown]"):
        kind, rest = "markdown", rest[len("[markdown]"):].strip()
    if rest.startswith("include:"):
        return CellSpec(kind="code", source="", role="include", include=rest.split(":", 1)[1].strip(),
                        line=number)
    spec = CellSpec(kind=kind, source="", line=number)
    if rest == TRANSLATION:
        if kind != "markdown":
            raise ValueError(f"{path}:{number}: '{TRANSLATION}' translates a markdown cell: "
                             f"'# %% [markdown] {TRANSLATION}'")
        spec.role = TRANSLATION
        return spec
    for word in rest.split():
        key, _, value = word.partition("=")
        if key in ROLES and not value:
            if spec.role:
                raise ValueError(f"{path}:{number}: a cell takes one of {ROLES}, not two")
            spec.role = key
        elif key == "id" and value:
            spec.cell_id = value
        elif key == "points" and value:
            spec.points = value
        else:
            raise ValueError(f"{path}:{number}: unknown cell tag {word!r} (tags: {', '.join(ROLES)}, "
                             "id=NAME, points=P, include: NAME)")
    if spec.role in ("answer", "test") and not spec.cell_id:
        raise ValueError(f"{path}:{number}: an {spec.role} cell needs id=NAME (its nbgrader grade_id)")
    if spec.role == "test" and spec.points is None:
        raise ValueError(f"{path}:{number}: a test cell needs points=P")
    return spec


def _finish(spec: CellSpec, body: list[str], path: Path) -> CellSpec:
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    if spec.role == "include":
        if any(line.strip() for line in body):
            raise ValueError(f"{path}:{spec.line}: an include cell holds no text of its own")
        return spec
    if spec.kind == "markdown":
        body = [_uncomment(line, path, spec.line) for line in body]
    spec.source = "\n".join(body)
    return spec


def _uncomment(line: str, path: Path, number: int) -> str:
    if line == "#":
        return ""
    if not line.startswith("# "):
        raise ValueError(f"{path}: markdown cell at line {number}: every line starts with '# ', got {line!r}")
    return line[2:]
