"""Students' fixes and answers in different styles, right and wrong, shared by the grading-check tests
(in-process) and the validity tests (real nbgrader autograde); and a tiny dataset for cheap notebook runs.

Each fix is the text of a ``taskN_fix`` cell: it runs after the given cells and leaves ``model``, ``opt``
and ``trainer`` in the globals."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Fix:
    name: str
    code: str
    right: bool
    share: float = 0.0  # the share of the fix points a wrong (not right) fix still earns
    routed: bool = False  # right, but not replayable from data: 0 until a person scores it

    @property
    def expected(self) -> float:
        """The fraction of the fix points this fix must score automatically."""
        return 0.0 if self.routed else 1.0 if self.right else self.share


BUILD_TRAINER = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = {cls}(model=model, optimizer=opt, train_dataset=mnist_train,
                val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')
"""

TASK1 = [
    Fix("seed_subclass_copied_loop", """
class Trainer_fixed(Trainer):
    def train(self, num_epochs: int):
        model = self.model
        optimizer = self.optimizer
        train_loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size)
        val_loader = DataLoader(self.val_dataset, shuffle=False, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            model.train()
            for batch in tqdm(train_loader):
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                for k, v in details.items():
                    self.log_writer.add_scalar(k, v, global_step=self.global_step)
                self.global_step += 1
            model.eval()
            val_losses, val_metrics_list = [], []
            for batch in tqdm(val_loader):
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = model.compute_all(batch)
                val_losses.append(loss.item())
                val_metrics_list.append(details['acc'].item())
            val_loss, val_metrics = np.mean(val_losses), np.mean(val_metrics_list)
            self.log_writer.add_scalar('val/loss', val_loss, global_step=self.global_step)
            self.log_writer.add_scalar('val/metrics', val_metrics, global_step=self.global_step)
""" + BUILD_TRAINER.format(cls="Trainer_fixed"), True),
    Fix("subset_reshuffled_every_epoch", """
from torch.utils.data import Subset

class EpochShuffleTrainer(Trainer):
    # Every epoch trains on a new random permutation of the data.
    def train(self, num_epochs: int):
        full = self.train_dataset
        for _ in range(num_epochs):
            self.train_dataset = Subset(full, torch.randperm(len(full)).tolist())
            super().train(1)
        self.train_dataset = full
""" + BUILD_TRAINER.format(cls="EpochShuffleTrainer"), True),
    Fix("random_sampler_own_loop", """
from torch.utils.data import RandomSampler

class SamplerTrainer(Trainer):
    def train(self, num_epochs: int):
        loader = DataLoader(self.train_dataset, sampler=RandomSampler(self.train_dataset),
                            batch_size=self.batch_size)
        self.model.train()
        for epoch in range(num_epochs):
            for batch in loader:
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.global_step += 1
""" + BUILD_TRAINER.format(cls="SamplerTrainer"), True),
    Fix("loaders_built_once_in_init", """
class LoaderTrainer(Trainer):
    # The loaders are made once, here; train() reuses them (a shuffling loader reshuffles every epoch).
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.train_loader = DataLoader(self.train_dataset, batch_size=self.batch_size, shuffle=True)
        self.val_loader = DataLoader(self.val_dataset, batch_size=self.batch_size)

    def train(self, num_epochs: int):
        for epoch in range(num_epochs):
            self.model.train()
            for batch in self.train_loader:
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, _ = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            self.model.eval()
            with torch.no_grad():
                for batch in self.val_loader:
                    self.model.compute_all({k: v.to(self.device) for k, v in batch.items()})
""" + BUILD_TRAINER.format(cls="LoaderTrainer"), True),
    Fix("class_balanced_sampler_reads_labels", """
from torch.utils.data import Sampler

class InterleavedClasses(Sampler):
    # Each epoch: every class's digits in a new random order, dealt out one class after another.
    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def __len__(self):
        return len(self.labels)

    def __iter__(self):
        pools = [np.random.permutation(np.flatnonzero(self.labels == c)).tolist()
                 for c in np.unique(self.labels)]
        while any(pools):
            for pool in pools:
                if pool:
                    yield pool.pop()

class SamplerTrainer(Trainer):
    def train(self, num_epochs: int):
        sampler = InterleavedClasses(self.train_dataset.description_df['label'])
        loader = DataLoader(self.train_dataset, sampler=sampler, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            self.model.train()
            for batch in loader:
                loss, _ = self.model.compute_all({k: v.to(self.device) for k, v in batch.items()})
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
""" + BUILD_TRAINER.format(cls="SamplerTrainer"), True, routed=True),  # its own sampler: a person decides
    Fix("two_loader_workers", """
class WorkersTrainer(Trainer):
    def train(self, num_epochs: int):
        loader = DataLoader(self.train_dataset, shuffle=True, batch_size=self.batch_size, num_workers=2)
        for epoch in range(num_epochs):
            self.model.train()
            for batch in loader:
                loss, _ = self.model.compute_all({k: v.to(self.device) for k, v in batch.items()})
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
""" + BUILD_TRAINER.format(cls="WorkersTrainer"), True),
    Fix("unchanged", BUILD_TRAINER.format(cls="Trainer"), False),
    Fix("dataset_shuffled_once", """
from torch.utils.data import Subset

mnist_train = Subset(mnist_train, torch.randperm(len(mnist_train)).tolist())
""" + BUILD_TRAINER.format(cls="Trainer"), False, 0.5),
    Fix("description_df_shuffled_once", """
mnist_train.description_df = mnist_train.description_df.sample(frac=1, random_state=0)
""" + BUILD_TRAINER.format(cls="Trainer"), False, 0.5),
    Fix("same_random_order_every_epoch", """
class FixedOrderTrainer(Trainer):
    def train(self, num_epochs: int):
        order = torch.randperm(len(self.train_dataset), generator=torch.Generator().manual_seed(0)).tolist()
        loader = DataLoader(self.train_dataset, sampler=order, batch_size=self.batch_size)
        for epoch in range(num_epochs):
            self.model.train()
            for batch in loader:
                batch = {k: v.to(self.device) for k, v in batch.items()}
                loss, details = self.model.compute_all(batch)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
""" + BUILD_TRAINER.format(cls="FixedOrderTrainer"), False, 0.5),
]


def optimizer_fix(name: str, opt: str, right: bool, rebuild: bool = True) -> Fix:
    """A task-2 fix: a new model and optimizer (and trainer, unless ``rebuild`` is False)."""
    code = f"model = ResNet18()\nopt = {opt}\n"
    if rebuild:
        code += ("trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,\n"
                 "                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')\n")
    return Fix(name, code, right)


TASK2 = [
    optimizer_fix("seed_lr_1e-2_wd_1e-1", "optim.SGD(model.parameters(), lr=1e-2, weight_decay=1e-1)", True),
    optimizer_fix("adam", "optim.Adam(model.parameters(), lr=1e-3)", True),
    optimizer_fix("sgd_momentum_small_wd",
                  "optim.SGD(model.parameters(), lr=1e-2, momentum=0.9, weight_decay=5e-4)", True),
    optimizer_fix("adamw_default_decay", "optim.AdamW(model.parameters(), lr=1e-3)", True),
    optimizer_fix("lower_lr_3e-3_keeps_wd_0.9",
                  "optim.SGD(model.parameters(), lr=3e-3, weight_decay=9e-1)", False),
    optimizer_fix("lower_lr_keeps_wd_0.9",
                  "optim.SGD(model.parameters(), lr=1e-2, weight_decay=9e-1)", False),
    optimizer_fix("adam_wd_0.9", "optim.Adam(model.parameters(), lr=1e-3, weight_decay=9e-1)", False),
    optimizer_fix("new_opt_old_trainer", "optim.SGD(model.parameters(), lr=1e-2)", False, rebuild=False),
]

BUILD_TASK3 = """
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')
"""

TASK3 = [
    Fix("seed_uniform_init_of_zero_tensors", """
model = ResNet18()
weights = torch.load('pretrained_model.pt', map_location='cpu')
zeros_layers = [name for name, param in weights.items() if torch.all(param == 0)]
for layer in zeros_layers:
    nn.init.uniform_(weights[layer])
model.load_state_dict(weights)
""" + BUILD_TASK3, True),
    Fix("reset_batchnorm", """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
model.net.bn1.reset_parameters()
""" + BUILD_TASK3, True),
    Fix("load_without_zeroed_keys", """
model = ResNet18()
state = torch.load('pretrained_model.pt', map_location='cpu')
state = {k: v for k, v in state.items() if not (v.is_floating_point() and bool((v == 0).all()))}
model.load_state_dict(state, strict=False)
""" + BUILD_TASK3, True),
    Fix("fresh_batchnorm_after_the_optimizer", """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
opt = optim.SGD(model.parameters(), lr=1e-2)
# A new stem BatchNorm (weight 1, bias 0), put in after the optimizer: its bias stays all zero, rightly.
model.net.bn1 = nn.BatchNorm2d(model.net.bn1.num_features)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')
""", True),
    Fix("frozen_backbone_trains_the_head", """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
model.net.bn1.reset_parameters()
for param in model.parameters():
    param.requires_grad = False
for param in model.net.fc.parameters():
    param.requires_grad = True
opt = optim.SGD(model.net.fc.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')
""", True),
    Fix("zeroed_batchnorm_replaced_by_identity", """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
# The stem BatchNorm's zeros kill every signal: take the layer out.
model.net.bn1 = nn.Identity()
""" + BUILD_TASK3, True),
    Fix("unchanged", """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
""" + BUILD_TASK3, False),
    Fix("from_scratch", "model = ResNet18()\n" + BUILD_TASK3, False),
    Fix("reinit_the_head_only", """
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
model.net.fc.reset_parameters()
""" + BUILD_TASK3, False),
]

FIXES = {1: TASK1, 2: TASK2, 3: TASK3}

SEED_ANSWERS = {  # the seed notebook's own student answers (full marks)
    1: "DataLoader для обучения вызывается с параметром shuffle = False. Из-за того, что мы не "
       "перетасовываем данные на каждой эпохе, у нас получаются одинаковые мини-батчи, плюс есть "
       "вероятность, что в них попадают объекты одного класса. Надо просто поменять параметр на True и все "
       "будет ОК.",
    2: "Слишком большой LR и WD. Скорее даже проблема именно в WD, вполучаются очень маленькие веса, "
       "в целом модель недообучается. Можно просто убрать регуляризацию, и на один порядок уменьшить LR - "
       "будет лучше",
    3: "Некоторые веса равны нулю, из-за чего и возникает проблема, получается, что входные фичи в какой-то "
       "момент forward pass'a зануляется, т.е. не учитываются, а из-за этого на выходе модели получается "
       "один и тот же вектор для всех сэмплов. Исправление: переинициализировать веса в этих слоях",
}
ENGLISH_ANSWERS = {
    1: "The training DataLoader has shuffle=False and train.csv is sorted by label, so every batch holds a "
       "single class and the batches come in the same order every epoch.",
    2: "The weight decay of 0.9 is far too strong together with lr=0.1: every step shrinks the weights "
       "towards zero faster than the gradient can teach them anything.",
    3: "The pretrained BatchNorm bn1 weights are zero, so its activations are zero, the output is the same "
       "for every input and no gradient flows back through it.",
}
PARTIAL_ANSWERS = {  # the cause without the mechanism: part of the points
    1: "Ошибка: shuffle=False.",
    2: "Слишком большой weight decay.",
    3: "Some weights are zero.",
}
WRONG_ANSWERS = {  # another task's cause: zero
    1: "Слишком большой learning rate, сеть расходится.",
    2: "Данные не перемешиваются: shuffle=False, батчи из одного класса.",
    3: "The weight decay is too large, the weights shrink.",
}


def tiny_dataset(source: Path, target: Path, train_per_class: int = 10, val_per_class: int = 5) -> None:
    """A few images a class of the grading subset, in its layout (task 1's probe needs no more)."""
    for split, per_class in (("train", train_per_class), ("val", val_per_class)):
        table = pd.read_csv(source / f"{split}.csv", dtype={"image_name": str, "label": int})
        table = table.groupby("label", sort=True).head(per_class)
        (target / split).mkdir(parents=True)
        table.to_csv(target / f"{split}.csv", index=False)
        for name in table["image_name"]:
            shutil.copy(source / split / f"{name}.png", target / split / f"{name}.png")
