"""Task 3's ``pretrained_model.pt`` for every variant (``make model`` with variants on).

Variant 0's is the kit's ``data/pretrained_model.pt``. The others are built here: the seed's ResNet18
trained as ``nndebug.pretrained.build`` trains it (kit.toml [model]; the very weights that build kept in
``data/pretrained/clean/``, else trained again), then the variant's tensors zeroed and
the build's checks (a)-(c) run on each: the output is the same for every input, training it as it is stays
near chance, re-initialising exactly those tensors and fine-tuning one epoch recovers. Each is saved, with
its manifest, only when every check passes: ``data/pretrained/<task3vK>/pretrained_model.pt``. Once
``published.json`` records a variant's model, that file is the one to grade with (``make published-model``
fetches it) and is never rebuilt over, as the seed's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from nndebug import config
from nndebug.mnist import build as data_build
from nndebug.mnist import manifest
from nndebug.pretrained import build, clean, corrupt, train, verify
from nndebug.variants import families
from nndebug.variants.families import Variant

VARIANTS_DIR = config.DATA_DIR / "pretrained"
TASK = 3


def model_file(variant: Variant) -> Path:
    """Where ``variant``'s pretrained_model.pt lies (variant 0: the kit's own)."""
    if variant.task != TASK:
        raise ValueError(f"{variant.key}: only task {TASK}'s variants have a model")
    return config.MODEL_FILE if variant.is_seed else VARIANTS_DIR / variant.key / config.MODEL_FILE.name


def manifest_file(variant: Variant) -> Path:
    return model_file(variant).with_name(build.MANIFEST_FILE.name)


def expected(variant: Variant) -> dict[str, Any]:
    """What a valid variant model's manifest records: the build's settings and data, and its tensors."""
    return build.expected(data_build.MANIFEST_FILE) | {"variant": variant.key, "zeroed": list(variant.zeroed)}


def published_hash(variant: Variant) -> str:
    """The SHA-256 ``published.json`` records for ``variant``'s model; "" when it records none."""
    from nndebug.course.record import read_record

    made = read_record()
    name = made.variant_models.get(variant.key, "") if made else ""
    return made.sha256.get(name, "") if made and name else ""


def not_published(variant: Variant) -> str:
    """Why ``variant``'s model is not the one published to students, with the fix; "" when it is (or when
    nothing of it is published)."""
    published = published_hash(variant)
    path = model_file(variant)
    if not published or (path.is_file() and manifest.sha256_file(path) == published):
        return ""
    return (f"{path} is not the {variant.key} model published to students (SHA-256 {published}): fetch it "
            "with `make published-model`, or publish the rebuilt one under a new release_tag")


def stale(variant: Variant) -> list[str]:
    """Why ``variant``'s model is missing or stale (empty: valid, or the published file)."""
    path, wanted = model_file(variant), expected(variant)
    published = published_hash(variant)
    if published and path.is_file() and manifest.sha256_file(path) == published:
        return []
    recorded = manifest.read(manifest_file(variant))
    if recorded is None:
        return [f"{manifest_file(variant)} missing"]
    changed = [key for key in wanted if recorded.get(key) != wanted[key]]
    if changed:
        return [f"{manifest_file(variant)}: {', '.join(changed)} changed"]
    if not path.is_file() or manifest.sha256_file(path) != recorded["sha256"].get(path.name):
        return [f"{path} missing or changed"]
    return []


def build_all(data_dir: Path = config.MNIST_DATA, force: bool = False, progress: bool = True) -> list[Path]:
    """Build every non-seed variant's model that is missing or stale; return the files written."""
    todo = [v for v in families.family(TASK)[1:] if force or stale(v)]
    if not todo:
        return []
    module = build.quiet_cells()
    data, val = train.load_split(module, data_dir, "train"), train.load_split(module, data_dir, "val")
    kept = clean.load(data_build.MANIFEST_FILE)   # the seed's build trained these very weights
    trained, before = kept if kept is not None else _pretrain(module, data, val, progress)
    return [_seed_one(v, module, trained, before, data, val, progress) for v in todo]


def _pretrain(module: Any, data: train.Digits, val: train.Digits,
              progress: bool) -> tuple[dict[str, torch.Tensor], float]:
    """The seed's ResNet18 trained as ``nndebug.pretrained.build`` trains it, and its val accuracy."""
    chosen = config.kit().model
    torch.manual_seed(chosen.seed)
    model = module.ResNet18().to(train.device())
    optimizer = torch.optim.SGD(model.parameters(), lr=chosen.lr, momentum=chosen.momentum)
    train.fit(model, optimizer, data, chosen.epochs, chosen.batch_size, chosen.seed, "pretrain", progress,
              cosine=chosen.schedule == "cosine")
    before = train.accuracy(model, val)
    trained = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    clean.save(trained, before, data_build.MANIFEST_FILE)
    return trained, before


def _seed_one(variant: Variant, module: Any, trained: dict[str, torch.Tensor], before: float,
              data: train.Digits, val: train.Digits, progress: bool) -> Path:
    chosen = config.kit().model
    names = list(variant.zeroed)
    state = corrupt.zeroed(trained, names)
    model = module.ResNet18().to(train.device())
    model.load_state_dict(state)
    as_is = verify.train_as_is(model, data, val, chosen.check_lr, chosen.check_epochs, chosen.batch_size,
                               chosen.seed + 1, progress)
    recovered = verify.reinit_and_finetune(model, names, data, val, chosen.check_lr, 1, chosen.batch_size,
                                           chosen.seed + 2, progress)
    found_zero = corrupt.all_zero(state)
    checks = {
        "a_output_identical": verify.outputs_identical(model, val.samples[:chosen.batch_size]),
        "b_train_as_is": {"val_acc": as_is, "bound": chosen.max_val_acc_buggy,
                          "passed": as_is < chosen.max_val_acc_buggy},
        "c_reinit_finetune": {"val_acc": recovered, "within": chosen.recover_within,
                              "passed": recovered >= before - chosen.recover_within},
        "zeroed_are_the_all_zero_tensors": {"all_zero": found_zero,
                                            "passed": sorted(found_zero) == sorted(names)},
    }
    failed = [name for name, check in checks.items() if not check["passed"]]
    if failed:
        raise build.ModelError(f"{variant.key}: the bug-seeded model fails {', '.join(failed)}: {checks}; "
                               "nothing saved; choose other tensors in nndebug/variants/families.py")
    path = model_file(variant)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    staging.mkdir(exist_ok=True)
    torch.save(state, staging / path.name)
    (staging / path.name).replace(path)
    staging.rmdir()
    manifest.write(manifest_file(variant), expected(variant) | {
        "val_acc_before_zeroing": before, "checks": checks,
        "sha256": {path.name: manifest.sha256_file(path)}})
    return path
