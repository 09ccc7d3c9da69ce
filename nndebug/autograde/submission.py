"""Checks a student's submitted folder before nbgrader sees it, and stages the gradable part.

nbgrader fails a student's whole assignment when one notebook is not JSON; here such a notebook is left
out (nbgrader then scores it 0 as missing) and the reason goes to the report.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nndebug.course.nbcells import grade_id as _grade_id
from nndebug.course.tasks import TaskMap, newest


@dataclass(frozen=True)
class Problem:
    """Something a TA should know about one notebook (or the whole submission when notebook is '')."""

    notebook: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"notebook": self.notebook, "message": self.message}


def notebook_problem(path: Path) -> str:
    """Why ``path`` cannot be graded, in words a TA can act on; '' when it can."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return "is not a text file (not a notebook); it scores 0. Ask the student to upload the .ipynb again."
    except json.JSONDecodeError as err:
        return (f"is not JSON ({err.msg} at line {err.lineno}), so not a notebook; it scores 0. Ask the "
                "student to download it again from Colab/Jupyter (File > Download .ipynb) and resubmit.")
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        version = data.get("nbformat") if isinstance(data, dict) else None
        return (f"is nbformat {version}, not nbformat 4; it scores 0. Ask the student to start again from "
                "the released notebook and resubmit it from Jupyter or Colab.")
    try:
        nbformat.reads(json.dumps(data), as_version=4)
    except Exception as err:  # noqa: BLE001 - any reader error means "not gradable"
        return (f"is not a valid notebook ({type(err).__name__}: {err}); it scores 0. "
                "Ask the student to resubmit.")
    return ""


def restore_metadata(nb: nbformat.NotebookNode, released: nbformat.NotebookNode,
                     *also: nbformat.NotebookNode) -> list[str]:
    """Put back the released nbgrader metadata of graded and answer cells; the grade ids changed.

    nbgrader stops on a cell whose metadata names a grade cell it does not know (say, an answer cell
    turned into a graded one); a cell with an unknown grade id loses its nbgrader metadata. A cell's
    metadata as in one of ``also`` (the student's own release: per-student variants) is theirs, kept.
    """
    original = {_grade_id(c): c.metadata["nbgrader"] for c in released.cells if _grade_id(c)}
    others = [{_grade_id(c): c.metadata["nbgrader"] for c in other.cells if _grade_id(c)} for other in also]
    changed = []
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if not grade_id and "nbgrader" not in cell.get("metadata", {}):
            continue
        if grade_id in original:
            if cell.metadata["nbgrader"] != original[grade_id] and \
                    all(cell.metadata["nbgrader"] != other.get(grade_id) for other in others):
                cell.metadata["nbgrader"] = dict(original[grade_id])
                changed.append(grade_id)
        else:
            cell.metadata.pop("nbgrader", None)
            changed.append(grade_id or "(no grade id)")
    return changed


def candidates(src: Path, dest: Path) -> list[Path]:
    """The notebooks that may be graded: every ``*.ipynb`` in ``src``, and, when ``src`` is the assignment
    folder (``submitted/<student>/<assignment>/``), those lying beside it in the student's folder."""
    found = sorted(src.glob("*.ipynb"))
    if src.name == dest.name:
        found += sorted(src.parent.glob("*.ipynb"))
    return [p for p in found if p.is_file() and not p.is_symlink()]


def where(path: Path, src: Path) -> str:
    """A candidate's name as a TA finds it: relative to the assignment folder, or to the student's."""
    return path.name if path.parent == src else f"../{path.name}"


def pick(name: str, found: list[Path], src: Path, problems: list[Problem]) -> Path | None:
    """The candidate graded as ``name``: the newest (the exactly named one on a tie); the others reported."""
    if not found:
        return None
    chosen, others = newest(found, lambda p: (p.stat().st_mtime, p.name == f"{name}.ipynb"))
    for other in others:
        problems.append(Problem(name, f"{where(other, src)} also holds {name}; not graded: the newer "
                                      f"{where(chosen, src)} was. If {where(other, src)} is the right one, "
                                      "delete the other and regrade."))
    return chosen


OwnRelease = Callable[[str, nbformat.NotebookNode], list[nbformat.NotebookNode]]


def check_and_stage(src: Path, dest: Path, expected: list[str], release: Path,
                    own: OwnRelease | None = None) -> list[Problem]:
    """Copy the gradable part of ``src`` to ``dest`` (metadata as released); the problems of the rest.
    ``own(notebook, released)``: the student's own releases, whose metadata stand too (variants).

    A notebook is graded as the task its cells' grade ids name (``Copy of task1_shuffle.ipynb`` as
    ``task1_shuffle``), renamed files reported; notebooks directly in the student's folder are candidates
    too (``src`` is then the student's folder, or they lie beside ``src``).
    """
    problems: list[Problem] = []
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if src.name != dest.name:
        problems.append(Problem("", f"the notebooks lie directly in submitted/{src.name}/, not in "
                                    f"submitted/{src.name}/{dest.name}/; graded as if they were there. "
                                    f"Move them into {dest.name}/ (`make collect` does)."))
    tasks = TaskMap.from_release(release) if any(release.glob("*.ipynb")) else None
    by_task: dict[str, list[Path]] = {name: [] for name in expected}
    broken: dict[str, str] = {}
    for path in candidates(src, dest):
        exact = path.parent == src and path.stem in by_task
        why = notebook_problem(path)
        if why and exact:
            broken[path.stem] = why
        elif why:
            problems.append(Problem("", f"{where(path, src)} {why}"))
        elif exact:
            by_task[path.stem].append(path)
        elif (task := tasks.identify_bytes(path.read_bytes()) if tasks else "") in by_task:
            by_task[task].append(path)
        else:
            problems.append(Problem("", f"{where(path, src)} holds no task of {dest.name} (its cells carry "
                                        "no grade id of a release notebook); not graded."))
    for name in expected:
        path = pick(name, by_task[name], src, problems)
        if path is None:
            if name in broken:
                problems.append(Problem(name, f"{name}.ipynb {broken[name]}"))
            else:
                problems.append(Problem(name, f"is missing: no {name}.ipynb in the submission; it scores 0. "
                                              "Ask the student to submit it under exactly this name."))
            continue
        if path.name != f"{name}.ipynb" or path.parent != src:
            problems.append(Problem(name, f"graded from {where(path, src)} (renamed: its cells' grade "
                                          f"ids say it is {name}). Ask the student to keep the name "
                                          f"{name}.ipynb."))
            if name in broken:
                problems.append(Problem(name, f"{name}.ipynb {broken[name]}; not graded."))
        try:
            nb = nbformat.read(path, as_version=4)
            released = release / f"{name}.ipynb"
            changed = []
            if released.exists():
                ours = nbformat.read(released, as_version=4)
                changed = restore_metadata(nb, ours, *(own(name, ours) if own else ()))
            nbformat.write(nb, dest / f"{name}.ipynb")
        except (ValueError, UnicodeError, OSError) as err:   # a lone surrogate in valid JSON, say
            (dest / f"{name}.ipynb").unlink(missing_ok=True)
            problems.append(Problem(name, f"{name}.ipynb cannot be staged ({type(err).__name__}: "
                                          f"{str(err)[:120]}); not graded, it scores 0. Ask the student to "
                                          "download it from Colab again."))
            continue
        if changed:
            problems.append(Problem(name, f"the nbgrader metadata of cell(s) {', '.join(changed)} was "
                                          "changed; graded with the released metadata"))
        shutil.copystat(path, dest / f"{name}.ipynb")
    for item in src.iterdir():
        if item.suffix == ".ipynb" or item.is_symlink() or (src.name != dest.name and item.name == dest.name):
            continue
        if item.is_dir():
            shutil.copytree(item, dest / item.name, symlinks=True)
        else:
            shutil.copy2(item, dest / item.name)
    return problems


def fingerprint(folder: Path, extra: str = "") -> str:
    """A hash of every file under ``folder`` (names and contents) and ``extra``."""
    digest = hashlib.sha256(extra.encode())
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
