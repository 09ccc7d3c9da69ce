"""Run nbgrader's command line from the kit's Python, in a course directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def nbgrader_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for nbgrader: this Python's bin/ first on PATH (nbgrader runs ``alembic``)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(extra or {})
    return env


def run_nbgrader(root: Path, *args: str, env: dict[str, str] | None = None, log: Path | None = None,
                 timeout: float | None = None) -> int:
    """``nbgrader <args>`` in course ``root``; output appended to ``log`` (else captured). Exit code."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    if log is None:
        proc = subprocess.run(cmd, cwd=root, env=nbgrader_env(env), capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode:
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        return proc.returncode
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as fh:
        fh.write(f"$ nbgrader {' '.join(args)}\n")
        fh.flush()
        try:
            return subprocess.run(cmd, cwd=root, env=nbgrader_env(env), stdout=fh, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            fh.write(f"\nnbgrader did not finish within {timeout} s; stopped.\n")
            return 124
