"""README's "Publishing to students" followed in a scratch copy of the repository: `make publish` (it writes
published.json and rebuilds source/ and release/ with the hashes), then the tests a course's CI runs on the
setup cell and the committed release. They must pass after publishing as they do before."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nndebug import config

pytestmark = pytest.mark.slow


def scratch_copy(dest: Path) -> Path:
    """The repository's tracked and untracked-but-not-ignored files under ``dest``; ``data/`` linked."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=config.ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = config.ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / "data").symlink_to(config.DATA_DIR, target_is_directory=True)
    return dest


def test_publish_then_the_setup_cell_and_release_tests_pass(tmp_path: Path, pretrained_model: Path) -> None:
    root = scratch_copy(tmp_path / "course")
    env = {**os.environ, "PYTHONPATH": str(root), config.KIT_ENV: str(root / "kit.toml")}
    done = subprocess.run([sys.executable, "-m", "nndebug", "publish", "--dist", str(tmp_path / "dist")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "published.json").is_file()
    notebooks = [*sorted((root / "release").rglob("*.ipynb")), *sorted((root / "source").rglob("*.ipynb"))]
    built = {p: p.read_bytes() for p in [root / "published.json", *notebooks]}
    again = subprocess.run([sys.executable, "-m", "nndebug", "publish", "--dist", str(tmp_path / "dist")],
                           cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr          # publishing again is safe
    assert {p: p.read_bytes() for p in built} == built
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_notebooks.py", "tests/test_release.py", "-k",
                            "setup_cell or drift or passes_its_checks"],
                           cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
