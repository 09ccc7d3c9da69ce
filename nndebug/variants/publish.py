"""``make publish`` with variants on: a tree per student under an opaque token, and their links.

For every student of ``roster.csv``: ``dist/student/s/<token>/`` holds their notebooks (Russian, and English
in ``en/``), each the release of their own variant with its own "Open in Colab" badge, its owner token in
the notebook's metadata and, in task 3, a setup cell that downloads and checks their variant's model. The
token is an HMAC of the course secret and the student id: no name or id in the public tree. Task 3's models
are release assets named by their hash (``pretrained_model_<sha256[:12]>.pt``; variant 0 keeps
``pretrained_model.pt``), so a file name says nothing about its bug. ``dist/links.csv`` (a mail-merge CSV)
and ``dist/links/<student_id>.txt`` (one per student, for the LMS) hold each student's links; they are
personal data and stay out of the student repository.

Each student's notebooks carry their decoys (:mod:`nndebug.variants.decoys`: harmless differences in the given
cells, so a diff against a classmate's or the shared example does not single out the planted lines), the
checksums of the cells they change written anew.

A student who opens a classmate's link gets the classmate's notebooks: handed in, they carry the
classmate's variant and owner token, are graded against the student's own variant and are listed in
``autograded/report.md`` for a person.
"""
from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nndebug import config
from nndebug.collect.roster import Roster
from nndebug.course import assemble, colab
from nndebug.course.record import MODEL_NAME, PublishError
from nndebug.release import build as release
from nndebug.variants import assign, decoys, families, grading, models, personal, render, secret
from nndebug.variants.personal import model_asset

TREES = "s"                 # dist/student/s/<token>/
ENGLISH = assemble.ENGLISH_FOLDER


@dataclass(frozen=True)
class StudentTree:
    student: str
    token: str
    links: dict[str, str]   # "task1_shuffle.ipynb" / "en/task1_shuffle.ipynb" -> its Colab link


def _variant_releases(root: Path, indices: Iterable[int] | None = None) -> dict[tuple[int, str], Path]:
    """{(variant index, lang): release folder} of every variant index (or of ``indices``), through nbgrader
    (solutions out)."""
    out = {}
    count = max(len(families.family(t)) for t in config.TASKS)
    for index in range(count) if indices is None else indices:
        for lang in ("ru", "en"):
            source = root / f"source_{index}_{lang}" / config.assignment()
            source.mkdir(parents=True)
            for task in config.TASKS:
                variant = families.variant(task, min(index, len(families.family(task)) - 1))
                name = f"{config.kit().tasks[task].notebook}.ipynb"
                assemble.write(render.build(variant, lang), source / name)
            out[(index, lang)] = root / f"release_{index}_{lang}"
            release.generate_release(source, out[(index, lang)])
        for path in out[(index, "en")].glob("*.ipynb"):  # the English copies carry the Russian metadata
            english, russian = (json.loads(p.read_text(encoding="utf-8"))
                                for p in (path, out[(index, "ru")] / path.name))
            for en_cell, ru_cell in zip(english["cells"], russian["cells"], strict=True):
                if "nbgrader" in ru_cell.get("metadata", {}):
                    en_cell["metadata"]["nbgrader"] = ru_cell["metadata"]["nbgrader"]
            path.write_text(release.normalize(json.dumps(english)), encoding="utf-8")
    return out


def _colab(path_in_repo: str) -> str:
    course = config.kit().course
    return (f"https://colab.research.google.com/github/{course.student_repo}/blob/{course.release_tag}/"
            f"{path_in_repo}")


def _personal(nb: nbformat.NotebookNode, notebook: str, lang: str, token: str,
              chosen: assign.Assignment, task: int) -> nbformat.NotebookNode:
    """The released notebook with the student's badge, owner token and own code (:mod:`.personal`: task
    3's model download)."""
    seed_path = notebook if lang == "ru" else f"{ENGLISH}/{notebook}"
    own_path = f"{TREES}/{token}/{seed_path}"
    for cell in nb.cells:
        cell.source = cell.source.replace(_colab(seed_path), _colab(own_path))
        if task == 3 and not chosen.of(task).is_seed and cell.get("id") == "setup" \
                and colab.release_asset_url(MODEL_NAME) not in cell.source:
            raise PublishError("variants: task 3's setup cell does not download the model from the "
                               "release assets; with variants on leave kit.toml [downloads] model_url "
                               "and model_drive_id empty (each variant's model is its own asset)")
    nb = personal.own_code(nb, chosen, task, lang)
    nb.metadata[grading.TOKEN_KEY] = {"owner": token}
    return nb


def _checksums(nb: nbformat.NotebookNode, russian: nbformat.NotebookNode | None) -> nbformat.NotebookNode:
    """The nbgrader checksums of ``nb``'s cells computed anew (a released cell's checksum would tell a
    decoyed cell from one the variant changed); an English notebook takes its Russian one's metadata, as the
    English release does."""
    from nbgrader.utils import compute_checksum

    for index, cell in enumerate(nb.cells):
        info = cell.metadata.get("nbgrader")
        if russian is not None and info is not None:
            cell.metadata["nbgrader"] = russian.cells[index].metadata["nbgrader"]
        elif info is not None and "checksum" in info:
            info["checksum"] = compute_checksum(cell)
    return nb


def write_trees(dist: Path, student_dir: Path, assets: Path, stack: ExitStack,
                roster_path: Path | None = None) -> tuple[list[StudentTree], list[Path]]:
    """Write every student's tree, the task-3 model assets and the links; return the trees and the
    variant release folders (public lines for the leak scan; kept until ``stack`` closes)."""
    roster = Roster.load(roster_path or config.ROOT / "roster.csv")
    if not roster.students:
        raise PublishError(f"{roster.path}: no students: variants need the roster to publish per student")
    key = secret.load(create=True)
    for variant in families.family(3)[1:]:
        problems = models.stale(variant)
        if problems:
            raise PublishError(f"{variant.key}'s model: {'; '.join(problems)}: run `make model`")
        shutil.copyfile(models.model_file(variant), assets / model_asset(variant))
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nndebug-variants-")))
    releases = _variant_releases(tmp)
    trees = []
    for student in roster.students:
        chosen = assign.assign(student.student_id, key)
        token = grading.owner_token(key, student.student_id)
        draw = decoys.draw_for(key, token)
        russian: dict[int, nbformat.NotebookNode] = {}
        links = {}
        for lang in ("ru", "en"):
            folder = student_dir / TREES / token / ("" if lang == "ru" else ENGLISH)
            folder.mkdir(parents=True, exist_ok=True)
            for task in config.TASKS:
                variant = chosen.of(task)
                name = f"{config.kit().tasks[task].notebook}.ipynb"
                nb = nbformat.read(str(releases[(variant.index, lang)] / name), as_version=4)
                nb = _checksums(decoys.apply(nb, task, draw), russian.get(task))
                russian.setdefault(task, nb)
                nb = _personal(nb, name, lang, token, chosen, task)
                (folder / name).write_text(release.normalize(nbformat.writes(nb)), encoding="utf-8")
                shown = name if lang == "ru" else f"{ENGLISH}/{name}"
                links[shown] = _colab(f"{TREES}/{token}/{shown}")
        trees.append(StudentTree(student.student_id, token, links))
    _write_links(dist, roster, trees)
    return trees, sorted(releases.values())


def extra_trees(dist: Path, student_dir: Path, assets: Path, stack: ExitStack) -> list[Path]:
    """``nndebug.publish.tree.publish``'s ``extra``: every student's tree and links; the variant releases."""
    return write_trees(dist, student_dir, assets, stack)[1]


LINKS_HEADER = (
    "Ваши тетрадки (откройте в Colab) / Your notebooks (open in Colab):",
    "Открывайте только свои ссылки: у каждого студента свои ошибки, и тетрадка с чужими при сдаче может "
    "получить 0 за исправление и будет показана преподавателю. / Open only your own links: every student "
    "has their own bugs, and a notebook with someone else's may score 0 for the fix and is shown to the "
    "instructor.",
)


def _write_links(dist: Path, roster: Roster, trees: list[StudentTree]) -> None:
    folder = dist / "links"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    names = sorted(trees[0].links)
    with open(dist / "links.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student_id", "full_name", "email", *names])
        for tree in trees:
            person = roster.by_id[tree.student]
            out.writerow([tree.student, person.full_name, person.email, *(tree.links[n] for n in names)])
            lines = [f"{name}: {tree.links[name]}" for name in names]
            (folder / f"{tree.student}.txt").write_text("\n".join([*LINKS_HEADER, *lines]) + "\n",
                                                        encoding="utf-8")
