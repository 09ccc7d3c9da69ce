"""Read what a grading kernel left (``run.json``, ``weights.pt``) as untrusted input.

Only regular files (no links), under size limits; JSON checked against the schema; weights loaded with
``torch.load(weights_only=True)`` and accepted only as a flat ``{name: tensor}`` dict. Anything else raises
:class:`BadEvidence` with a reason that scores 0 for that test alone.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import torch

from nndebug.kernel.record import RUN_FILE, SCHEMA, WEIGHTS_FILE

MAX_RUN_BYTES = 16 * 1024 * 1024
MAX_WEIGHTS_BYTES = 512 * 1024 * 1024
MAX_BATCHES = 200_000
MAX_BATCH_SIZE = 65_536
MAX_TENSORS = 4_096
CLASSES = 10


class BadEvidence(ValueError):
    """Evidence that is missing or malformed; the message says which and why."""


@dataclass(frozen=True)
class Batch:
    """One batch the student's trainer fed the model."""

    training: bool
    loss: float | None
    acc: float | None
    labels: tuple[int, ...]
    ids: tuple[int, ...] = ()   # a fingerprint per sample: which digit, whatever its label


@dataclass(frozen=True)
class Evidence:
    """The graded run as the kernel reported it."""

    batches: tuple[Batch, ...]
    optimizer_class: str
    optimizer_groups: tuple[dict[str, float], ...]
    weights: dict[str, torch.Tensor] = field(repr=False)
    kernel_error: str = ""


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link) no bigger than ``limit``."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise BadEvidence(f"{path.name} was not written") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadEvidence(f"{path.name} is not a regular file")
    if info.st_size > limit:
        raise BadEvidence(f"{path.name} is {info.st_size} bytes, over the {limit}-byte limit")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit + 1)


def _number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadEvidence(f"run.json: {value!r} is not a number")
    return float(value)


def _batch(entry: object) -> Batch:
    if not (isinstance(entry, list) and len(entry) in (4, 5) and isinstance(entry[0], bool)
            and all(isinstance(part, list) for part in entry[3:])):
        raise BadEvidence("run.json: a batch is not [training, loss, acc, labels, ids]")
    labels, ids = entry[3], entry[4] if len(entry) == 5 else []
    if len(labels) > MAX_BATCH_SIZE or not all(
            isinstance(x, int) and not isinstance(x, bool) and 0 <= x < CLASSES for x in labels):
        raise BadEvidence("run.json: a batch's labels are not digit classes 0-9")
    if ids and (len(ids) != len(labels)
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in ids)):
        raise BadEvidence("run.json: a batch's sample ids do not match its labels")
    return Batch(entry[0], _number(entry[1]), _number(entry[2]), tuple(labels), tuple(ids))


def _groups(optimizer: object) -> tuple[str, tuple[dict[str, float], ...]]:
    if not isinstance(optimizer, dict):
        raise BadEvidence("run.json: no optimizer record")
    name, groups = optimizer.get("class", ""), optimizer.get("groups", [])
    if not isinstance(name, str) or not isinstance(groups, list) or len(groups) > 1000:
        raise BadEvidence("run.json: the optimizer record is malformed")
    parsed = []
    for group in groups:
        if not isinstance(group, dict):
            raise BadEvidence("run.json: an optimizer group is not a mapping")
        parsed.append({str(k)[:64]: float(v) for k, v in group.items() if _number(v) is not None})
    return name[:64], tuple(parsed)


def load_run(folder: Path) -> dict:
    """``run.json`` parsed and checked at the top level."""
    try:
        run = json.loads(_read_regular(folder / RUN_FILE, MAX_RUN_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadEvidence(f"run.json is not JSON ({err})") from None
    if not isinstance(run, dict) or run.get("schema") != SCHEMA:
        raise BadEvidence("run.json does not have the expected schema")
    if not isinstance(run.get("batches"), list) or len(run["batches"]) > MAX_BATCHES:
        raise BadEvidence("run.json: the batch log is missing or too long")
    return run


def load_weights(folder: Path) -> dict[str, torch.Tensor]:
    """``weights.pt`` as ``{name: tensor}``, loaded without unpickling code."""
    path = folder / WEIGHTS_FILE
    _read_regular(path, MAX_WEIGHTS_BYTES)  # type, link and size checks
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any loader error means unusable evidence
        raise BadEvidence(f"weights.pt cannot be read as weights ({type(err).__name__})") from None
    if (not isinstance(state, dict) or len(state) > MAX_TENSORS
            or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items())):
        raise BadEvidence("weights.pt is not a {name: tensor} state_dict")
    return state


def load(folder: Path) -> Evidence:
    """Everything the kernel reported about the graded run in ``folder``."""
    if not folder.is_dir() or folder.is_symlink():
        raise BadEvidence("the graded run left no record (its cell did not run)")
    run = load_run(folder)
    name, groups = _groups(run.get("optimizer"))
    error = run.get("error") if isinstance(run.get("error"), str) else ""
    return Evidence(tuple(_batch(b) for b in run["batches"]), name, groups, load_weights(folder),
                    error[:500])
