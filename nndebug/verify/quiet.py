"""Run student code without a word on stdout/stderr: tqdm, prints and warnings would cost the test."""
from __future__ import annotations

import contextlib
import functools
import io
import warnings
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Swallow stdout, stderr and warnings for the duration."""
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        yield


def quietly(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a check so nothing it or the student's code prints reaches stdout/stderr."""
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with silenced():
            return func(*args, **kwargs)
    return wrapper
