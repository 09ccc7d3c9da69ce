"""kit.toml, source/ and the published tree disagreeing is named with the command that carries it on."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from nndebug import config
from nndebug.publish.agree import disagreements
from nndebug.release import build as release

ASSIGNMENT = config.assignment()
T1 = f"{config.notebook(1)}.ipynb"


def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(config.SOURCE_DIR / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copytree(config.RELEASE_DIR / ASSIGNMENT, root / "release" / ASSIGNMENT)
    english = release.english_folder()
    shutil.copytree(config.RELEASE_DIR / english, root / "release" / english)
    shutil.copytree(root / "release" / ASSIGNMENT, root / "dist" / "student")
    shutil.copytree(root / "release" / release.english_folder(), root / "dist" / "student" / "en")
    return root


def test_all_agree_after_release_and_publish(tmp_path):
    assert disagreements(course(tmp_path)) == []


def test_points_changed_without_make_release_are_named(tmp_path):
    root = course(tmp_path)
    path = root / "source" / ASSIGNMENT / T1
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "task1_fix_shuffle":
            cell["metadata"]["nbgrader"]["points"] = 0.5        # as before a points change in kit.toml
    path.write_text(json.dumps(nb))
    [line] = disagreements(root)
    assert "kit.toml [tasks.1]" in line and "0.5" in line and "make release" in line


def test_a_release_that_is_not_what_was_published_is_named(tmp_path):
    root = course(tmp_path)
    (root / "dist" / "student" / "en" / T1).write_text("{}")
    (root / "dist" / "student" / T1).write_text("{}")
    lines = disagreements(root)
    assert len(lines) == 2 and all("make publish" in line for line in lines)
