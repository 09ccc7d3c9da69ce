"""``make publish`` with variants on: a tree per student under an opaque token, and their links.

For every student of ``roster.csv``: ``dist/student/s/<token>/`` holds their notebooks (Russian, and English
in ``en/``), each the release of their own variant with its own "Open in Colab" badge, its owner token in
the notebook's metadata and, in task 3, a setup cell that downloads and checks their variant's model. The
token is an HMAC of the course secret and the student id: no name or id in the public tree; the folder's
README lists the student's notebooks and names their files for a manual download. Task 3's models are
release assets named by their hash (``pretrained_model_<sha256[:12]>.pt``; variant 0 keeps
``pretrained_model.pt``), so a file name says nothing about its bug; published.json records each. What to
send each student: ``dist/moodle_links.zip`` (Moodle's feedback-files zip, one participant folder a
student), ``dist/links.csv`` (a Canvas or mail-merge CSV) and ``dist/links/<student_id>.txt``, each with the
student's language first (roster ``language``); they are personal data and stay out of the student
repository.

Each student's notebooks carry their decoys (:mod:`nndebug.variants.decoys`: harmless differences in the given
cells, so a diff against a classmate's or the shared example does not single out the planted lines), the
checksums of the cells they change written anew.

A student who opens a classmate's link gets the classmate's notebooks: handed in, they carry the
classmate's variant and owner token, are graded against the student's own variant and are listed in
``autograded/report.md`` for a person.
"""
from __future__ import annotations

import csv
import html
import json
import re
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nndebug import config
from nndebug.collect.roster import Roster, RosterError, Student
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
    model: str = MODEL_NAME  # their task-3 model's release asset
    person: Student | None = None  # their roster row (name, e-mail, Moodle id, language)

    @property
    def lang(self) -> str:
        """The roster's language (listed first): ``ru`` unless it says ``en``."""
        return self.person.lang if self.person else "ru"


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


def model_assets() -> dict[str, tuple[str, Path]]:
    """{variant key: (release asset name, file)} of every non-seed task-3 model, for ``tree.publish``'s
    ``variant_models`` (recorded in published.json, attached to the release); PublishError when one is
    missing or stale."""
    out = {}
    for variant in families.family(3)[1:]:
        problems = models.stale(variant)
        if problems:
            raise PublishError(f"{variant.key}'s model: {'; '.join(problems)}: run `make model`")
        out[variant.key] = (model_asset(variant), models.model_file(variant))
    return out


def write_trees(dist: Path, student_dir: Path, assets: Path, stack: ExitStack,
                roster_path: Path | None = None) -> tuple[list[StudentTree], list[Path]]:
    """Write every student's tree (notebooks and README), ``dist/links.csv`` and ``dist/links/``; return
    the trees and the variant release folders (public lines for the leak scan; kept until ``stack``
    closes). The Moodle form: :func:`moodle_files`."""
    try:
        roster = Roster.load(roster_path or config.ROOT / "roster.csv")
        key = secret.load(create=True)
    except (RosterError, secret.SecretError) as exc:
        raise PublishError(f"variants: {exc}") from None
    if not roster.students:
        raise PublishError(f"{roster.path}: no students: variants need the roster to publish per student")
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
        made = StudentTree(student.student_id, token, links, model_asset(chosen.of(3)), student)
        (student_dir / TREES / token / "README.md").write_text(tree_readme(made), encoding="utf-8")
        trees.append(made)
    _write_links(dist, trees)
    return trees, sorted(releases.values())


# Per language: (title, warning, "your page", manual download with {files} and {rename}, "as").
TEXT = {
    "ru": ("Ваши тетрадки (откройте в Colab)",
           "Открывайте только свои ссылки: у каждого студента свои ошибки, и тетрадка с чужими при сдаче "
           "может получить 0 за исправление и будет показана преподавателю.",
           "Ваша папка",
           "Если ячейка подготовки не может скачать файлы, скачайте со страницы релиза {release} {files} и "
           "положите рядом с тетрадкой{rename}.",
           "; файл модели сохраните под именем"),
    "en": ("Your notebooks (open in Colab)",
           "Open only your own links: every student has their own bugs, and a notebook with someone else's "
           "may score 0 for the fix and is shown to the instructor.",
           "Your folder",
           "If the setup cell cannot download the files, download {files} from the release page {release} "
           "and put them next to the notebook{rename}.",
           "; save the model file as"),
}
TASK_WORD = {"ru": "Задание", "en": "Task"}


def _langs(first: str) -> list[str]:
    return [first, *(lang for lang in TEXT if lang != first)]


def _manual(tree: StudentTree, lang: str) -> str:
    """The manual download of ``tree``'s own files, in ``lang``."""
    course = config.kit().course
    release_page = f"https://github.com/{course.student_repo}/releases/tag/{course.release_tag}"
    files = f"`{colab.DATA_FILE}`, `{tree.model}`"
    rename = "" if tree.model == MODEL_NAME else f"{TEXT[lang][4]} `{MODEL_NAME}`"
    return TEXT[lang][3].format(release=release_page, files=files, rename=rename)


def page(tree: StudentTree) -> str:
    """The student's folder on GitHub (its README lists their notebooks): the one link to send."""
    course = config.kit().course
    return f"https://github.com/{course.student_repo}/tree/{course.release_tag}/{TREES}/{tree.token}"


def tree_readme(tree: StudentTree) -> str:
    """``s/<token>/README.md``: the student's own notebooks (their language first) and their own files for
    a manual download; no name, id or variant."""
    lines = ["# NN debug", ""]
    for lang in _langs(tree.lang):
        lines += [f"## {TEXT[lang][0]}", "", TEXT[lang][1], ""]
        prefix = "" if lang == "ru" else f"{ENGLISH}/"
        for number in config.TASKS:
            shown = f"{prefix}{config.notebook(number)}.ipynb"
            lines.append(f"- {TASK_WORD[lang]} {number}: [`{shown}`]({tree.links[shown]}) "
                         f"[![Open In Colab]({colab.BADGE_IMAGE})]({tree.links[shown]})")
        lines += ["", _manual(tree, lang), ""]
    return "\n".join(lines)


def link_lines(tree: StudentTree) -> list[str]:
    """A student's links file: their language first (title, warning, folder, notebooks, manual download)."""
    langs = _langs(tree.lang)
    lines = [" / ".join(TEXT[lang][0] for lang in langs) + ":", *(TEXT[lang][1] for lang in langs),
             f"{' / '.join(TEXT[lang][2] for lang in langs)}: {page(tree)}"]
    for lang in langs:
        lines += [f"{name}: {link}" for name, link in tree.links.items() if name.startswith(f"{ENGLISH}/")
                  == (lang == "en")]
    return lines + [_manual(tree, lang) for lang in langs]


def _links_html(lines: list[str]) -> bytes:
    """The links file as a page whose links are clickable (Moodle shows feedback files as downloads)."""
    body = []
    for line in lines:
        text = html.escape(line)
        text = re.sub(r"(https://[^\s`]+)", r'<a href="\1">\1</a>', text)
        body.append(f"<p>{text}</p>")
    return ("<!doctype html>\n<meta charset=\"utf-8\">\n<title>NN debug</title>\n" + "\n".join(body)
            + "\n").encode()


LINKS_CSV = "links.csv"
LINKS_DIR = "links"
MOODLE_ZIP = "moodle_links.zip"
MOODLE_FILE = "nn_debug_links.html"


def _write_links(dist: Path, trees: list[StudentTree]) -> None:
    """``dist/links.csv`` (Canvas or a mail merge) and ``dist/links/<student_id>.txt``."""
    folder = dist / LINKS_DIR
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    names = sorted(trees[0].links, key=lambda n: (n.startswith(f"{ENGLISH}/"), n))
    with open(dist / LINKS_CSV, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student_id", "full_name", "email", "language", "link", *names])
        for tree in trees:
            person = tree.person or Student(tree.student, "", "")
            out.writerow([tree.student, person.full_name, person.email, tree.lang, page(tree),
                          *(tree.links[n] for n in names)])
            (folder / f"{tree.student}.txt").write_text("\n".join(link_lines(tree)) + "\n", encoding="utf-8")


def moodle_files(trees: list[StudentTree]) -> list[tuple[Student, dict, list[tuple[str, Path | bytes]]]]:
    """Each student's links page for ``nndebug.outbound.feedback.write_moodle_files``
    (``dist/moodle_links.zip``: Moodle's feedback-files zip, a participant folder a student, by roster
    ``lms_id``)."""
    return [(t.person or Student(t.student, "", ""), {}, [(MOODLE_FILE, _links_html(link_lines(t)))])
            for t in trees]


def summary(dist: Path, count: int, no_moodle_id: list[str]) -> list[str]:
    """``make publish``'s last lines with variants: what to send each student, and how, per LMS."""
    shown = dist.relative_to(config.ROOT) if dist.is_relative_to(config.ROOT) else dist
    more = " ..." if len(no_moodle_id) > 5 else ""
    missing = (f"; {len(no_moodle_id)} without a Moodle participant id, left out (roster lms_id): "
               f"{', '.join(no_moodle_id[:5])}{more}" if no_moodle_id else "")
    return [
        f"publish: send each of the {count} students their own link (personal data: never in the "
        "student repository, never in git); the README of the student repository lists no notebook:",
        f"  Moodle: {shown}/{MOODLE_ZIP} -> the assignment's Feedback files, \"Upload multiple feedback "
        f"files in a zip\" ({count - len(no_moodle_id)} student(s), one {MOODLE_FILE} each{missing})",
        f"  Canvas or e-mail: {shown}/{LINKS_CSV} (student_id, full_name, email, language, link, one Colab "
        "link a notebook) for a mail merge",
        f"  by hand: {shown}/{LINKS_DIR}/<student_id>.txt, one a student, their language first",
    ]
