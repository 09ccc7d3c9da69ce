"""One settings path: the kit's code and tests read kit.toml only through the typed ``config.kit()``.

An AST scan: no raw table access (``config.settings()``, ``config.task(n)``), no ``NN_DEBUG_KIT`` looked up
outside nndebug/config.py and nndebug/settings.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

from nndebug import config

RAW = {"settings", "task"}                 # config.settings()[...], config.task(n)[...]: gone
OWNERS = {"nndebug/config.py", "nndebug/settings.py"}


def sources() -> list[Path]:
    return sorted([*(config.ROOT / "nndebug").rglob("*.py"), *(config.ROOT / "tests").rglob("*.py"),
                   config.ROOT / "nbgrader_config.py"])


def raw_reads(path: Path, rel: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "config"
                and node.attr in RAW):
            found.append(f"{rel}:{node.lineno}: config.{node.attr} (read config.kit(), typed)")
        if isinstance(node, ast.ImportFrom) and node.module == "nndebug.config":
            found += [f"{rel}:{node.lineno}: from nndebug.config import {a.name}" for a in node.names
                      if a.name in RAW]
        if rel not in OWNERS and isinstance(node, ast.Constant) and node.value == config.KIT_ENV:
            found.append(f"{rel}:{node.lineno}: {node.value!r} (config.settings_file() reads it)")
    return found


def test_no_raw_settings_reads() -> None:
    found = [hit for path in sources() for hit in raw_reads(path, path.relative_to(config.ROOT).as_posix())]
    assert not found, "settings read around config.kit():\n" + "\n".join(found)


def test_the_scan_sees_a_raw_read(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text('from nndebug import config\nx = config.settings()["course"]\ny = config.task(1)\n'
                   'z = os.environ["NN_DEBUG_KIT"]\n')
    assert len(raw_reads(bad, "nndebug/probe.py")) == 3
