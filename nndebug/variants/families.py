"""The variant families: for each task, the seed's bug (variant 0) and other bugs of the same kind.

A variant is data: edits of the seed's given cells (exact text, each found exactly once), the reference fix
of the ``taskN_fix`` cell, the reference explanation, and the rubric point that names its specific cause.
Nothing a student sees names the cause: the edits change code only, with neutral names and no comments.
Kit-side only: this module never goes into a student tree.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (found exactly once) by ``new`` in the given cell ``cell`` (its grade id)."""

    cell: str
    old: str
    new: str


@dataclass(frozen=True)
class Cause:
    """The rubric point that names this variant's specific cause (phrases in rubric.toml's syntax)."""

    name: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    """One variant of one task."""

    task: int
    index: int
    summary: str                        # the cause in a line (README, report, fidelity): kit-side only
    edits: tuple[Edit, ...] = ()
    fix: str = ""                       # the reference taskN_fix ('# %include NAME' lines); "": the seed's
    explanation_ru: str = ""            # the reference explanation; "": the seed's
    explanation_en: str = ""
    cause: Cause | None = None
    zeroed: tuple[str, ...] = ()        # task 3: the tensors its model zeroes (variant 0: kit.toml [model])

    @property
    def key(self) -> str:
        """``task<N>v<k>``: how reports and manifests name it."""
        return f"task{self.task}v{self.index}"

    @property
    def is_seed(self) -> bool:
        return self.index == 0


SEED_LOADER = "train_loader = DataLoader(self.train_dataset, shuffle=False, batch_size=self.batch_size)"
VAL_LINE = ("mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',\n"
            "                         description_csv_path='./mnist_data/val.csv')")
TASK1_FIX = """\
# %include trainer shuffle=True

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')"""
ORDER = Cause("order_source", ("@order @class", "@class sort|отсортировать|упорядочить"))


def _sorted_table(key: str) -> Edit:
    return Edit("experiment", VAL_LINE, VAL_LINE + "\nmnist_train.description_df = "
                f"mnist_train.description_df.sort_values({key}, ignore_index=True)")


TASK1 = (
    Variant(1, 0, "the trainer's DataLoader has shuffle=False; train.csv is sorted by label 0..9",
            cause=Cause("shuffle_false", ("shuffle false", "shuffle @neg", "@neg shuffle|перемешивать"))),
    Variant(1, 1, "the trainer's DataLoader takes a SequentialSampler; train.csv sorted 0..9",
            edits=(Edit("trainer", SEED_LOADER, SEED_LOADER.replace(
                "shuffle=False", "sampler=torch.utils.data.SequentialSampler(self.train_dataset)")),),
            fix=TASK1_FIX,
            explanation_ru="DataLoader обучения берёт `SequentialSampler`: примеры идут подряд, в порядке "
                           "`train.csv`, а он отсортирован по лейблу. Каждый батч состоит из одной цифры, и "
                           "порядок один и тот же каждую эпоху: сеть подстраивается под последний класс. "
                           "Исправление: `shuffle=True` (случайный порядок заново каждую эпоху).",
            explanation_en="The training DataLoader takes a `SequentialSampler`: the digits come in the "
                           "order of `train.csv`, which is sorted by label, so every batch holds one digit "
                           "and every epoch the same order. Fix: `shuffle=True`.",
            cause=Cause("sequential_sampler", ("sequentialsampler", "sequential sampler",
                                                "последовательный sampler|сэмплер"))),
    Variant(1, 2, "the DataLoader leaves shuffle at its default (False); the training table is sorted by "
                  "label 9..0 in the experiment cell",
            edits=(Edit("trainer", SEED_LOADER, SEED_LOADER.replace("shuffle=False, ", "")),
                   _sorted_table("'label', ascending=False")),
            fix=TASK1_FIX,
            explanation_ru="Таблица обучения отсортирована по лейблу (от 9 к 0), а DataLoader обучения "
                           "создаётся без `shuffle` (по умолчанию `False`): каждый батч из одной цифры, "
                           "порядок каждую эпоху один. Исправление: `shuffle=True`.",
            explanation_en="The training table is sorted by label (9 down to 0) and the training DataLoader "
                           "has no `shuffle` (default `False`): every batch holds one digit, in the same "
                           "order every epoch. Fix: `shuffle=True`.",
            cause=Cause("default_no_shuffle", ("shuffle default|умолчание|умолчанию",
                                                "sort|sorted|отсортировать|отсортированный @class 9",
                                                "descending|убывание|убывающий"))),
    Variant(1, 3, "the DataLoader's sampler is range(len(dataset)); the table is sorted by label in the "
                  "class order 0, 3, 6, 9, 2, 5, 8, 1, 4, 7",
            edits=(Edit("trainer", SEED_LOADER, SEED_LOADER.replace(
                "shuffle=False", "sampler=range(len(self.train_dataset))")),
                   _sorted_table("'label', key=lambda label: label * 7 % 10, kind='stable'")),
            fix=TASK1_FIX,
            explanation_ru="DataLoader обучения берёт `sampler=range(len(...))`: индексы по порядку, а "
                           "таблица обучения отсортирована по лейблу. Каждый батч из одной цифры, порядок "
                           "каждую эпоху один. Исправление: `shuffle=True` вместо этого sampler.",
            explanation_en="The training DataLoader's sampler is `range(len(...))`: the indices in order, "
                           "over a table sorted by label, so every batch holds one digit, in the same order "
                           "every epoch. Fix: `shuffle=True` instead of that sampler.",
            cause=Cause("range_sampler", ("sampler range", "range len", "sampler индекс|index"))),
)

SEED_OPT = "opt = optim.SGD(model.parameters(), lr=10e-2, weight_decay=9e-1)"
PLAIN_OPT = "opt = optim.SGD(model.parameters(), lr=10e-2)"
SEED_LOSS = "loss = F.cross_entropy(logits, y)"
STEP = "                optimizer.step()\n"
REBUILD_TASK2 = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')"""

TASK2 = (
    Variant(2, 0, "SGD(lr=0.1, weight_decay=0.9) in the experiment cell",
            cause=Cause("sgd_weight_decay_0.9", ("@wd 0.9|9e-1", "weight_decay 9e-1|0.9"))),
    Variant(2, 1, "an L2 term 0.45 * sum(w**2) added to the loss in ResNet18.compute_all; SGD(lr=0.1)",
            edits=(Edit("resnet18", SEED_LOSS,
                        SEED_LOSS + " + 0.45 * sum((p ** 2).sum() for p in self.parameters())"),
                   Edit("experiment", SEED_OPT, PLAIN_OPT)),
            fix="# %include resnet18\n" + REBUILD_TASK2,
            explanation_ru="В `compute_all` к лоссу прибавлен L2-штраф `0.45 * sum(p ** 2)` по всем весам: "
                           "это weight decay 0.9, и при `lr=0.1` каждый шаг SGD умножает веса на 0.91. "
                           "Штраф сильнее градиента задачи, веса стягиваются к нулю, выход почти не зависит "
                           "от картинки. Исправление: убрать штраф из лосса (и взять `lr=1e-2`).",
            explanation_en="`compute_all` adds an L2 penalty `0.45 * sum(p ** 2)` over all weights to the "
                           "loss: weight decay 0.9, and with `lr=0.1` every SGD step multiplies the weights "
                           "by 0.91, pulling them to zero. Fix: drop the penalty from the loss.",
            cause=Cause("l2_in_loss", ("@wd loss|лосс|compute_all", "штраф|penalty loss|лосс",
                                        "compute_all 0.45", "sum p 2"))),
    Variant(2, 2, "the trainer multiplies every weight by 0.91 after each optimizer step; SGD(lr=0.1)",
            edits=(Edit("trainer", STEP, STEP + "                with torch.no_grad():\n"
                        "                    for p in model.parameters():\n"
                        "                        p.mul_(0.91)\n"),
                   Edit("experiment", SEED_OPT, PLAIN_OPT)),
            fix="# %include trainer\n" + REBUILD_TASK2,
            explanation_ru="`Trainer.train` после каждого `optimizer.step()` умножает все веса на 0.91: "
                           "это weight decay, вписанный в тренер. Веса стягиваются к нулю быстрее, чем сеть "
                           "учится, выход почти не зависит от картинки. Исправление: тренер без этого "
                           "умножения.",
            explanation_en="`Trainer.train` multiplies every weight by 0.91 after each `optimizer.step()`: "
                           "a weight decay written into the trainer, pulling the weights to zero faster "
                           "than the network learns. Fix: a trainer without that multiplication.",
            cause=Cause("decay_in_trainer", ("trainer|тренер @weights 0.91", "mul_ 0.91", "0.91 step|шаг",
                                              "trainer|тренер умножать|multiply"))),
    Variant(2, 3, "AdamW(lr=1e-3, weight_decay=90): decoupled decay of 9% of every weight per step",
            edits=(Edit("experiment", SEED_OPT,
                        "opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=90.0)"),),
            fix=REBUILD_TASK2.replace("optim.SGD(model.parameters(), lr=1e-2)",
                                      "optim.AdamW(model.parameters(), lr=1e-3)").lstrip("\n"),
            explanation_ru="У `AdamW` `weight_decay=90`: decoupled weight decay каждый шаг вычитает "
                           "`lr * weight_decay = 0.09` от каждого веса, то есть умножает веса на 0.91. Веса "
                           "стягиваются к нулю, сеть не учится. Исправление: обычный weight decay (по "
                           "умолчанию 0.01).",
            explanation_en="`AdamW` has `weight_decay=90`: its decoupled decay takes `lr * weight_decay = "
                           "0.09` of every weight each step, pulling the weights to zero. Fix: a usual "
                           "weight decay (the default 0.01).",
            cause=Cause("adamw_weight_decay_90", ("adamw @wd", "@wd 90", "decoupled"))),
)

TASK3_MODULES = {1: "layer2.0", 2: "layer3.0", 3: "layer4.0"}


def _block_tensors(block: str) -> tuple[str, ...]:
    return tuple(f"net.{block}.{bn}.{t}" for bn in ("bn2", "downsample.1") for t in ("weight", "bias"))


def _task3_fix(block: str) -> str:
    layer, index = block.split(".")
    return f"""\
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
model.net.{layer}[{index}].bn2.reset_parameters()
model.net.{layer}[{index}].downsample[1].reset_parameters()

opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')"""


def _task3(index: int) -> Variant:
    block = TASK3_MODULES[index]
    layer = block.split(".")[0]
    return Variant(
        3, index, f"pretrained_model.pt: {block}'s bn2 and downsample BatchNorm zeroed (weight and bias)",
        fix=_task3_fix(block), zeroed=_block_tensors(block),
        explanation_ru=f"В `pretrained_model.pt` занулены BatchNorm первого блока `{layer}`: `{block}.bn2` и "
                       f"`{block}.downsample.1` (weight и bias). Оба пути блока (основной и shortcut) "
                       "дают 0, после ReLU выход блока нулевой, и дальше сеть выдаёт один и тот же вектор "
                       "для любого входа; градиент через нулевые активации тоже нулевой. Исправление: "
                       "переинициализировать эти BatchNorm (weight = 1, bias = 0).",
        explanation_en=f"In `pretrained_model.pt` the BatchNorms of the first block of `{layer}` are zeroed: "
                       f"`{block}.bn2` and `{block}.downsample.1` (weight and bias). Both paths of the "
                       "block give 0, so after the ReLU the block outputs zeros and the network the same "
                       "vector for every input; no gradient flows back. Fix: re-initialise those "
                       "BatchNorms (weight 1, bias 0).",
        cause=Cause(f"zeroed_{layer}", (layer,)))  # the layer only: every block has a "downsample"


TASK3 = (
    Variant(3, 0, "pretrained_model.pt: the stem BatchNorm net.bn1 zeroed (kit.toml [model] zeroed)",
            cause=Cause("zeroed_bn1", ("bn1", "@bn first|первый|stem", "@bn после|after conv1|свёртка"))),
    *(_task3(i) for i in (1, 2, 3)),
)

FAMILIES: dict[int, tuple[Variant, ...]] = {1: TASK1, 2: TASK2, 3: TASK3}


def family(task: int) -> tuple[Variant, ...]:
    """The variants of ``task``, variant 0 first."""
    if task not in FAMILIES:
        raise KeyError(f"task {task} has no variant family (tasks: {', '.join(map(str, FAMILIES))})")
    return FAMILIES[task]


def variant(task: int, index: int) -> Variant:
    """Variant ``index`` of ``task``; KeyError naming the family's size."""
    variants = family(task)
    if not 0 <= index < len(variants):
        raise KeyError(f"task {task} has variants 0..{len(variants) - 1}, not {index}")
    return variants[index]


def seed(task: int) -> Variant:
    """The seed's own bug: what every student gets with variants off."""
    return family(task)[0]
