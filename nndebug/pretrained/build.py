"""Build ``data/pretrained_model.pt``: train the seed's ResNet18, zero kit.toml [model].zeroed, check, save.

The checks (a), (b), (c) of ``verify`` are part of the build: it fails, saving nothing, when one is not met.
The file loads as the seed does: ``model.load_state_dict(torch.load(path, map_location='cpu'))``.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from nndebug import config
from nndebug.course import cells
from nndebug.mnist import build as data_build
from nndebug.mnist import manifest
from nndebug.mnist.errors import DataError
from nndebug.pretrained import clean, corrupt, train, verify

FORMAT = 1
MANIFEST_FILE = config.MODEL_FILE.with_name(config.MODEL_FILE.stem + ".manifest.json")
# Settings that change the model; a build with other values is stale.
MODEL_KEYS = (
    "seed", "epochs", "lr", "momentum", "batch_size", "schedule", "zeroed", "check_lr", "check_epochs",
)


class ModelError(RuntimeError):
    """The trained or bug-seeded model misses a requirement (accuracy, or checks (a)-(c))."""


@dataclass
class Result:
    skipped: bool
    manifest: dict[str, Any]


def expected(data_manifest: Path) -> dict[str, Any]:
    """What a valid build's manifest must record: format, settings, the data it was trained on."""
    chosen = config.kit().model
    values = {key: getattr(chosen, key) for key in MODEL_KEYS}
    values = {key: list(v) if isinstance(v, tuple) else v for key, v in values.items()}  # as in the manifest
    return {"format": FORMAT, "settings": values,
            "data_manifest_sha256": manifest.sha256_file(data_manifest)}


def problems(model_file: Path, recorded: dict[str, Any] | None, wanted: dict[str, Any]) -> list[str]:
    """Why the model on disk is stale or invalid; empty when it is the one its manifest describes."""
    if recorded is None:
        return [f"{MANIFEST_FILE.name} missing"]
    stale = [key for key in wanted if recorded.get(key) != wanted[key]]
    if stale:
        return [f"{MANIFEST_FILE.name}: {', '.join(stale)} changed"]
    recorded_sha = recorded["sha256"].get(model_file.name)
    if not model_file.is_file() or manifest.sha256_file(model_file) != recorded_sha:
        return [f"{model_file} missing or changed"]
    if not all(check["passed"] for check in recorded["checks"].values()):
        return ["a check failed"]
    return []


def build(data_dir: Path = config.MNIST_DATA, model_file: Path = config.MODEL_FILE,
          manifest_path: Path = MANIFEST_FILE, data_manifest: Path = data_build.MANIFEST_FILE,
          force: bool = False, progress: bool = True) -> Result:
    """Train, seed the bug, check and save, unless a valid model for the same data and settings is there."""
    if not data_manifest.is_file():
        raise DataError(f"{data_manifest}: missing; build the data first (`make data`)")
    wanted = expected(data_manifest)
    with manifest.build_lock(model_file):
        recorded = manifest.read(manifest_path)
        if not force and not problems(model_file, recorded, wanted):
            return Result(True, recorded)
        if not force and is_published(model_file):
            return Result(True, recorded or {})  # the model students got: never retrained over
        source = (manifest.read(data_manifest) or {}).get("source", {}).get("name", "")
        new = wanted | train_and_seed(data_dir, model_file, source, progress, data_manifest)
        manifest.write(manifest_path, new)
        return Result(False, new)


def is_published(model_file: Path) -> bool:
    """Is ``model_file`` the model ``make publish`` handed out (its SHA-256 in published.json)?"""
    from nndebug.course.record import model_mismatch, read_record

    record = read_record()
    return record is not None and model_file.exists() and model_mismatch(model_file, record) is None


def quiet_cells() -> Any:
    """The notebooks' shared cells as a module (their import-time chatter swallowed)."""
    with contextlib.redirect_stderr(io.StringIO()):
        return cells.load()


def train_and_seed(data_dir: Path, model_file: Path, source: str, progress: bool,
                   data_manifest: Path = data_build.MANIFEST_FILE) -> dict[str, Any]:
    """The work of a build; returns the manifest's results part. Saves only when every check passes."""
    chosen = config.kit().model
    seed, names, batch_size = chosen.seed, list(chosen.zeroed), chosen.batch_size
    full = source in ("mnist_dir", "torchvision")
    floor = chosen.min_val_acc_full if full else chosen.min_val_acc_embedded
    module = quiet_cells()
    data = train.load_split(module, data_dir, "train")
    val = train.load_split(module, data_dir, "val")
    dev = train.device()
    torch.manual_seed(seed)
    model = module.ResNet18().to(dev)
    optimizer = torch.optim.SGD(model.parameters(), lr=chosen.lr, momentum=chosen.momentum)
    train.fit(model, optimizer, data, chosen.epochs, batch_size, seed, "pretrain", progress,
              cosine=chosen.schedule == "cosine")
    before = train.accuracy(model, val)
    if before < floor:
        raise ModelError(f"trained model reaches val accuracy {before:.4f} < {floor} required for source "
                         f"{source!r}; raise kit.toml [model].epochs or tune lr")
    if model_file == config.MODEL_FILE:   # the kit's own build: the variant models start from these weights
        clean.save(model.state_dict(), before, data_manifest)
    state = corrupt.zeroed(model.state_dict(), names)
    model.load_state_dict(state)
    after = train.accuracy(model, val)
    check_lr, check_epochs = chosen.check_lr, chosen.check_epochs
    as_is = verify.train_as_is(model, data, val, check_lr, check_epochs, batch_size, seed + 1, progress)
    recovered = verify.reinit_and_finetune(model, names, data, val, check_lr, 1, batch_size, seed + 2,
                                           progress)
    found_zero = corrupt.all_zero(state)
    checks = {
        "a_output_identical": verify.outputs_identical(model, val.samples[:batch_size]),
        "b_train_as_is": {"val_acc": as_is, "epochs": check_epochs, "lr": check_lr,
                          "bound": chosen.max_val_acc_buggy, "passed": as_is < chosen.max_val_acc_buggy},
        "c_reinit_finetune": {"val_acc": recovered, "epochs": 1, "lr": check_lr,
                              "within": chosen.recover_within,
                              "passed": recovered >= before - chosen.recover_within},
        "zeroed_are_the_all_zero_tensors": {"all_zero": found_zero,
                                            "passed": sorted(found_zero) == sorted(names)},
    }
    failed = [name for name, check in checks.items() if not check["passed"]]
    if failed:
        raise ModelError(f"bug-seeded model fails {', '.join(failed)}: {checks}; nothing saved to "
                         f"{model_file}; tune kit.toml [model]")
    # torch.save names its archive after the file: save under the final name, then move into place.
    staging = model_file.with_name(f".{model_file.name}.partial")
    staging.mkdir(exist_ok=True)
    torch.save(state, staging / model_file.name)
    (staging / model_file.name).replace(model_file)
    staging.rmdir()
    return {"seed": seed, "zeroed": names, "device": dev.type, "source": source,
            "val_acc_before_zeroing": before, "val_acc_after_zeroing": after, "min_val_acc": floor,
            "checks": checks, "sha256": {model_file.name: manifest.sha256_file(model_file)}}
