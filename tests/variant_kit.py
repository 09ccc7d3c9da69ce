"""Helpers for the variants tests: kit settings with variants on, a course secret in a temporary folder."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nndebug import config
from nndebug.settings import Variants

KEY = bytes(range(32))


def variants_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pins: tuple[str, ...] = (),
                rerolls: tuple[str, ...] = ()) -> Path:
    """kit.toml as it is with [variants] enabled (pins, rerolls) and its secret file in ``tmp_path``."""
    secret = tmp_path / "course_secret.key"
    secret.write_text(KEY.hex() + "\n")
    kit = dataclasses.replace(config.kit(), variants=Variants(enabled=True, secret_file=str(secret),
                                                              pins=pins, rerolls=rerolls))
    monkeypatch.setattr(config, "kit", lambda: kit)
    return secret
