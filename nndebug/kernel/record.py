"""Runs inside a grading kernel: records the graded training run and writes it out as evidence.

The autograder runs :func:`install` (silently) right before the given cell that trains the student's fixed
``trainer`` and :func:`dump` right after it. ``install`` wraps the model's ``compute_all`` so that every batch
the student's own trainer feeds it is logged: training or not, its labels, its loss and accuracy; ``dump``
writes that log, the optimizer's settings and the trained weights to the evidence folder.

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
SCHEMA = 1

_log: list[list[Any]] = []            # [is_training, loss, acc, [labels], [sample ids]] per batch
_state: dict[str, Any] = {"installed": False, "error": ""}


def _number(value: Any) -> float | None:
    try:
        number = float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return number if math.isfinite(number) else None


def _labels(batch: Any) -> list[int]:
    try:
        labels = batch["label"]
        return [int(x) for x in (labels.detach().cpu().reshape(-1).tolist() if hasattr(labels, "detach")
                                 else list(labels))]
    except Exception:  # noqa: BLE001 - a batch of another shape is logged without labels
        return []


def _ids(batch: Any) -> list[int]:
    """A fingerprint of each sample (the same digit gives the same number in every epoch), so the verifier
    sees whether the order of the digits, not only of their labels, changed between epochs."""
    try:
        import torch

        samples = batch["sample"].detach().reshape(len(batch["sample"]), -1).double().cpu()
        weights = torch.arange(1, samples.shape[1] + 1, dtype=torch.float64)
        return [int(round(v * 1000)) % (1 << 62) for v in (samples @ weights).tolist()]
    except Exception:  # noqa: BLE001 - a batch of another shape is logged without ids
        return []


def install(namespace: dict[str, Any]) -> None:
    """Log every batch ``namespace['trainer'].model.compute_all`` sees from now on."""
    _log.clear()
    _state.update(installed=False, error="")
    try:
        model = namespace["trainer"].model
        original = model.compute_all

        def compute_all(batch: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(batch, *args, **kwargs)
            loss, metrics = (result if isinstance(result, tuple) and len(result) == 2 else (None, {}))
            acc = metrics.get("acc") if isinstance(metrics, dict) else None
            training = bool(model.training)
            ids = _ids(batch) if training else []
            _log.append([training, _number(loss), _number(acc), _labels(batch), ids])
            return result

        model.compute_all = compute_all
        _state["installed"] = True
    except Exception as err:  # noqa: BLE001 - reported to the verifier, never raised in the student's notebook
        _state["error"] = f"could not watch trainer.model.compute_all: {type(err).__name__}: {err}"


def _optimizer(trainer: Any) -> dict[str, Any]:
    optimizer = getattr(trainer, "optimizer", None)
    groups = []
    for group in getattr(optimizer, "param_groups", []):
        settings = {k: _number(v) for k, v in group.items() if k != "params" and _number(v) is not None}
        settings["n_params"] = len(group.get("params", []))
        groups.append(settings)
    return {"class": type(optimizer).__name__, "groups": groups}


def dump(namespace: dict[str, Any], folder: str) -> None:
    """Write ``run.json`` and ``weights.pt`` of ``namespace['trainer']`` to ``folder``."""
    import torch

    out = Path(folder)
    run: dict[str, Any] = {"schema": SCHEMA, "installed": _state["installed"], "error": _state["error"],
                           "batches": _log, "optimizer": {}, "train_size": None}
    try:
        trainer = namespace["trainer"]
        run["optimizer"] = _optimizer(trainer)
        run["train_size"] = len(trainer.train_dataset)
        state = {k: v.detach().cpu().clone() for k, v in trainer.model.state_dict().items()}
        torch.save(state, out / WEIGHTS_FILE)
    except Exception as err:  # noqa: BLE001 - the verifier says what is missing
        run["error"] = (run["error"] + "; " if run["error"] else "") + f"{type(err).__name__}: {err}"
    tmp = out / (RUN_FILE + ".tmp")
    tmp.write_text(json.dumps(run))
    os.replace(tmp, out / RUN_FILE)
