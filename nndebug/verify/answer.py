"""Read the student's answer a grading kernel wrote (``answer.json``, ``answer.pt``, see
:mod:`nndebug.kernel.answer`) as untrusted data: regular files under size limits, strict JSON of plain
values, tensors loaded with ``torch.load(weights_only=True)``; anything else raises :class:`BadEvidence`,
which scores the fix 0."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from nndebug.kernel.answer import ANSWER_JSON, ANSWER_PT, SCHEMA
from nndebug.verify.evidence import MAX_TENSORS, BadEvidence, parse_json, read_regular

MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_PT_BYTES = 256 * 1024 * 1024
Setting = float | int | bool | str | list | None


@dataclass(frozen=True)
class Group:
    """One parameter group: its settings as torch's ``state_dict`` reported them, its parameters' names."""

    settings: dict[str, Setting]
    params: tuple[str, ...]

    def number(self, key: str, default: float = 0.0) -> float:
        value = self.settings.get(key, default)
        return float(value) if type(value) in (int, float) else float("nan")


@dataclass(frozen=True)
class Stepped:
    """An optimizer that stepped while the training was watched: its settings at its first and last step."""

    optimizer_class: str
    first: tuple[Group, ...]
    last: tuple[Group, ...]
    steps: int


@dataclass(frozen=True)
class Answer:
    """What the kernel reported: whether training started and was stopped at its first step, the start
    weights, the optimizer, the training loader's settings and its dataset read twice."""

    stopped: bool
    error: str
    start: dict[str, torch.Tensor] | None
    optimizer_class: str
    groups: tuple[Group, ...]
    loader: dict[str, Any]
    probes: dict[str, torch.Tensor] = field(default_factory=dict)
    loader_next: dict[str, Any] | None = None   # task 1: the loader of the next epoch, read when it fed
    same_loader: bool | None = None             # task 1: the next epoch iterated the same loader object
    stepped: tuple[Stepped, ...] = ()           # every optimizer that stepped while watched
    end: dict[str, torch.Tensor] | None = None  # task 3: the trained network where the watch stopped
    structure: tuple[tuple[str, str], ...] = ()  # the trained network's modules: (name, class name)


def _plain(value: object, depth: int = 0) -> bool:
    if depth > 8:             # answer.json's deepest: stepped > [] > {} > first > [] > {} > settings > betas
        return False
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) is list:
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


def _groups(optimizer: object) -> tuple[str, tuple[Group, ...]]:
    if optimizer is None:
        return "", ()
    if type(optimizer) is not dict or type(optimizer.get("class")) is not str \
            or type(optimizer.get("groups")) is not list or len(optimizer["groups"]) > 1_000:
        raise BadEvidence("answer.json: the optimizer is malformed")
    groups = []
    for group in optimizer["groups"]:
        if type(group) is not dict or type(group.get("settings")) is not dict \
                or type(group.get("params")) is not list \
                or not all(type(p) is str for p in group["params"]):
            raise BadEvidence("answer.json: a parameter group is malformed")
        groups.append(Group(dict(group["settings"]), tuple(group["params"])))
    return optimizer["class"][:200], tuple(groups)


def _stepped(entries: object) -> tuple[Stepped, ...]:
    if entries is None:
        return ()
    if type(entries) is not list or len(entries) > 100:
        raise BadEvidence("answer.json: the optimizers that stepped are malformed")
    out = []
    for entry in entries:
        if type(entry) is not dict or type(entry.get("steps")) is not int:
            raise BadEvidence("answer.json: an optimizer that stepped is malformed")
        cls, first = _groups({"class": entry.get("class"), "groups": entry.get("first")})
        _, last = _groups({"class": entry.get("class"), "groups": entry.get("last")})
        out.append(Stepped(cls, first, last, entry["steps"]))
    return tuple(out)


def _structure(entries: object) -> tuple[tuple[str, str], ...]:
    if entries is None:
        return ()
    if type(entries) is not list or len(entries) > 2_000 or not all(
            type(e) is list and len(e) == 2 and all(type(x) is str for x in e) for e in entries):
        raise BadEvidence("answer.json: the network's modules are malformed")
    return tuple((name, cls) for name, cls in entries)


def _tensors(data: bytes) -> dict[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any loader error means an unusable answer
        raise BadEvidence(f"answer.pt cannot be read as tensors ({type(err).__name__})") from None
    if type(state) is not dict:
        raise BadEvidence("answer.pt is not a dict of tensors")
    for key in ("start", "end"):
        weights = state.get(key)
        if weights is not None and (type(weights) is not dict or len(weights) > MAX_TENSORS or not all(
                type(k) is str and type(v) is torch.Tensor for k, v in weights.items())):
            raise BadEvidence(f"answer.pt: the {key} weights are not a {{name: tensor}} state_dict")
        for name, tensor in (weights or {}).items():
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                raise BadEvidence(f"answer.pt: {name[:80]} holds values that are not finite")
    start = state.get("start")
    probes = {k: v for k, v in state.items() if k.startswith("probe_")}
    if not all(type(v) is torch.Tensor for v in probes.values()):
        raise BadEvidence("answer.pt: the dataset's items are not tensors")
    return {"start": start, "end": state.get("end"), "probes": probes}


def _load(folder: Path) -> Answer:
    if not folder.is_dir() or folder.is_symlink():
        raise BadEvidence("the training did not start (no answer was written)")
    found = parse_json(read_regular(folder / ANSWER_JSON, MAX_JSON_BYTES), ANSWER_JSON)
    if type(found) is not dict or found.get("schema") != SCHEMA or not _plain(found):
        raise BadEvidence("answer.json does not have the expected schema")
    cls, groups = _groups(found.get("optimizer"))
    loader = found.get("loader") if type(found.get("loader")) is dict else {"kind": "none"}
    tensors = _tensors(read_regular(folder / ANSWER_PT, MAX_PT_BYTES))
    error = found.get("error") if type(found.get("error")) is str else ""
    loader_next = found.get("loader_next") if type(found.get("loader_next")) is dict else None
    same = found.get("same_loader") if type(found.get("same_loader")) is bool else None
    return Answer(found.get("stopped") is True, error[:500], tensors["start"], cls, groups, loader,
                  tensors["probes"], loader_next, same, _stepped(found.get("stepped")), tensors["end"],
                  _structure(found.get("structure")))


def load(folder: Path) -> Answer:
    """The student's answer in ``folder``; BadEvidence on anything missing or malformed, whatever the
    error."""
    try:
        return _load(folder)
    except BadEvidence:
        raise
    except Exception as err:  # noqa: BLE001 - fail closed: untrusted input never raises anything else
        raise BadEvidence(f"the answer is malformed ({type(err).__name__})") from None
