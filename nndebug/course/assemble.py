"""Authoring source + shared cells -> one nbgrader source notebook (solutions and hidden tests in it).

Deterministic: cell ids come from the authoring file (or its order), no timestamps, sorted JSON keys.
Two languages from one source: ``ru`` (the seed's texts, the default) and ``en`` (the markdown cells'
``en`` translations); code cells, ids and nbgrader metadata are the same in both.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from nndebug import config
from nndebug.course import cells, colab, language, snippets
from nndebug.course.authoring import INLINE_INCLUDE, CellSpec, parse

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
LANGUAGES = ("ru", "en")
ENGLISH_FOLDER = "en"  # the English notebooks' folder in the student repository (their Colab badges)
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def task_of(notebook: str) -> int:
    """The task number whose kit.toml ``notebook`` is this name."""
    for number in config.TASKS:
        if config.notebook(number) == notebook:
            return number
    names = ", ".join(config.notebook(n) for n in config.TASKS)
    raise KeyError(f"{notebook!r} is no task notebook in kit.toml [tasks.N].notebook ({names})")


def authoring_file(task_number: int) -> Path:
    """``notebooks/<notebook>.py`` of one task."""
    return config.NOTEBOOKS_DIR / f"{config.notebook(task_number)}.py"


def placeholders(task_number: int, lang: str = "ru") -> dict[str, str]:
    """The ``{{name}}`` values a cell's text may use (``hand_in``: kit.toml [course] ``hand_in_<lang>``)."""
    task, course = config.kit().tasks[task_number], config.kit().course
    if lang not in LANGUAGES:
        raise KeyError(f"no language {lang!r}: the notebooks are in {', '.join(LANGUAGES)}")
    notebook = task.notebook
    return {
        "task": str(task_number),
        "notebook": notebook,
        "hand_in": course.hand_in_en if lang == "en" else course.hand_in_ru,
        "badge": colab.badge(notebook if lang == "ru" else f"{ENGLISH_FOLDER}/{notebook}"),
        "epochs": str(task.epochs),
        "points": f"{task.points_fix + task.points_explanation:g}",
        "points_fix": f"{task.points_fix:g}",
        "points_explanation": f"{task.points_explanation:g}",
    }


def include(name: str, task_number: int, shuffle: bool | None = None) -> str:
    """The text of a kit-rendered cell: a shared cell, ``setup``, ``tensorboard`` or a snippet."""
    if name == "setup":
        return colab.setup_cell(with_model=task_number in config.MODEL_TASKS)
    if name == "tensorboard":
        return snippets.TRAINING_CURVES
    if name in snippets.SNIPPETS:
        return snippets.SNIPPETS[name]
    if shuffle is not None:
        return cells.render_trainer(cells.cell_source(name), shuffle=shuffle)
    return cells.cell_source(name, task_number)


def build(task_number: int, lang: str = "ru") -> nbformat.NotebookNode:
    """The nbgrader source notebook of one task, its markdown in ``lang`` (``ru`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: one of {', '.join(LANGUAGES)}")
    path = authoring_file(task_number)
    values = placeholders(task_number, lang)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    seen: set[str] = set()
    for number, spec in enumerate(parse(path), start=1):
        cell_id = _unique(spec.cell_id or spec.include or f"cell-{number:02d}", seen)
        source = _render(spec, task_number, values, path, lang)
        new = nbformat.v4.new_markdown_cell if spec.kind == "markdown" else nbformat.v4.new_code_cell
        cell = new(source=source, id=cell_id)
        metadata = _nbgrader(spec, cell_id, task_number, path)
        if metadata:
            cell.metadata["nbgrader"] = metadata
        notebook.cells.append(cell)
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook the same way every time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(notebook)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


def _render(spec: CellSpec, task_number: int, values: dict[str, str], path: Path, lang: str) -> str:
    if spec.role == "include":
        code = include(spec.include or "", task_number)
        return language.english(code) if lang == "en" else code
    lines = []
    try:
        text = spec.text(lang)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    for line in text.split("\n"):
        match = INLINE_INCLUDE.match(line)
        if match and spec.kind == "code":
            shuffle = None if match.group(2) is None else match.group(2) == "True"
            lines.append(include(match.group(1), task_number, shuffle))
        else:
            lines.append(line)
    text = "\n".join(lines)

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise KeyError(f"{path}: cell at line {spec.line}: unknown placeholder {match.group(0)} "
                           f"(known: {', '.join(values)})")
        return values[match.group(1)]

    text = PLACEHOLDER.sub(value, text)
    return language.english(text) if lang == "en" and spec.kind == "code" else text


def _nbgrader(spec: CellSpec, cell_id: str, task_number: int, path: Path) -> dict:
    role = "locked" if spec.role == "include" else spec.role
    if role is None:
        return {}
    meta = {"grade": False, "grade_id": cell_id, "locked": role in ("locked", "test"),
            "schema_version": 3, "solution": role == "answer", "task": False}
    if role == "answer" and spec.kind == "markdown":
        meta.update(grade=True, points=0)
    if role == "test":
        meta.update(grade=True, points=_points(spec.points or "", task_number, path, spec.line))
    return meta


def _points(value: str, task_number: int, path: Path, line: int) -> float:
    if value in ("fix", "explanation"):
        return getattr(config.kit().tasks[task_number], f"points_{value}")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{path}:{line}: points={value!r}: a number, 'fix' or 'explanation'") from None


def _unique(cell_id: str, seen: set[str]) -> str:
    candidate, n = cell_id, 1
    while candidate in seen:
        n += 1
        candidate = f"{cell_id}-{n}"
    seen.add(candidate)
    return candidate
