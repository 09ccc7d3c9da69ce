"""Scan what ``make publish`` wrote for anything only the instructor may have: solution and hidden-test
markers, the kit package's name, and lines of the solutions, hidden tests, the kit's code (grading
included), the rubric and kit.toml that the release notebooks do not hold themselves."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from nndebug import config

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "nndebug",
           "[[task1.concepts]]", "NN_DEBUG_ANSWERS")
MIN_LINE = 25   # shorter lines ("model.eval()") are too common to tell a leak
TEXT_SUFFIXES = {".md", ".ipynb", ".txt", ".env", ".json", ".py", ".toml", ".csv", ""}


def _notebook_lines(path: Path) -> list[str]:
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (ValueError, UnicodeDecodeError):
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    lines = []
    for cell in cells:
        source = cell.get("source", "")
        lines += ("".join(source) if isinstance(source, list) else source).splitlines()
        for output in cell.get("outputs", []):
            lines += "".join(output.get("text", "")).splitlines()
    return lines


def _lines(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        return _notebook_lines(path)
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def _kept(lines: list[str]) -> set[str]:
    return {s for s in (line.strip() for line in lines) if len(s) >= MIN_LINE}


def instructor_files() -> list[Path]:
    """What students must not get: source notebooks, authoring sources, the kit's code (grading and
    verification included), rubric, kit.toml."""
    files = sorted((config.SOURCE_DIR / config.assignment()).glob("*.ipynb"))
    files += sorted(config.NOTEBOOKS_DIR.glob("*.py"))
    files += sorted((config.ROOT / "nndebug").rglob("*.py"))
    return files + [p for p in (config.RUBRIC_FILE, config.settings_file()) if p.exists()]


def release_folders(root: Path = config.ROOT) -> list[Path]:
    """The release notebooks' folders under ``root``: ``release/<assignment>`` and its translations."""
    return sorted(p for p in (root / "release").glob(f"{config.assignment()}*") if p.is_dir())


def secret_lines(release_dirs: list[Path]) -> set[str]:
    """Lines of the instructor's files that the release notebooks do not hold (so never the given code)."""
    given = set()
    for path in sorted(p for folder in release_dirs for p in folder.glob("*.ipynb")):
        given |= _kept(_notebook_lines(path))
    secret = set()
    for path in instructor_files():
        secret |= _kept(_lines(path))
    return secret - given


def _zip_text(path: Path) -> list[str]:
    lines = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            lines.append(info.filename)
            if Path(info.filename).suffix in (".csv", ".txt", ".md", ".py", ".json", ".toml", ".ipynb"):
                lines += archive.read(info).decode("utf-8", errors="replace").splitlines()
    return lines


def scan(folder: Path, release_dirs: list[Path] | None = None) -> list[str]:
    """Every leak under ``folder``, as ``path: what``; empty when it is clean."""
    secret = secret_lines(release_dirs or release_folders())
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        shown = path.relative_to(folder)
        if path.suffix == ".zip":
            lines = _zip_text(path)
        elif path.suffix in TEXT_SUFFIXES:
            lines = _lines(path)
        else:  # binary (the model): only the markers can show
            lines = [path.read_bytes().decode("latin-1")]
        text = "\n".join(lines)
        leaks += [f"{shown}: holds {marker!r}" for marker in MARKERS if marker in text]
        found = sorted(s for s in _kept(lines) if s in secret)
        if found:
            leaks.append(f"{shown}: {len(found)} line(s) of the solutions, hidden tests, grading code, "
                         f"rubric or kit.toml, e.g. {found[0][:80]!r}")
    return leaks
