"""Runs inside a grading kernel: keeps the IPython machinery that reports errors as it was.

A student can replace ``showtraceback`` or add input/AST transformers that swallow exceptions so that
failing tests look passed, or register event callbacks (``post_run_cell``, ``post_execute``) that act after
the graded run. :func:`install` runs before the first cell and keeps the originals; :func:`restore` runs
(silently) before every test cell and before the answer is taken, and puts them back.
"""
from __future__ import annotations

import sys
from typing import Any

_SHELL_METHODS = ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                  "run_ast_nodes", "run_code", "transform_cell", "transform_ast", "should_run_async")
_saved: dict[str, Any] = {}


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()


def install() -> None:
    """Remember the shell's class methods, hooks and transformers as they are before student code."""
    shell = _shell()
    cls = type(shell)
    _saved["methods"] = {(klass, name): klass.__dict__[name]
                         for klass in cls.__mro__ for name in _SHELL_METHODS if name in klass.__dict__}
    _saved["excepthook"] = sys.excepthook
    _saved["input_transformers_post"] = list(shell.input_transformers_post)
    _saved["input_transformers_cleanup"] = list(shell.input_transformers_cleanup)
    _saved["ast_transformers"] = list(shell.ast_transformers)
    _saved["custom_exceptions"] = shell.custom_exceptions
    _saved["events"] = shell.events
    _saved["callbacks"] = {name: list(funcs) for name, funcs in shell.events.callbacks.items()}


def restore() -> None:
    """Undo a student's changes to how errors are run and reported."""
    if not _saved:
        return
    shell = _shell()
    for (klass, name), func in _saved["methods"].items():
        if klass.__dict__.get(name) is not func:
            setattr(klass, name, func)
    for name in _SHELL_METHODS:
        shell.__dict__.pop(name, None)
    sys.excepthook = _saved["excepthook"]
    shell.input_transformers_post[:] = _saved["input_transformers_post"]
    shell.input_transformers_cleanup[:] = _saved["input_transformers_cleanup"]
    shell.ast_transformers[:] = _saved["ast_transformers"]
    shell.custom_exceptions = _saved["custom_exceptions"]
    shell.events = _saved["events"]
    shell.events.callbacks = {name: list(funcs) for name, funcs in _saved["callbacks"].items()}
