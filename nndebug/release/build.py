"""Build ``source/<assignment>/`` from the authoring sources and ``release/<assignment>/`` through
``nbgrader generate_assignment`` (run in a temporary course directory: the repository stays clean).

The English release ``release/<assignment>_en/`` comes from the same sources (the markdown cells' ``en``
texts, the code with its Russian taken out by :mod:`nndebug.course.language`) through the same nbgrader
step; its grade ids and nbgrader metadata (checksums included) are the Russian release's, so one gradebook
grades both and a submitted English notebook is graded as the Russian one of its name (nbgrader restores
its given cells from the gradebook; the feedback shows them in English again). Its source notebooks are
built in a temporary folder only.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nndebug import config
from nndebug.course.nbgrader_cli import nbgrader_env
from nndebug.course import assemble, language

FORBIDDEN_IN_RELEASE = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                        "nndebug")
ENGLISH = "en"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
NBGRADER_CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "nn_debug_release"
"""


def notebook_names() -> list[str]:
    """The task notebooks' file names, in task order."""
    return [f"{config.notebook(t)}.ipynb" for t in config.TASKS]


def english_folder() -> str:
    """The English release's folder name under ``release/``: ``<assignment>_en``."""
    return f"{config.assignment()}_{ENGLISH}"


def build_source(out_dir: Path, lang: str = "ru") -> list[Path]:
    """Write every task's nbgrader source notebook (markdown in ``lang``) into ``out_dir`` (only those)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    paths = []
    for task_number in config.TASKS:
        path = out_dir / f"{config.notebook(task_number)}.ipynb"
        assemble.write(assemble.build(task_number, lang), path)
        paths.append(path)
    return paths


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in a course directory; RuntimeError with its log when it fails."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True,
                            text=True, env=nbgrader_env())
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course} (exit {result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def init_course(course: Path, source_dir: Path, extra_config: str = "") -> Path:
    """A course directory with the source notebooks and a gradebook; returns its release folder."""
    name = config.assignment()
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(course)) + extra_config)
    shutil.copytree(source_dir, course / "source" / name)
    nbgrader(course, "generate_assignment", name, "--create", "--force")
    produced = course / "release" / name
    if not produced.is_dir():
        raise RuntimeError(f"nbgrader generate_assignment wrote no {produced}")
    return produced


def generate_release(source_dir: Path, out_dir: Path) -> list[Path]:
    """Run ``nbgrader generate_assignment`` on the source notebooks; write the student versions to out_dir."""
    with tempfile.TemporaryDirectory(prefix="nndebug-release-") as tmp:
        produced = init_course(Path(tmp), source_dir)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        paths = []
        for notebook in sorted(produced.glob("*.ipynb")):
            target = out_dir / notebook.name
            target.write_text(normalize(notebook.read_text(encoding="utf-8")), encoding="utf-8")
            paths.append(target)
    return paths


def normalize(text: str) -> str:
    """The notebook JSON with sorted keys and one indentation: byte-identical across runs."""
    return json.dumps(json.loads(text), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def generate_english(release_dir: Path, out_dir: Path) -> list[Path]:
    """The English release in ``out_dir``: built like the Russian one, then given its nbgrader metadata."""
    with tempfile.TemporaryDirectory(prefix="nndebug-release-en-") as tmp:
        source_dir = Path(tmp) / config.assignment()
        build_source(source_dir, ENGLISH)
        paths = generate_release(source_dir, out_dir)
    for path in paths:
        english = json.loads(path.read_text(encoding="utf-8"))
        russian = json.loads((release_dir / path.name).read_text(encoding="utf-8"))
        if grade_ids(english) != grade_ids(russian):
            raise RuntimeError(f"{path}: its cells' grade ids differ from {release_dir / path.name}'s: the "
                               f"'{ENGLISH}' cells of notebooks/ must translate markdown cells only")
        for en_cell, ru_cell in zip(english["cells"], russian["cells"], strict=True):
            if "nbgrader" in ru_cell.get("metadata", {}):
                en_cell["metadata"]["nbgrader"] = ru_cell["metadata"]["nbgrader"]
        path.write_text(normalize(json.dumps(english)), encoding="utf-8")
    return paths


def build(root: Path) -> tuple[Path, Path, Path]:
    """Write ``root/source/<assignment>``, ``root/release/<assignment>`` and the English release
    ``root/release/<assignment>_en``; return the three folders."""
    source_dir = root / "source" / config.assignment()
    release_dir = root / "release" / config.assignment()
    english_dir = root / "release" / english_folder()
    build_source(source_dir)
    generate_release(source_dir, release_dir)
    generate_english(release_dir, english_dir)
    problems = verify(source_dir, release_dir) + verify_english(release_dir, english_dir)
    if problems:
        raise RuntimeError("the release fails its checks:\n" + "\n".join(problems))
    return source_dir, release_dir, english_dir


def grade_ids(notebook: dict) -> list[str]:
    """The nbgrader grade_ids of a notebook's cells, in order."""
    return [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "") for cell in notebook["cells"]]


def verify(source_dir: Path, release_dir: Path) -> list[str]:
    """Problems with a built release: missing notebooks, leaked solutions/hidden tests, contract cells."""
    problems = []
    for name in notebook_names():
        for folder in (source_dir, release_dir):
            if not (folder / name).exists():
                problems.append(f"{folder / name}: missing")
    extra = sorted(p.name for p in source_dir.iterdir() if p.name not in notebook_names())
    if extra:
        problems.append(f"{source_dir}: holds more than the notebooks: {', '.join(extra)}")
    for task_number, name in zip(config.TASKS, notebook_names(), strict=True):
        path = release_dir / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        notebook = json.loads(text)
        for marker in FORBIDDEN_IN_RELEASE:
            if any(marker in "".join(cell["source"]) for cell in notebook["cells"]):
                problems.append(f"{path}: a cell still holds {marker!r}")
        ids = grade_ids(notebook)
        for kind in ("fix", "explanation"):
            wanted = f"task{task_number}_{kind}"
            if wanted not in ids:
                problems.append(f"{path}: no answer cell with grade_id {wanted}")
            if not any(i.startswith(wanted) and i != wanted for i in ids):
                problems.append(f"{path}: no test cell whose grade_id starts with {wanted}")
    return problems


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def verify_english(release_dir: Path, english_dir: Path) -> list[str]:
    """Problems of the English release against the Russian one: other notebooks, code cells other than the
    Russian ones' English, grade ids or nbgrader metadata, a leaked marker, Russian left in any cell."""
    problems = []
    for name in notebook_names():
        ru_path, en_path = release_dir / name, english_dir / name
        if not en_path.exists() or not ru_path.exists():
            problems.append(f"{en_path if ru_path.exists() else ru_path}: missing")
            continue
        ru, en = (json.loads(p.read_text(encoding="utf-8")) for p in (ru_path, en_path))
        if [c["cell_type"] for c in ru["cells"]] != [c["cell_type"] for c in en["cells"]]:
            problems.append(f"{en_path}: other cells than {ru_path}")
            continue
        for index, (ru_cell, en_cell) in enumerate(zip(ru["cells"], en["cells"], strict=True)):
            where = f"{en_path}: cell {index} ({en_cell.get('id', '')})"
            if ru_cell.get("metadata", {}).get("nbgrader") != en_cell.get("metadata", {}).get("nbgrader"):
                problems.append(f"{where}: nbgrader metadata differs from the Russian release's")
            if en_cell["cell_type"] == "code":
                problems += [f"{where}: {p}" for p in language.untranslated(_text(ru_cell))]
                if _text(en_cell) != language.english(_text(ru_cell)):
                    problems.append(f"{where}: code is not the Russian release's with its Russian taken out")
                elif CYRILLIC.search(_text(en_cell)):
                    problems.append(f"{where}: code still in Russian; give it its English line in notebooks/")
            if en_cell["cell_type"] == "markdown" and CYRILLIC.search(_text(en_cell)):
                problems.append(f"{where}: markdown still in Russian; translate it in notebooks/")
            for marker in FORBIDDEN_IN_RELEASE:
                if marker in _text(en_cell):
                    problems.append(f"{where}: holds {marker!r}")
    extra = sorted(p.name for p in english_dir.glob("*") if p.name not in notebook_names())
    if extra:
        problems.append(f"{english_dir}: holds more than the notebooks: {', '.join(extra)}")
    return problems
