"""Build ``source/<assignment>/`` from the authoring sources and ``release/<assignment>/`` through
``nbgrader generate_assignment`` (run in a temporary course directory: the repository stays clean)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nndebug import config
from nndebug.autograde.nbgrader_cli import nbgrader_env
from nndebug.notebook import assemble

FORBIDDEN_IN_RELEASE = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
                        "nndebug")
NBGRADER_CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "nn_debug_release"
"""


def notebook_names() -> list[str]:
    """The task notebooks' file names, in task order."""
    return [f"{config.task(t)['notebook']}.ipynb" for t in config.TASKS]


def build_source(out_dir: Path) -> list[Path]:
    """Write every task's nbgrader source notebook into ``out_dir`` (which then holds only those)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    paths = []
    for task_number in config.TASKS:
        path = out_dir / f"{config.task(task_number)['notebook']}.ipynb"
        assemble.write(assemble.build(task_number), path)
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


def build(root: Path) -> tuple[Path, Path]:
    """Write ``root/source/<assignment>`` and ``root/release/<assignment>``; return both folders."""
    source_dir = root / "source" / config.assignment()
    release_dir = root / "release" / config.assignment()
    build_source(source_dir)
    generate_release(source_dir, release_dir)
    problems = verify(source_dir, release_dir)
    if problems:
        raise RuntimeError("the release fails its checks:\n" + "\n".join(problems))
    return source_dir, release_dir


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
