"""Hostile submissions are contained: each attack fails inside its kernel, the student gets the grade of
their honest work, and every other result is unchanged."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace

import pytest
import toy_course as toy

from nndebug import config
from nndebug.autograde import sandbox
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.limits import Limits
from nndebug.autograde.sandbox import SandboxSpec, bwrap_command, check_sandbox
from nndebug.autograde.stage import Inputs

slow = pytest.mark.slow  # every test here but the file-size one runs real kernels under bwrap
LIMITS = replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60, memory_mb=1024,
                 max_processes=48, max_output_kb=64, max_file_mb=16)

# Each attack prints CONTAINED <what> when its attempt fails and LEAKED <what> when it succeeds.
PROBE = '''
answer = 42
import glob, os, socket
def _probe(what, action):
    try:
        result = action()
    except BaseException as err:
        print("CONTAINED", what, type(err).__name__)
    else:
        print("LEAKED" if result else "CONTAINED", what, repr(result)[:200])
'''
ATTACKS = {
    "read_source": PROBE + '''
_probe("source-relative", lambda: os.listdir("../../../source"))
_probe("source-absolute", lambda: os.listdir("{root}/source"))
_probe("source-glob", lambda: [p for p in glob.glob("{root}/**/*.ipynb", recursive=True) if "/source/" in p])
_probe("read-hidden", lambda: open("{root}/source/toyhw/toy.ipynb").read())
_probe("release", lambda: os.listdir("{root}/release"))
_probe("config", lambda: open("{root}/nbgrader_config.py").read())
_probe("gradebook", lambda: open("{root}/gradebook.db", "rb").read(16))
_probe("gradebook-relative", lambda: open("../../../gradebook.db", "rb").read(16))
_probe("autograded-others", lambda: sorted(set(os.listdir("{root}/autograded")) - {"read_source"}))
_probe("rubric", lambda: open("{kit}/notebooks/rubric.toml").read())
_probe("kit-settings", lambda: open("{kit}/kit.toml").read())
_probe("verifier-code", lambda: os.listdir("{kit}/nndebug/verify"))
_probe("rubric-code", lambda: os.listdir("{kit}/nndebug/rubric"))
''',
    "write_gradebook": PROBE + '''
_probe("write-gradebook", lambda: open("{root}/gradebook.db", "wb").write(b"0" * 64))
_probe("write-gradebook-relative", lambda: open("../../../gradebook.db", "wb").write(b"0" * 64))
_probe("write-scores", lambda: open("{root}/autograded/scores.csv", "w").write("x"))
''',
    "network": PROBE + '''
_probe("socket", lambda: socket.create_connection(("1.1.1.1", 80), timeout=3))
_probe("dns", lambda: socket.getaddrinfo("pypi.org", 443))
''',
    "other_student": PROBE + '''
_probe("submitted", lambda: os.listdir("{root}/submitted"))
_probe("victim", lambda: open("{root}/submitted/victim/toyhw/toy.ipynb").read())
_probe("victim-relative", lambda: os.listdir("../../victim"))
''',
    "fork_bomb": PROBE + '''
import time
def _fork_many():
    children = []
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            time.sleep(5)
            os._exit(0)
        children.append(pid)
    return len(children)
_probe("fork-200", _fork_many)
''',
    "memory_hog": PROBE + '''
_probe("allocate-3GB", lambda: bytearray(3 * 1024**3))
''',
    "huge_file": PROBE + '''
_probe("write-32MB", lambda: open("big.bin", "wb").write(b"0" * 32 * 1024**2))
_probe("write-32MB-tmp", lambda: open("/tmp/big.bin", "wb").write(b"0" * 32 * 1024**2))
_probe("write-32MB-shm", lambda: open("/dev/shm/big.bin", "wb").write(b"0" * 32 * 1024**2))
_probe("small-file-still-written", lambda: not open("small.txt", "w").write("ok"))
''',
}
# Hides failures: answer is wrong, so its test must still fail.
HIDE_TRACEBACKS = '''answer = 41
from IPython.core.interactiveshell import InteractiveShell
import ast
InteractiveShell.showtraceback = lambda *a, **k: None
get_ipython().showtraceback = lambda *a, **k: None
class _Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        return ast.fix_missing_locations(ast.Module(body=[ast.Try(body=node.body, handlers=[handler],
                                                                  orelse=[], finalbody=[])], type_ignores=[]))
get_ipython().ast_transformers.append(_Swallow())
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = toy.build(tmp_path_factory.mktemp("attacks"))
    data, model = toy.inputs(root)
    toy.submit(root, "victim", toy.honest)
    course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model), limits=LIMITS)
    autograde(course, echo=lambda *_: None)
    before = toy.scores(root)["victim"]
    victim_nb = (root / "autograded" / "victim" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.ipynb").read_bytes()
    for student, code in ATTACKS.items():
        code = code.replace("{root}", str(root)).replace("{kit}", str(config.ROOT))
        toy.submit(root, student, toy.fix(code))
    toy.submit(root, "hide_tracebacks", toy.fix(HIDE_TRACEBACKS))
    autograde(course, echo=lambda *_: None)
    return course, before, hashlib.sha256(victim_nb).hexdigest()


@slow
@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_attack_is_contained_and_honest_work_graded(graded, student):
    course, _, _ = graded
    text = toy.outputs_text(course.root, student)
    assert "CONTAINED" in text, text[:2000]
    assert "LEAKED" not in text, text[:2000]
    assert sum(toy.scores(course.root)[student].values()) == 3


@slow
def test_fork_bomb_hits_the_process_limit(graded):
    course, _, _ = graded
    assert "CONTAINED fork-200 BlockingIOError" in toy.outputs_text(course.root, "fork_bomb")


@slow
def test_memory_hog_fails_inside_the_kernel(graded):
    course, _, _ = graded
    assert "CONTAINED allocate-3GB MemoryError" in toy.outputs_text(course.root, "memory_hog")


@slow
def test_huge_file_fails_inside_the_kernel(graded):
    """Every file a kernel writes is size-limited ([grading] max_file_mb): past it the write fails inside
    the kernel, the kernel goes on, and the student's honest work is graded (the parametrized test above)."""
    course, _, _ = graded
    text = toy.outputs_text(course.root, "huge_file")
    for where in ("write-32MB", "write-32MB-tmp", "write-32MB-shm"):
        assert f"CONTAINED {where} OSError" in text, text[:2000]
    assert "CONTAINED small-file-still-written False" in text   # written: the kernel went on


def test_a_write_past_the_file_limit_fails_and_the_process_goes_on(tmp_path, monkeypatch):
    """The kernel's prlimit (no bwrap needed): RLIMIT_FSIZE refuses the write with EFBIG (Python ignores
    SIGXFSZ), the file stops at the limit, and the process writes other files and exits cleanly."""
    monkeypatch.setattr(sandbox, "drops_to_nobody", lambda: False)   # the limit, not the user, is tested
    code = ("import errno\ntry:\n    open('big.bin', 'wb').write(b'0' * 3 * 1024**2)\n"
            "except OSError as err:\n    print('refused', errno.errorcode[err.errno])\n"
            "open('small.bin', 'wb').write(b'ok')\nprint('went on')")
    limits = replace(LIMITS, max_file_mb=1)
    assert f"--fsize={1024**2}" in sandbox.limit_prefix(limits)
    out = subprocess.run([*sandbox.limit_prefix(limits), sys.executable, "-c", code], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["refused", "EFBIG", "went", "on"], out
    assert (tmp_path / "big.bin").stat().st_size == 1024**2 and (tmp_path / "small.bin").read_bytes() == b"ok"


def test_the_file_limit_is_a_setting():
    assert Limits.from_settings().max_file_mb == config.kit().grading.max_file_mb > 0
    assert "--fsize=" in " ".join(sandbox.limit_prefix(Limits.from_settings()))


@slow
def test_hidden_tracebacks_still_fail_the_test(graded):
    course, _, _ = graded
    scores = toy.scores(course.root)["hide_tracebacks"]
    assert scores["task1_fix_test"] == 0
    assert scores["task1_explanation_test"] == 1


@slow
def test_other_results_unchanged(graded):
    course, before, victim_hash = graded
    assert toy.scores(course.root)["victim"] == before
    victim_nb = course.autograded / "victim" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.ipynb"
    assert hashlib.sha256(victim_nb.read_bytes()).hexdigest() == victim_hash
    assert (course.root / "gradebook.db").read_bytes()[:15] == b"SQLite format 3"


@slow
def test_sandbox_sees_only_its_mounts(tmp_path):
    check_sandbox()
    work, runtime = tmp_path / "work", tmp_path / "run"
    work.mkdir()
    runtime.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    spec = SandboxSpec(cwd=work, workdir=work, runtime_dir=runtime, limits=LIMITS)
    code = f"import os; print(os.path.exists({str(secret)!r}), os.listdir('/tmp'), os.getuid())"
    out = subprocess.run(bwrap_command(spec, [sys.executable, "-c", code]), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    exists, _, _ = out.stdout.partition(" ")
    assert exists == "False"
