"""Runs inside a grading kernel: records the graded training run and writes it out as evidence.

The autograder runs :func:`install` (silently) right before the given cell that trains the student's fixed
``trainer`` and :func:`dump` right after it. ``install`` wraps the model's ``compute_all`` so that every batch
the student's own trainer feeds it is logged (training or not, its labels, a fingerprint of each digit, its
loss and accuracy), notes ``trainer.optimizer``'s settings, and hooks every optimizer's ``step`` so that the
settings of the optimizers that really stepped are noted at their first and last step; ``dump`` writes that
log, the settings at the end and the trained weights to the evidence folder.

Everything written here can be forged by the student's code, which runs in the same process: the verifier
(:mod:`nndebug.verify`) treats it as untrusted input and checks it against what the weights can do.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"
WEIGHTS_FILE = "weights.pt"
SCHEMA = 2

_log: list[list[Any]] = []            # [is_training, loss, acc, [labels], [sample ids]] per batch
_state: dict[str, Any] = {"installed": False, "error": "", "start": {}, "stepped": {}, "hooks": []}


def _number(value: Any) -> float | None:
    try:
        number = float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _labels(batch: Any) -> list[int]:
    try:
        labels = batch["label"]
        return [int(x) for x in (labels.detach().cpu().reshape(-1).tolist() if hasattr(labels, "detach")
                                 else list(labels))]
    except Exception:  # noqa: BLE001 - a batch of another shape is logged without labels
        return []


def fingerprints(samples: Any) -> list[int]:
    """A fingerprint of each sample (the same digit gives the same number in every epoch), so the verifier
    sees which digits were trained on and whether their order changed between epochs. The verifier computes
    the same numbers from the grading data to know the digits."""
    import torch

    flat = samples.detach().reshape(len(samples), -1).double().cpu()
    weights = torch.arange(1, flat.shape[1] + 1, dtype=torch.float64)
    return [int(round(v * 1000)) % (1 << 62) for v in (flat @ weights).tolist()]


def _ids(batch: Any) -> list[int]:
    try:
        return fingerprints(batch["sample"])
    except Exception:  # noqa: BLE001 - a batch of another shape is logged without ids
        return []


def _groups(optimizer: Any) -> dict[str, Any]:
    """An optimizer's class and the numeric settings of each parameter group."""
    groups = []
    for group in getattr(optimizer, "param_groups", []) or []:
        try:
            settings = {str(k): _number(v) for k, v in group.items() if k != "params"}
            settings = {k: v for k, v in settings.items() if v is not None}
            settings["n_params"] = len(group.get("params", []))
        except Exception:  # noqa: BLE001 - an odd group is recorded empty
            settings = {}
        groups.append(settings)
    return {"class": type(optimizer).__name__, "groups": groups}


def _on_step(optimizer: Any, *_: Any) -> None:
    """Every optimizer step: the optimizer's settings at its first and at its last step, and the count."""
    try:
        entry = _state["stepped"].setdefault(id(optimizer), {"first": _groups(optimizer), "steps": 0})
        entry["steps"] += 1
        entry["last"] = _groups(optimizer)
    except Exception:  # noqa: BLE001 - never raised in the student's notebook
        pass


def _hook_steps() -> None:
    from torch.optim.optimizer import register_optimizer_step_post_hook

    _state["hooks"].append(register_optimizer_step_post_hook(_on_step))


def _unhook_steps() -> None:
    for handle in _state["hooks"]:
        try:
            handle.remove()
        except Exception:  # noqa: BLE001
            pass
    _state["hooks"].clear()


def install(namespace: dict[str, Any]) -> None:
    """Log every batch ``namespace['trainer'].model.compute_all`` sees, and every optimizer step, from now."""
    _log.clear()
    _unhook_steps()
    _state.update(installed=False, error="", start={}, stepped={})
    try:
        trainer = namespace["trainer"]
        _state["start"] = _groups(getattr(trainer, "optimizer", None))
        model = trainer.model
        original = model.compute_all

        def compute_all(batch: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(batch, *args, **kwargs)
            loss, metrics = (result if isinstance(result, tuple) and len(result) == 2 else (None, {}))
            acc = metrics.get("acc") if isinstance(metrics, dict) else None
            _log.append([bool(model.training), _number(loss), _number(acc), _labels(batch), _ids(batch)])
            return result

        model.compute_all = compute_all
        _hook_steps()
        _state["installed"] = True
    except Exception as err:  # noqa: BLE001 - reported to the verifier, never raised in the student's notebook
        _state["error"] = f"could not watch trainer.model.compute_all: {type(err).__name__}: {err}"


def dump(namespace: dict[str, Any], folder: str) -> None:
    """Write ``run.json`` and ``weights.pt`` of ``namespace['trainer']`` to ``folder``."""
    import torch

    _unhook_steps()
    out = Path(folder)
    run: dict[str, Any] = {"schema": SCHEMA, "installed": _state["installed"], "error": _state["error"],
                           "batches": _log, "optimizer_start": _state["start"], "optimizer": {},
                           "stepped": [dict(v) for v in _state["stepped"].values()], "train_size": None}
    try:
        trainer = namespace["trainer"]
        run["optimizer"] = _groups(getattr(trainer, "optimizer", None))
        run["train_size"] = len(trainer.train_dataset)
        state = {k: v.detach().cpu().clone() for k, v in trainer.model.state_dict().items()}
        torch.save(state, out / WEIGHTS_FILE)
    except Exception as err:  # noqa: BLE001 - the verifier says what is missing
        run["error"] = (run["error"] + "; " if run["error"] else "") + f"{type(err).__name__}: {err}"
    tmp = out / (RUN_FILE + ".tmp")
    tmp.write_text(json.dumps(run))
    os.replace(tmp, out / RUN_FILE)
