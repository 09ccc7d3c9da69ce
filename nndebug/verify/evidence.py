"""Read what a grading kernel left (``run.json``, ``weights.pt``) as untrusted input.

Only regular files (no links), under size limits; JSON parsed with bounded integers, no NaN or infinities
and bounded nesting, then checked against the schema; weights loaded with ``torch.load(weights_only=True)``
and accepted only as a flat ``{name: finite floating tensor}`` dict. Anything else, whatever the error,
raises :class:`BadEvidence` with a reason that scores 0 for that test alone.
"""
from __future__ import annotations

import io
import json
import math
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

from nndebug.kernel.record import RUN_FILE, SCHEMA, WEIGHTS_FILE

MAX_RUN_BYTES = 16 * 1024 * 1024
MAX_WEIGHTS_BYTES = 512 * 1024 * 1024
MAX_BATCHES = 200_000
MAX_BATCH_SIZE = 65_536
MAX_TENSORS = 4_096
MAX_GROUPS = 1_000
MAX_INT_DIGITS = 20
MAX_DEPTH = 8
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


Groups = tuple[dict[str, float], ...]


@dataclass(frozen=True)
class Stepped:
    """An optimizer that stepped during the graded run: its settings at the first and the last step."""

    optimizer_class: str
    steps: int
    first: Groups
    last: Groups


@dataclass(frozen=True)
class Evidence:
    """The graded run as the kernel reported it."""

    batches: tuple[Batch, ...]
    optimizer_class: str
    optimizer_groups: Groups                      # trainer.optimizer when the graded cell ended
    weights: dict[str, torch.Tensor] = field(repr=False)
    kernel_error: str = ""
    optimizer_start: Groups = ()                  # trainer.optimizer when the graded cell began
    stepped: tuple[Stepped, ...] = ()             # the optimizers whose step() ran in between


def read_regular(path: Path, limit: int) -> bytes:
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
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise BadEvidence(f"{path.name} is over the {limit}-byte limit")
    return data


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadEvidence(f"run.json: an integer of {len(text)} digits")
    return int(text)


def _no_constant(text: str) -> float:
    raise BadEvidence(f"run.json: {text} is not a finite number")


def _depth(text: str) -> int:
    """How deeply brackets nest in JSON ``text`` (strings aside), counted without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _parse_json(data: bytes) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadEvidence(f"run.json is not UTF-8 text ({err.reason})") from None
    if _depth(text) > MAX_DEPTH:
        raise BadEvidence(f"run.json nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise BadEvidence(f"run.json is not JSON ({err.msg} at {err.pos})") from None


def _number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadEvidence(f"run.json: {str(value)[:40]!r} is not a number")
    try:
        number = float(value)
    except OverflowError:
        raise BadEvidence("run.json: a number too large") from None
    if not math.isfinite(number):
        raise BadEvidence("run.json: a number that is not finite")
    return number


def _ints(values: object, what: str) -> tuple[int, ...]:
    if not isinstance(values, list) or len(values) > MAX_BATCH_SIZE or not all(
            isinstance(x, int) and not isinstance(x, bool) for x in values):
        raise BadEvidence(f"run.json: a batch's {what} are not a list of integers")
    return tuple(values)


def _batch(entry: object) -> Batch:
    if not (isinstance(entry, list) and len(entry) in (4, 5) and isinstance(entry[0], bool)):
        raise BadEvidence("run.json: a batch is not [training, loss, acc, labels, ids]")
    labels = _ints(entry[3], "labels")
    ids = _ints(entry[4], "sample ids") if len(entry) == 5 else ()
    if not all(0 <= x < CLASSES for x in labels):
        raise BadEvidence("run.json: a batch's labels are not digit classes 0-9")
    if ids and len(ids) != len(labels):
        raise BadEvidence("run.json: a batch's sample ids do not match its labels")
    return Batch(entry[0], _number(entry[1]), _number(entry[2]), labels, ids)


def _groups(optimizer: object, what: str) -> tuple[str, Groups]:
    if not isinstance(optimizer, dict):
        raise BadEvidence(f"run.json: no {what} record")
    name, groups = optimizer.get("class", ""), optimizer.get("groups", [])
    if not isinstance(name, str) or not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise BadEvidence(f"run.json: the {what} record is malformed")
    parsed = []
    for group in groups:
        if not isinstance(group, dict) or len(group) > 64:
            raise BadEvidence(f"run.json: a {what} group is not a mapping of settings")
        settings = {}
        for key, value in group.items():
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            number = _number(value) if numeric else None
            if number is not None:
                settings[str(key)[:64]] = number
        parsed.append(settings)
    return name[:64], tuple(parsed)


def _stepped(entries: object) -> tuple[Stepped, ...]:
    if not isinstance(entries, list) or len(entries) > MAX_GROUPS:
        raise BadEvidence("run.json: the record of optimizer steps is malformed")
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("steps"), int) \
                or isinstance(entry.get("steps"), bool):
            raise BadEvidence("run.json: an optimizer step record is malformed")
        name, first = _groups(entry.get("first"), "optimizer step")
        _, last = _groups(entry.get("last"), "optimizer step")
        out.append(Stepped(name, entry["steps"], first, last))
    return tuple(out)


def load_run(folder: Path) -> dict:
    """``run.json`` parsed and checked at the top level."""
    run = _parse_json(read_regular(folder / RUN_FILE, MAX_RUN_BYTES))
    if not isinstance(run, dict) or run.get("schema") != SCHEMA:
        raise BadEvidence("run.json does not have the expected schema")
    if not isinstance(run.get("batches"), list) or len(run["batches"]) > MAX_BATCHES:
        raise BadEvidence("run.json: the batch log is missing or too long")
    return run


def load_weights(folder: Path) -> dict[str, torch.Tensor]:
    """``weights.pt`` as ``{name: tensor}``, loaded without unpickling code; floating tensors finite."""
    path = folder / WEIGHTS_FILE
    data = read_regular(path, MAX_WEIGHTS_BYTES)  # type, link and size checks
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any loader error means unusable evidence
        raise BadEvidence(f"weights.pt cannot be read as weights ({type(err).__name__})") from None
    if (not isinstance(state, dict) or len(state) > MAX_TENSORS
            or not all(isinstance(k, str) and type(v) is torch.Tensor for k, v in state.items())):
        raise BadEvidence("weights.pt is not a {name: tensor} state_dict")
    for name, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise BadEvidence(f"weights.pt: {name[:80]} holds values that are not finite")
    return state


def _load(folder: Path) -> Evidence:
    if not folder.is_dir() or folder.is_symlink():
        raise BadEvidence("the graded run left no record (its cell did not run)")
    run = load_run(folder)
    name, groups = _groups(run.get("optimizer"), "optimizer")
    _, start = _groups(run.get("optimizer_start"), "optimizer (start)")
    stepped = _stepped(run.get("stepped", []))
    error = run.get("error") if isinstance(run.get("error"), str) else ""
    return Evidence(tuple(_batch(b) for b in run["batches"]), name, groups, load_weights(folder),
                    error[:500], start, stepped)


def load(folder: Path) -> Evidence:
    """Everything the kernel reported about the graded run in ``folder``; BadEvidence on any malformed
    input, whatever the error it would raise."""
    try:
        return _load(folder)
    except BadEvidence:
        raise
    except Exception as err:  # noqa: BLE001 - fail closed: untrusted input never raises anything else
        raise BadEvidence(f"the record is malformed ({type(err).__name__})") from None
