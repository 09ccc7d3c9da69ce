"""`make demo`'s grading step on a machine without bubblewrap: installed as .ci/run does where root and
apt-get allow it; otherwise only the kit's own samples are graded, unsandboxed, saying so in one line.

Run with stand-ins for id, apt-get and the venv's python, so nothing is installed or graded here."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nndebug import config

MAKE = shutil.which("make")


def stand_ins(tmp: Path, uid: int, apt_works: bool, sandbox_works: bool) -> dict[str, Path]:
    bin_dir, log = tmp / "bin", tmp / "calls.log"
    bin_dir.mkdir()
    installs = (f"[ \"$1\" = install ] && printf '#!/bin/sh\\n' > {bin_dir}/bwrap && "
                f"chmod +x {bin_dir}/bwrap\nexit 0\n")
    fails = "[ \"$1\" = update ] || exit 100\n"  # the index updates, the package never installs
    scripts = {
        "id": f"#!/bin/sh\necho {uid}\n",
        # apt-get "installs" bwrap when it works
        "apt-get": f"#!/bin/sh\necho \"apt-get $*\" >> {log}\n" + (installs if apt_works else fails),
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    python = tmp / "python"
    python.write_text(f"#!/bin/sh\nif [ \"$1\" = -c ]; then exit {0 if sandbox_works else 1}; fi\n"
                      f"echo \"python $*\" >> {log}\n")
    python.chmod(0o755)
    stamp = tmp / "installed"
    stamp.touch()
    os.utime(stamp, (2**31 - 1, 2**31 - 1))  # newer than requirements.txt: no venv build
    return {"bin": bin_dir, "log": log, "python": python, "stamp": stamp}


def demo_grade(tmp: Path, **machine) -> tuple[str, list[str]]:
    shims = stand_ins(tmp, **machine)
    env = {"PATH": str(shims["bin"]), "HOME": str(tmp)}
    out = subprocess.run([MAKE, "--no-print-directory", "demo-grade", f"PY={shims['python']}",
                          f"STAMP={shims['stamp']}"], cwd=config.ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    calls = shims["log"].read_text().splitlines() if shims["log"].exists() else []
    return out.stdout, calls


pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def test_without_bwrap_and_without_root_only_the_samples_are_graded_unsandboxed(tmp_path: Path) -> None:
    stdout, calls = demo_grade(tmp_path, uid=1000, apt_works=True, sandbox_works=False)
    assert not any(c.startswith("apt-get") for c in calls)  # not root: nothing installed
    assert calls == ["python -m nndebug autograde --root demo --no-sandbox --student demo_reference "
                     "--student demo_untouched"]
    said = [line for line in stdout.splitlines() if line.startswith("demo:")]
    assert len(said) == 1 and "without it" in said[0] and "demo_reference demo_untouched" in said[0]


def test_as_root_with_apt_bwrap_is_installed_and_everyone_is_graded_sandboxed(tmp_path: Path) -> None:
    stdout, calls = demo_grade(tmp_path, uid=0, apt_works=True, sandbox_works=True)
    assert calls[0] == "apt-get install -y -q bubblewrap"
    assert calls[1:] == ["python -m nndebug autograde --root demo"]  # sandboxed, every demo student
    assert "demo:" not in stdout


def test_as_root_when_apt_cannot_install_it_falls_back_to_the_samples(tmp_path: Path) -> None:
    stdout, calls = demo_grade(tmp_path, uid=0, apt_works=False, sandbox_works=False)
    assert calls[:3] == ["apt-get install -y -q bubblewrap", "apt-get update -q",
                         "apt-get install -y -q bubblewrap"]  # as .ci/run does
    assert calls[3:] == ["python -m nndebug autograde --root demo --no-sandbox --student demo_reference "
                         "--student demo_untouched"]
    assert "demo: no working bwrap sandbox" in stdout


def test_samples_go_to_their_own_course_never_the_class_submitted(tmp_path: Path) -> None:
    """`make samples` writes demo/ (its source, release, config and submitted/); the class's submitted/
    is untouched, so `make autograde` and `make return` of a real class never see the samples."""
    from nndebug.__main__ import main
    from nndebug.course.demo import write_demo_course

    if not (config.RELEASE_DIR / config.assignment()).is_dir():
        pytest.skip("no release/: make release first")
    course = tmp_path / "demo"
    folders = write_demo_course(course)
    assert [f.name for f in folders] == ["demo_reference", "demo_untouched"]
    assert all(f.parent == course / "submitted" for f in folders)
    assignment = config.assignment()
    for name in ("source", "release"):
        assert sorted(p.name for p in (course / name / assignment).glob("*.ipynb"))
    assert (course / "nbgrader_config.py").is_file()
    assert (course / "submitted" / "demo_reference" / assignment).is_dir()
    assert main(["samples", "--course", str(config.ROOT)]) != 0     # the class's own root: refused
    makefile = (config.ROOT / "Makefile").read_text()
    assert "nndebug samples --course $(DEMO_DIR)" in makefile and "summary --root $(DEMO_DIR)" in makefile
