"""The seed's trained ResNet18 before a bug is seeded, kept kit-side (``data/pretrained/clean/``): the
task-3 variant models (``nndebug.variants.models``) start from the very weights the seed's build trained
instead of training them again. Kept under ``data/`` (git-ignored), never published or staged: only
bug-seeded models leave the kit. Reused only while the training settings and the data are the same."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from nndebug import config
from nndebug.mnist import manifest

CLEAN_DIR = config.DATA_DIR / "pretrained" / "clean"
STATE_FILE = CLEAN_DIR / "state.pt"
MANIFEST_FILE = CLEAN_DIR / "manifest.json"
# What the clean weights hang on (kit.toml [model]); the zeroed tensors and the checks do not change them.
TRAINING_KEYS = ("seed", "epochs", "lr", "momentum", "batch_size", "schedule")


def key(data_manifest: Path) -> dict[str, Any]:
    """What the clean weights depend on: the training settings of kit.toml [model] and the data."""
    chosen = config.kit().model
    return {"settings": {name: getattr(chosen, name) for name in TRAINING_KEYS},
            "data_manifest_sha256": manifest.sha256_file(data_manifest)}


def save(state: dict[str, torch.Tensor], before: float, data_manifest: Path) -> None:
    """Keep ``state`` (the trained weights, before zeroing) and its val accuracy for the variant builds."""
    CLEAN_DIR.mkdir(parents=True, exist_ok=True)
    partial = STATE_FILE.with_name(STATE_FILE.name + ".partial")
    torch.save({k: v.detach().cpu().clone() for k, v in state.items()}, partial)
    partial.replace(STATE_FILE)
    manifest.write(MANIFEST_FILE, key(data_manifest) | {"val_acc_before_zeroing": before,
                                                         "sha256": manifest.sha256_file(STATE_FILE)})


def load(data_manifest: Path) -> tuple[dict[str, torch.Tensor], float] | None:
    """The kept weights and their val accuracy, or None when none are kept for these settings and data."""
    recorded = manifest.read(MANIFEST_FILE)
    wanted = key(data_manifest)
    if recorded is None or any(recorded.get(k) != v for k, v in wanted.items()) or not STATE_FILE.is_file() \
            or manifest.sha256_file(STATE_FILE) != recorded.get("sha256"):
        return None
    state = torch.load(STATE_FILE, map_location="cpu", weights_only=True)
    return state, float(recorded["val_acc_before_zeroing"])
