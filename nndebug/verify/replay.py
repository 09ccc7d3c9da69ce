"""The trusted replay: the kit trains the task's network with its own code on the grading data, taking from
the student only the answer to the task's one question, as data (:mod:`nndebug.verify.answer`), everything
else at the reference:

- task 1: the order the student's training loader deals the digits (:mod:`nndebug.verify.order`), a fresh
  ``ResNet18`` and the given ``SGD(lr=1e-2)``;
- task 2: the student's optimizer (a class of ``torch.optim``, its parameter groups and settings as torch's
  ``state_dict`` reported them), a fresh ``ResNet18`` and the given shuffled loader;
- task 3: the student's start weights after the repair, the given ``SGD(lr=1e-2)`` and shuffled loader.

The measured outcome (accuracy on the held-back digits, which no kernel can read; the weight norm) is what the
verdict rests on, and the replay's curves are what feedback plots. Replays are cached by the content of what
they depend on (the answer, the grading data, the code), so a class of equal answers trains once.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nndebug import config
from nndebug.verify import measure, order
from nndebug.verify.answer import Answer, Group
from nndebug.verify.order import NotReplayable

CACHE_DIR = "replays"
CACHE_ENV = "NN_DEBUG_REPLAY_CACHE"   # another folder for the replays (make bench: a cold cache)
GIVEN_LR = 1e-2
GIVEN_BATCH = 128
MAX_LR = 100.0
FORCED = {"foreach": None, "fused": None, "differentiable": False, "capturable": False}


@dataclass(frozen=True)
class Replay:
    """What the kit's own training of the student's answer measured."""

    accuracy: float
    weight_ratio: float
    curves: dict[str, list[float]]


def reference_order(data_dir: Path, epochs: int) -> order.Order:
    """The given trainer's loader as the fix makes it: shuffled every epoch, batches of 128."""
    size = measure.train_size(data_dir)
    generator = torch.Generator().manual_seed(order.SEED)
    dealt = []
    for _ in range(epochs):
        rows = order._epoch_indices({"kind": "RandomSampler"}, size, generator)
        dealt.append(tuple(tuple(rows[s:s + GIVEN_BATCH]) for s in range(0, size, GIVEN_BATCH)))
    return order.Order(tuple(dealt), 1.0)


def _optimizer_class(name: str) -> type[torch.optim.Optimizer]:
    module, _, cls = name.rpartition(".")
    found = getattr(torch.optim, cls, None)
    if not module.startswith("torch.optim") or not (inspect.isclass(found)
                                                    and issubclass(found, torch.optim.Optimizer)) \
            or found is torch.optim.Optimizer or cls in {"LBFGS", "SparseAdam"}:
        raise NotReplayable(f"the optimizer {name} is not one of torch.optim's own")
    return found


def _param_name(name: str, model: nn.Module) -> str:
    names = dict(model.named_parameters())
    return name if name in names else f"net.{name}" if f"net.{name}" in names else ""


def optimizer_from(name: str, groups: tuple[Group, ...], model: nn.Module) -> torch.optim.Optimizer:
    """The student's optimizer rebuilt by the kit on ``model``: torch's class, the groups' settings that
    class knows, each group's parameters by name."""
    cls = _optimizer_class(name)
    params = dict(model.named_parameters())
    defaults = cls([nn.Parameter(torch.zeros(1))]).defaults
    built, seen = [], set()
    for group in groups:
        names = [_param_name(n, model) for n in group.params]
        if "" in names or seen & set(names):
            raise NotReplayable("a parameter group holds parameters that are not the network's own")
        seen |= set(names)
        settings = {k: v for k, v in group.settings.items() if k in defaults}
        for key, value in settings.items():
            if type(value) is list:
                settings[key] = tuple(value)
        settings.update({k: v for k, v in FORCED.items() if k in defaults})
        lr = settings.get("lr", defaults.get("lr"))
        if type(lr) not in (int, float) or not 0 <= lr <= MAX_LR:
            raise NotReplayable("the learning rate is not a usable number")
        built.append({"params": [params[n] for n in names], **settings})
    if not built:
        raise NotReplayable("the optimizer has no parameters")
    for name_, param in params.items():
        if name_ not in seen:
            param.requires_grad_(False)       # not in any group: not trained, as in the student's run
    try:
        return cls(built)
    except (TypeError, ValueError) as err:
        raise NotReplayable(f"the optimizer's settings are not usable ({err})") from None


def train(model: nn.Module, optimizer: torch.optim.Optimizer, dealt: order.Order, data_dir: Path) -> dict:
    """The kit's trainer: the given ``Trainer.train`` loop (train mode, ``compute_all``, a step a batch), on
    the grading data in the dealt order; per epoch the mean train loss and the accuracy on the kernel's val
    digits."""
    images, labels = measure.split(data_dir, "train")
    val_images, val_labels = measure.split(data_dir, "val")
    curves: dict[str, list[float]] = {"train_loss": [], "val_acc": []}
    for epoch in dealt.epochs:
        model.train()
        losses = []
        for rows in epoch:
            index = torch.tensor(rows, dtype=torch.long)
            loss, _ = model.compute_all({"sample": images[index], "label": labels[index]})
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
        finite = [v for v in losses if np.isfinite(v)]
        curves["train_loss"].append(float(np.mean(finite)) if finite else float("nan"))
        curves["val_acc"].append(measure.accuracy_on(model, val_images, val_labels))
    return curves


def _digest(*parts: bytes | str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def _code() -> str:
    return "".join(Path(m.__file__).read_text() for m in (order, measure)) + Path(__file__).read_text()


def _weights_digest(state: dict[str, torch.Tensor]) -> str:
    return _digest(*(f"{k}{tuple(v.shape)}{v.dtype}".encode() + v.contiguous().numpy().tobytes()
                     for k, v in sorted(state.items())))


def _data_digest(data_dir: Path) -> str:
    verify = config.verify_data(data_dir) / "val.csv"
    return _digest((data_dir / "train.csv").read_text(), (data_dir / "val.csv").read_text(),
                   verify.read_text() if verify.is_file() else "")


def cached(key_parts: tuple[str, ...], data_dir: Path, run: callable) -> Replay:
    """``run()``'s Replay, cached beside the grading data under the digest of ``key_parts``, the data and
    the code."""
    key = _digest(*key_parts, _data_digest(data_dir), _code())
    folder = Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else data_dir.parent / CACHE_DIR
    path = folder / f"{key}.json"
    if path.is_file():
        try:
            found = json.loads(path.read_text())
            return Replay(float(found["accuracy"]), float(found["weight_ratio"]), dict(found["curves"]))
        except (ValueError, KeyError, TypeError):
            pass
    result = run()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")   # another process may write the same replay
    tmp.write_text(json.dumps(asdict(result)))
    tmp.replace(path)
    return result


def _run(model: nn.Module, make_optimizer: callable, dealt: order.Order, data_dir: Path) -> Replay:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        optimizer = make_optimizer(model)
        curves = train(model, optimizer, dealt, data_dir)
    model.eval()
    return Replay(measure.accuracy(model, data_dir), measure.weight_norm_ratio(model), curves)


def _given_sgd(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=GIVEN_LR)


def task1(dealt: order.Order, data_dir: Path) -> Replay:
    """A fresh network trained by the kit in the student's order."""
    key = json.dumps([list(map(list, e)) for e in dealt.epochs])
    return cached(("task1", key), data_dir,
                  lambda: _run(measure.fresh_model(), _given_sgd, dealt, data_dir))


def task2(answer: Answer, data_dir: Path, epochs: int) -> Replay:
    """A fresh network trained by the kit with the student's optimizer."""
    optimizer_from(answer.optimizer_class, answer.groups, measure.fresh_model())   # NotReplayable early
    key = json.dumps([answer.optimizer_class, [[g.settings, g.params] for g in answer.groups]],
                     sort_keys=True)
    return cached(("task2", str(epochs), key), data_dir, lambda: _run(
        measure.fresh_model(), lambda m: optimizer_from(answer.optimizer_class, answer.groups, m),
        reference_order(data_dir, epochs), data_dir))


def task3(start: nn.Module, weights: dict[str, torch.Tensor], data_dir: Path, epochs: int) -> Replay:
    """The student's start weights fine-tuned by the kit with the given optimizer and loader."""
    return cached(("task3", str(epochs), _weights_digest(weights)), data_dir,
                  lambda: _run(start, _given_sgd, reference_order(data_dir, epochs), data_dir))
