"""Which task a notebook holds, told by its cells' nbgrader grade ids (never by its file name), and which of
several copies of one task counts: the newest (:func:`newest`). Collecting and grading both decide here.

The map is built from the release notebooks: a grade id found in exactly one of them (``task1_fix``)
names that notebook; ids every notebook shares (``setup``, ``trainer``) say nothing.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nndebug.course.nbcells import grade_id

T = TypeVar("T")


def newest(copies: Iterable[T], when: Callable[[T], Any]) -> tuple[T, list[T]]:
    """Of several copies of one task, the one that counts (the greatest ``when``: the newest) and the
    others, oldest first."""
    ranked = sorted(copies, key=when)
    return ranked[-1], ranked[:-1]


def grade_ids(nb: dict) -> list[str]:
    """The nbgrader grade ids of a notebook's cells (parsed JSON), in order."""
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    return [gid for gid in (grade_id(c) for c in cells if isinstance(c, dict)) if gid]


def read_notebook_json(data: bytes) -> dict | None:
    """A notebook's JSON from its bytes; None when it is not an nbformat-4 notebook."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        return None
    return nb


@dataclass(frozen=True)
class TaskMap:
    """{distinctive grade id: release notebook name}."""

    ids: dict[str, str]
    notebooks: tuple[str, ...]

    @classmethod
    def from_release(cls, release: Path) -> TaskMap:
        """The map of the release notebooks in ``release`` (``release/<assignment>/``)."""
        paths = sorted(release.glob("*.ipynb"))
        if not paths:
            raise FileNotFoundError(f"{release}: no release notebooks; run `make release` first.")
        owners: dict[str, set[str]] = {}
        for path in paths:
            nb = read_notebook_json(path.read_bytes()) or {}
            for gid in grade_ids(nb):
                owners.setdefault(gid, set()).add(path.stem)
        ids = {gid: next(iter(names)) for gid, names in owners.items() if len(names) == 1}
        return cls(ids, tuple(p.stem for p in paths))

    def identify(self, nb: dict) -> str:
        """The release notebook ``nb`` is a copy of; '' when its grade ids name none, or two equally."""
        votes = Counter(self.ids[g] for g in set(grade_ids(nb)) if g in self.ids)
        ranked = votes.most_common(2)
        if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
            return ""
        return ranked[0][0]

    def identify_bytes(self, data: bytes) -> str:
        """:meth:`identify` for a file's bytes; '' when they are not a notebook."""
        nb = read_notebook_json(data)
        return self.identify(nb) if nb is not None else ""
