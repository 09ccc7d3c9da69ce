"""Checks a student's submitted folder before nbgrader sees it, and stages the gradable part.

nbgrader fails a student's whole assignment when one notebook is not JSON; here such a notebook is left
out (nbgrader then scores it 0 as missing) and the reason goes to the report.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat


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


def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def restore_metadata(nb: nbformat.NotebookNode, released: nbformat.NotebookNode) -> list[str]:
    """Put back the released nbgrader metadata of graded and answer cells; the grade ids changed.

    nbgrader stops on a cell whose metadata names a grade cell it does not know (say, an answer cell
    turned into a graded one); a cell with an unknown grade id loses its nbgrader metadata.
    """
    original = {_grade_id(c): c.metadata["nbgrader"] for c in released.cells if _grade_id(c)}
    changed = []
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if not grade_id and "nbgrader" not in cell.get("metadata", {}):
            continue
        if grade_id in original:
            if cell.metadata["nbgrader"] != original[grade_id]:
                cell.metadata["nbgrader"] = dict(original[grade_id])
                changed.append(grade_id)
        else:
            cell.metadata.pop("nbgrader", None)
            changed.append(grade_id or "(no grade id)")
    return changed


def check_and_stage(src: Path, dest: Path, expected: list[str], release: Path) -> list[Problem]:
    """Copy the gradable part of ``src`` to ``dest`` (metadata as released); the problems of the rest."""
    problems: list[Problem] = []
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in expected:
        path = src / f"{name}.ipynb"
        if not path.is_file():
            problems.append(Problem(name, f"is missing: no {name}.ipynb in the submission; it scores 0. "
                                          "Ask the student to submit it under exactly this name."))
            continue
        why = notebook_problem(path)
        if why:
            problems.append(Problem(name, f"{name}.ipynb {why}"))
            continue
        nb = nbformat.read(path, as_version=4)
        released = release / path.name
        changed = restore_metadata(nb, nbformat.read(released, as_version=4)) if released.exists() else []
        if changed:
            problems.append(Problem(name, f"the nbgrader metadata of cell(s) {', '.join(changed)} was "
                                          "changed; graded with the released metadata"))
        nbformat.write(nb, dest / path.name)
        shutil.copystat(path, dest / path.name)
    for item in src.iterdir():
        if item.suffix == ".ipynb" or item.is_symlink():
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
