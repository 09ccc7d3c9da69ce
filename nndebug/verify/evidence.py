"""Read what a grading kernel left as untrusted input: only regular files (no links) under size limits, and
JSON parsed with bounded integers, no NaN or infinities and bounded nesting. Anything else, whatever the
error, raises :class:`BadEvidence` with a reason that scores 0 for that test alone
(:mod:`nndebug.verify.answer` reads the student's answer with these).
"""
from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

MAX_TENSORS = 4_096
MAX_INT_DIGITS = 20
MAX_DEPTH = 8


class BadEvidence(ValueError):
    """Evidence that is missing or malformed; the message says which and why."""


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
        raise BadEvidence(f"an integer of {len(text)} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadEvidence(f"{text[:40]} is not a finite number")
    return value


def _no_constant(text: str) -> float:
    raise BadEvidence(f"{text} is not a finite number")


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


def parse_json(data: bytes, name: str) -> object:
    """``data`` as JSON: UTF-8, bounded integers, finite numbers, bounded nesting."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadEvidence(f"{name} is not UTF-8 text ({err.reason})") from None
    if _depth(text) > MAX_DEPTH:
        raise BadEvidence(f"{name} nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_int=_bounded_int, parse_float=_finite_float,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise BadEvidence(f"{name} is not JSON ({err.msg} at {err.pos})") from None
