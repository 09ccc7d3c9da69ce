"""Checks that the seeded bug bites, and that the seed student's task-3 fix repairs it.

(a) the output is identical for every input; (b) training the model as it is (the seed's SGD, lr=1e-2)
keeps val accuracy under a bound; (c) re-initialising exactly the zeroed tensors and fine-tuning one epoch
recovers the accuracy before zeroing.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from nndebug.pretrained import corrupt, train


@torch.no_grad()
def outputs_identical(model: nn.Module, real: torch.Tensor) -> dict[str, Any]:
    """(a): separate forward passes of random, ones and zeros inputs (as the seed student tried) are equal,
    and so are the rows of one batch of real digits."""
    model.eval()
    dev = next(model.parameters()).device
    shape = (1, *real.shape[1:])
    noise = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    probes = [noise, torch.ones(shape), torch.zeros(shape)]
    outs = [model(x.to(dev)) for x in probes]
    batch = model(real.to(dev).float() / 255.0)
    probes_equal = all(torch.equal(outs[0], out) for out in outs[1:])
    rows_equal = torch.equal(batch, batch[:1].expand_as(batch))
    return {"passed": probes_equal and rows_equal, "probes_equal": probes_equal,
            "real_batch_rows_equal": rows_equal, "real_batch_size": len(real)}


def sgd(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    """The seed's optimizer: ``optim.SGD(model.parameters(), lr=...)``."""
    return torch.optim.SGD(model.parameters(), lr=lr)


def train_as_is(model: nn.Module, data: train.Digits, val: train.Digits, lr: float, epochs: int,
                batch_size: int, seed: int, progress: bool = True) -> float:
    """(b): val accuracy after training a copy of the bug-seeded model as it is."""
    buggy = copy.deepcopy(model)
    train.fit(buggy, sgd(buggy, lr), data, epochs, batch_size, seed, "check (b) as is", progress)
    return train.accuracy(buggy, val)


def reinit_and_finetune(model: nn.Module, names: list[str], data: train.Digits, val: train.Digits, lr: float,
                        epochs: int, batch_size: int, seed: int, progress: bool = True) -> float:
    """(c): val accuracy after re-initialising exactly ``names`` in a copy and fine-tuning it."""
    fixed = copy.deepcopy(model)
    corrupt.reinit(fixed, names)
    train.fit(fixed, sgd(fixed, lr), data, epochs, batch_size, seed, "check (c) re-init", progress)
    return train.accuracy(fixed, val)
