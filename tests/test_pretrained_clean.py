"""The seed's trained weights kept for the variant builds (nndebug.pretrained.clean): given back only for
the same training settings, data and file."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from nndebug import config
from nndebug.pretrained import clean


@pytest.fixture
def kept(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(clean, "CLEAN_DIR", tmp_path / "clean")
    monkeypatch.setattr(clean, "STATE_FILE", tmp_path / "clean" / "state.pt")
    monkeypatch.setattr(clean, "MANIFEST_FILE", tmp_path / "clean" / "manifest.json")
    data = tmp_path / "mnist_data.manifest.json"
    data.write_text('{"source": "test"}')
    clean.save({"w": torch.arange(4.0)}, 0.97, data)
    return data


def test_the_kept_weights_come_back_for_the_same_settings_and_data(kept: Path) -> None:
    state, before = clean.load(kept)
    assert torch.equal(state["w"], torch.arange(4.0)) and before == 0.97


def test_other_data_or_settings_or_a_changed_file_give_nothing(kept: Path, monkeypatch) -> None:
    kept.write_text('{"source": "other"}')
    assert clean.load(kept) is None
    kept.write_text('{"source": "test"}')
    assert clean.load(kept) is not None
    clean.STATE_FILE.write_bytes(clean.STATE_FILE.read_bytes() + b"\0")
    assert clean.load(kept) is None
    clean.save({"w": torch.arange(4.0)}, 0.97, kept)
    real = config.kit()
    longer = dataclasses.replace(real, model=dataclasses.replace(real.model, epochs=real.model.epochs + 1))
    monkeypatch.setattr(config, "kit", lambda: longer)
    assert clean.load(kept) is None
