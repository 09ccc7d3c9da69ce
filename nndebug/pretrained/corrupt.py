"""Seed the bug: zero named tensors of a state dict; and undo it by re-initialising exactly those."""
from __future__ import annotations

import copy

import torch


def zeroed(state: dict[str, torch.Tensor], names: list[str]) -> dict[str, torch.Tensor]:
    """A CPU copy of ``state`` with ``names`` set to zero; an error naming any unknown key."""
    unknown = [name for name in names if name not in state]
    if unknown:
        raise KeyError(f"kit.toml [model].zeroed names {unknown}, not keys of the model's state dict "
                       f"(e.g. {list(state)[:3]})")
    out = {key: value.detach().cpu().clone() for key, value in state.items()}
    for name in names:
        out[name].zero_()
    return out


def all_zero(state: dict[str, torch.Tensor]) -> list[str]:
    """Keys whose tensor is entirely zero: what the seed student's fix looks for."""
    return [key for key, value in state.items() if value.numel() and bool(torch.all(value == 0))]


def reinit(model: torch.nn.Module, names: list[str]) -> None:
    """Give exactly the tensors ``names`` their module's default initial values (BatchNorm: 1 and 0)."""
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name in names:
            module_name, _, attr = name.rpartition(".")
            fresh = copy.deepcopy(modules[module_name])
            fresh.reset_parameters()
            getattr(modules[module_name], attr).copy_(getattr(fresh, attr))
