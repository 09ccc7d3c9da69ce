"""A release notebook as a student runs it: answered with the reference, executed headless, rendered.

``python -m nndebug.tools.screenshot [--notebook N] [--lang ru|en] [--out PNG]``
(``make screenshot``): the release notebook (default: task 3's) with the reference answers from
``source/`` (what a student who solved it holds), executed with nbclient beside the grading data
(``config.grading_data``) and the model, rendered to HTML with nbconvert and photographed with headless
chromium.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from nndebug import config
from nndebug.course import staging
from nndebug.course.solutions import answered as reference
from nndebug.release import build as release

BUGGY_RUN = "train"  # the seed's buggy experiment: the slow cell a check of the fix can skip
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+): train loss [\d.naninf]+, val loss [\d.naninf]+, "
                        r"val accuracy ([\d.]+)$", re.MULTILINE)
HIDE_INPUT = "hide_input"
CURVES = "tensorboard"  # grade ids of the training-curve cells start with it
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


def release_dir(lang: str) -> Path:
    """``release/<assignment>`` (ru) or ``release/<assignment>_en`` (en)."""
    return config.RELEASE_DIR / (config.assignment() if lang == "ru" else release.english_folder())


def answered(notebook: str, lang: str = "ru") -> nbformat.NotebookNode:
    """The release notebook ``notebook`` (a name without ``.ipynb``) with the reference answers of source/."""
    name = f"{notebook}.ipynb"
    released = json.loads((release_dir(lang) / name).read_text(encoding="utf-8"))
    source = json.loads((config.SOURCE_DIR / config.assignment() / name).read_text(encoding="utf-8"))
    return nbformat.reads(json.dumps(reference(released, source)), as_version=4)


def stage(folder: Path, notebook: str) -> Path:
    """``folder`` with ``mnist_data`` (the grading data of ``notebook``) and the model, as links."""
    data = config.grading_data(notebook)
    missing = [f"{p} (`make subset` / `make model`)" for p in (data, config.MODEL_FILE) if not p.exists()]
    if missing:
        raise FileNotFoundError("a student run needs what is missing: " + "; ".join(missing))
    return staging.stage(folder, data, config.MODEL_FILE)


def grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def execute(nb: nbformat.NotebookNode, folder: Path, skip: Iterable[str] = (),
            env: dict[str, str] | None = None, timeout: int = 600) -> nbformat.NotebookNode:
    """Run ``nb``'s code cells in order in a fresh kernel working in ``folder``; cells whose grade id is in
    ``skip`` are not run. ``env`` is added to this process's environment for the kernel."""
    skipped = set(skip)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    kernel_env = {**os.environ, **(env or {})}
    with client.setup_kernel(env=kernel_env, cwd=str(folder)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and grade_id(cell) not in skipped:
                client.execute_cell(cell, index)
    return nb


def stream_text(cell: nbformat.NotebookNode, name: str) -> str:
    """Everything a cell wrote to ``stdout`` or ``stderr``."""
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == name)


def to_html(nb: nbformat.NotebookNode, path: Path) -> Path:
    """The notebook as nbconvert's HTML (the lab template), as an export shows it; the input of cells
    tagged ``HIDE_INPUT`` is left out."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    settings = Config()
    settings.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT}
    body, _ = HTMLExporter(config=settings).from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")
    return path


def chromium() -> str:
    """The headless browser's command; a clear error naming the package when there is none."""
    for name in CHROMIUM:
        if found := shutil.which(name):
            return found
    raise FileNotFoundError("no chromium for the screenshot: install the Debian package `chromium` "
                            "(apt-get install chromium)")


def screenshot(html: Path, png: Path, width: int = 1000, height: int = 6000) -> Path:
    """A PNG of ``html`` taken by headless chromium (a fresh profile, no network services), the blank
    space under the page cut off."""
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nndebug-chromium-") as profile:
        cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--screenshot={png.resolve()}", html.resolve().as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium wrote no {png} (exit {result.returncode}):\n{result.stderr[-2000:]}")
    crop_blank_bottom(png)
    return png


def crop_blank_bottom(png: Path, margin: int = 24) -> None:
    """Cut the white rows under the last non-white one (keeping ``margin`` of them)."""
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
    if box:
        rgb.crop((0, 0, rgb.width, min(rgb.height, box[3] + margin))).save(png, optimize=True)


def student_excerpt(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What the screenshot shows: the title cell and everything from the seed's buggy run on, the code of
    the training-curve cells hidden (their plots shown)."""
    ids = [grade_id(c) for c in nb.cells]
    excerpt = nbformat.from_dict(json.loads(json.dumps(nb)))
    excerpt.cells = [excerpt.cells[0], *excerpt.cells[ids.index(BUGGY_RUN):]]
    for cell in excerpt.cells:
        if grade_id(cell).startswith(CURVES):
            cell.metadata.setdefault("tags", []).append(HIDE_INPUT)
    return excerpt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nndebug.tools.screenshot", description=__doc__)
    parser.add_argument("--notebook", default=config.notebook(config.TASKS[-1]),
                        help="the release notebook (default: the last task's, the quickest to run)")
    parser.add_argument("--lang", choices=("ru", "en"), default="ru")
    parser.add_argument("--out", type=Path, default=config.ROOT / "docs" / "student_notebook.png")
    parser.add_argument("--html", type=Path, help="also keep the whole executed notebook as HTML here")
    args = parser.parse_args(argv)
    nb = answered(args.notebook, args.lang)
    with tempfile.TemporaryDirectory(prefix="nndebug-student-") as tmp:
        folder = stage(Path(tmp) / "run", args.notebook)
        # As exported: no progress bars (they leave no trail in Jupyter or Colab either).
        execute(nb, folder, env={"TQDM_DISABLE": "1"})
        if args.html:
            to_html(nb, args.html)
        html = to_html(student_excerpt(nb), Path(tmp) / "excerpt.html")
        screenshot(html, args.out)
    data = config.grading_data(args.notebook).relative_to(config.ROOT)
    print(f"{args.out}: {args.notebook} ({args.lang}) answered with the reference, executed on {data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
