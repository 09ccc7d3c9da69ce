"""kit.toml is validated at load: broken files fail with one message naming the file, the line and the key."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nndebug import config, settings
from nndebug.settings import SettingsError

KIT = config.settings_file().read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in KIT, old
    path = tmp_path / "kit.toml"
    path.write_text(KIT.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def test_the_kits_own_settings_load_typed() -> None:
    kit = settings.parse(config.settings_file())
    assert kit.task_numbers == config.TASKS == tuple(range(1, len(kit.tasks) + 1))
    assert isinstance(kit.tasks[1].epochs, int) and isinstance(kit.checks.task1_min_accuracy, float)
    assert kit.model.zeroed == tuple(config.kit().model.zeroed)


def test_a_typo_in_a_key_names_the_line_and_the_known_keys(tmp_path: Path) -> None:
    path = broken(tmp_path, "points_fix = 0.2", "point_fix = 0.2")
    with pytest.raises(SettingsError, match=rf"kit.toml:{line_of(path, 'point_fix')}: \[tasks.1\] has no "
                                            r"setting 'point_fix'.*points_fix"):
        settings.parse(path)


def test_a_string_where_a_number_goes(tmp_path: Path) -> None:
    path = broken(tmp_path, "epochs = 10", 'epochs = "10"')
    line = line_of(path, 'epochs = "10"')
    with pytest.raises(SettingsError, match=rf"kit.toml:{line}: \[tasks.1\] epochs = "
                                            "'10' must be a whole number"):
        settings.parse(path)


def test_a_missing_task_a_missing_key_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"numbered \[1, 3, 4\]"):
        settings.parse(broken(tmp_path, "[tasks.2]", "[tasks.4]").with_name("kit.toml"))
    with pytest.raises(SettingsError, match=r"\[checks\] lacks 'task3_min_accuracy'"):
        settings.parse(broken(tmp_path, "task3_min_accuracy = 0.9", ""))
    with pytest.raises(SettingsError, match=r"kit.toml: not valid TOML: .*line"):
        settings.parse(broken(tmp_path, "[grading]", "[grading"))
    with pytest.raises(SettingsError, match=r"unknown section \[grade\]"):
        settings.parse(broken(tmp_path, "[grading]", "[grade]"))


def test_the_cli_says_it_in_one_line(tmp_path: Path) -> None:
    """A verb run against a broken kit.toml exits 2 with the message on stderr, not a traceback."""
    path = broken(tmp_path, "epochs = 10", 'epochs = "10"')
    env = {**os.environ, config.KIT_ENV: str(path)}
    proc = subprocess.run([sys.executable, "-m", "nndebug", "summary"], capture_output=True, text=True,
                          cwd=config.ROOT, env=env, timeout=120)
    assert proc.returncode == 2 and "must be a whole number" in proc.stderr and "Traceback" not in proc.stderr


def test_another_kit_toml_swaps_in_within_the_process(tmp_path: Path) -> None:
    """kit.toml is read when first asked for: config.use() swaps another one in for a block, then back."""
    path = broken(tmp_path, "epochs = 10", "epochs = 7")
    before = config.kit()
    with config.use(path) as kit:
        assert config.settings_file() == path and config.kit() is kit and kit.tasks[1].epochs == 7
    assert config.kit() is before and before.tasks[1].epochs == 10


def test_every_default_is_the_schemas() -> None:
    """Leaving out a key that may be left out gives the schema's default, wherever the key is read."""
    left_out = ("scale_to", "canvas_assignment")
    text = "\n".join(line for line in KIT.splitlines() if not line.startswith(left_out))
    with config.use(settings.parse_text(text)) as kit:
        assert kit.returns.scale_to == 0 and kit.returns.canvas_assignment == "NN debug"
        from nndebug.outbound.outbound import return_settings
        assert return_settings() is kit.returns
