"""``samples``: sample submissions for the demo: the reference solutions, and the release untouched."""
from __future__ import annotations

import argparse
import copy
import json
import re
from pathlib import Path
from typing import Any

from nndebug import config
from nndebug.commands import BAD_INPUT, DONE, error
from nndebug.nbcells import grade_id, is_answer

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def _answer_ids(nb: dict[str, Any]) -> set[str]:
    return {grade_id(c) for c in nb["cells"] if is_answer(c)}


def reference(release_nb: dict[str, Any], source_nb: dict[str, Any]) -> dict[str, Any]:
    """The release notebook with each answer cell holding the source's solution, markers removed."""
    solutions = {grade_id(c): "".join(c["source"]) for c in source_nb["cells"]}
    answered = copy.deepcopy(release_nb)
    for cell in answered["cells"]:
        gid = grade_id(cell)
        if gid in _answer_ids(release_nb) and gid in solutions:
            cell["source"] = SOLUTION_MARKERS.sub("", solutions[gid]).strip("\n")
    return answered


def write_samples(submitted: Path, prefix: str = "demo") -> list[Path]:
    """Write ``<prefix>_reference`` and ``<prefix>_untouched`` under ``submitted``; return their folders."""
    assignment = config.assignment()
    release = config.RELEASE_DIR / assignment
    notebooks = sorted(release.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks in {release}: run `make release` first")
    folders = []
    for student in (f"{prefix}_reference", f"{prefix}_untouched"):
        out = submitted / student / assignment
        out.mkdir(parents=True, exist_ok=True)
        for path in notebooks:
            nb = json.loads(path.read_text(encoding="utf-8"))
            if student.endswith("_reference"):
                source = config.SOURCE_DIR / assignment / path.name
                nb = reference(nb, json.loads(source.read_text(encoding="utf-8")))
            text = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
            (out / path.name).write_text(text, encoding="utf-8")
        folders.append(out.parent)
    return folders


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--submitted", type=Path, default=config.SUBMITTED_DIR,
                        help="where to write the submissions (default: submitted/)")
    parser.add_argument("--prefix", default="demo", help="student id prefix (default: demo)")


def run(args: argparse.Namespace) -> int:
    try:
        folders = write_samples(args.submitted, args.prefix)
    except FileNotFoundError as exc:
        error("samples", exc)
        return BAD_INPUT
    for folder in folders:
        print(f"sample submission: {folder}")
    return DONE
