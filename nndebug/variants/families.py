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
    shown_ru: str = ""                  # how the student's feedback names the point (their tensors, line)
    shown_en: str = ""


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
    replayable: bool = True             # False: the cause lies where the answer replayed as data (the
                                        # loader's order, the optimizer, the start weights) does not reach
    hint_ru: str = ""                   # the feedback's "where to look" for a fix that failed
    hint_en: str = ""

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
GETITEM = "    def __getitem__(self, index):\n        names, labels = self._table()\n"
ROWS_NONE = "        self._rows = None\n"
# A map-style dataset read as a stream: the DataLoader's sampler (shuffle=True among them) never reaches it.
ROWS_CLASS = """

class Rows(torch.utils.data.IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __iter__(self):
        return (self.dataset[i] for i in range(len(self.dataset)))
"""
TRAIN_LINE = "        self.train_dataset = train_dataset\n"
TRAIN_VAL = """
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',
                         description_csv_path='./mnist_data/val.csv')
"""
REBUILD_TASK1 = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')"""


def _sorted_table(key: str) -> Edit:
    return Edit("experiment", VAL_LINE, VAL_LINE + "\nmnist_train.description_df = "
                f"mnist_train.description_df.sort_values({key}, ignore_index=True)")


# Every non-seed variant hides the order where a new shuffled DataLoader does not reach (the dataset, a
# stream): the seed's answer (a Trainer subclass with shuffle=True) leaves each of them in place.
TASK1 = (
    Variant(1, 0, "the trainer's DataLoader has shuffle=False; train.csv is sorted by label 0..9",
            cause=Cause("shuffle_false", ("shuffle false", "shuffle @neg", "@neg shuffle|перемешивать"),
                        "DataLoader обучения в `Trainer.train` создан с `shuffle=False`",
                        "the training DataLoader in `Trainer.train` is built with `shuffle=False`"),
            hint_ru="посмотрите, в каком порядке DataLoader обучения отдаёт примеры",
            hint_en="look at the order in which the training DataLoader yields the digits"),
    Variant(1, 1, "MNISTDataset.__getitem__ ignores its index and reads the rows in turn (a counter); the "
                  "trainer's DataLoader has shuffle=False; train.csv sorted 0..9",
            edits=(Edit("mnist_dataset", ROWS_NONE, ROWS_NONE + "        self._next = 0\n"),
                   Edit("mnist_dataset", GETITEM,
                        GETITEM + "        index, self._next = self._next % len(self), self._next + 1\n")),
            fix="# %include mnist_dataset\n# %include trainer shuffle=True\n" + TRAIN_VAL + REBUILD_TASK1,
            explanation_ru="`MNISTDataset.__getitem__` не смотрит на переданный индекс: он берёт строки "
                           "таблицы по очереди (счётчик `self._next`). Поэтому `shuffle=True` не помог бы: "
                           "DataLoader перемешивает индексы, а датасет их игнорирует и отдаёт примеры "
                           "подряд, в порядке `train.csv`, отсортированного по лейблу. Каждый батч из одной "
                           "цифры, порядок каждую эпоху один, сеть подстраивается под последний класс. "
                           "Исправление: `__getitem__` читает строку по индексу, и DataLoader обучения с "
                           "`shuffle=True`.",
            explanation_en="`MNISTDataset.__getitem__` ignores the index it is given: it reads the rows in "
                           "turn (a counter, `self._next`). So `shuffle=True` alone would not help: the "
                           "DataLoader shuffles the indices, the dataset ignores them and returns the "
                           "digits in the order of `train.csv`, sorted by label, so every batch holds one "
                           "digit, in the same order every epoch. Fix: `__getitem__` reads the row at the "
                           "index, and the training DataLoader gets `shuffle=True`.",
            cause=Cause("getitem_ignores_index", ("getitem", "_next|next|счётчик|counter",
                                                   "индекс|index игнорировать|ignore|ignores"),
                        "`MNISTDataset.__getitem__` не смотрит на индекс и читает строки по очереди "
                        "(счётчик `self._next`)",
                        "`MNISTDataset.__getitem__` ignores its index and reads the rows in turn (the "
                        "counter `self._next`)"),
            hint_ru="посмотрите, какую строку таблицы `MNISTDataset.__getitem__` отдаёт для индекса",
            hint_en="look at which row of the table `MNISTDataset.__getitem__` returns for an index"),
    Variant(1, 2, "the experiment cell wraps the training set in an IterableDataset that yields the rows in "
                  "order (a DataLoader cannot shuffle it); train.csv sorted 0..9",
            edits=(Edit("experiment", VAL_LINE, VAL_LINE + "\n" + ROWS_CLASS + "\n\nmnist_train = "
                        "Rows(mnist_train)"),),
            fix="# %include trainer shuffle=True\n\nmnist_train = mnist_train.dataset\n" + REBUILD_TASK1,
            explanation_ru="`mnist_train` обёрнут в `Rows`, это `IterableDataset`: он отдаёт примеры подряд, "
                           "в порядке `train.csv`, а тот отсортирован по лейблу. DataLoader не может "
                           "перемешать `IterableDataset` (с `shuffle=True` он падает с ошибкой), поэтому "
                           "каждый батч из одной цифры, порядок каждую эпоху один. Исправление: обычный "
                           "датасет `mnist_train.dataset` и DataLoader обучения с `shuffle=True`.",
            explanation_en="`mnist_train` is wrapped in `Rows`, an `IterableDataset`: it yields the digits "
                           "in the order of `train.csv`, sorted by label. A DataLoader cannot shuffle an "
                           "`IterableDataset` (with `shuffle=True` it raises an error), so every batch "
                           "holds one digit, in the same order every epoch. Fix: the map-style dataset "
                           "`mnist_train.dataset` and a training DataLoader with `shuffle=True`.",
            cause=Cause("iterable_dataset", ("mnist обёрнут|обернуть|обёртка|wrapped|wrap|wraps|iterable|"
                                              "terable|поток|stream",),
                        "ячейка эксперимента оборачивает `mnist_train` в `Rows` (`IterableDataset`), "
                        "который DataLoader не может перемешать",
                        "the experiment cell wraps `mnist_train` in `Rows` (an `IterableDataset`), which "
                        "no DataLoader can shuffle"),
            hint_ru="посмотрите, что за датасет ячейка эксперимента передаёт в `Trainer`",
            hint_en="look at which dataset the experiment cell hands to the `Trainer`"),
    Variant(1, 3, "Trainer.__init__ wraps the training set in an IterableDataset that yields the rows in "
                  "order; the table is sorted by label in the class order 0, 3, 6, 9, 2, 5, 8, 1, 4, 7",
            edits=(Edit("trainer", "class Trainer:", ROWS_CLASS.lstrip("\n") + "\n\nclass Trainer:"),
                   Edit("trainer", TRAIN_LINE,
                        TRAIN_LINE.replace("= train_dataset", "= Rows(train_dataset)")),
                   _sorted_table("'label', key=lambda label: label * 7 % 10, kind='stable'")),
            fix="# %include trainer shuffle=True\n" + REBUILD_TASK1,
            explanation_ru="`Trainer.__init__` оборачивает датасет обучения в `Rows`, это `IterableDataset`: "
                           "примеры идут подряд, в порядке таблицы, а она отсортирована по лейблу (классы "
                           "в порядке 0, 3, 6, 9, ...). DataLoader не может перемешать `IterableDataset`, "
                           "поэтому каждый батч из одной цифры, порядок каждую эпоху один. Исправление: "
                           "тренер без этой обёртки, DataLoader обучения с `shuffle=True`.",
            explanation_en="`Trainer.__init__` wraps the training set in `Rows`, an `IterableDataset`: the "
                           "digits come in the table's order, sorted by label (classes 0, 3, 6, 9, ...). A "
                           "DataLoader cannot shuffle an `IterableDataset`, so every batch holds one digit, "
                           "in the same order every epoch. Fix: a trainer without that wrapper and a "
                           "training DataLoader with `shuffle=True`.",
            cause=Cause("iterable_in_trainer", ("init обёртка|оборачивать|обёрнут|wrap|wraps|wrapper|"
                                                 "iterable|terable|поток|stream",),
                        "`Trainer.__init__` оборачивает датасет обучения в `Rows` (`IterableDataset`), "
                        "который DataLoader не может перемешать",
                        "`Trainer.__init__` wraps the training set in `Rows` (an `IterableDataset`), which "
                        "no DataLoader can shuffle"),
            hint_ru="посмотрите, что `Trainer.__init__` делает с датасетом обучения",
            hint_en="look at what `Trainer.__init__` does to the training set"),
)

SEED_OPT = "opt = optim.SGD(model.parameters(), lr=10e-2, weight_decay=9e-1)"
PLAIN_OPT = "opt = optim.SGD(model.parameters(), lr=10e-2)"
SEED_LOSS = "loss = F.cross_entropy(logits, y)"
STEP = "                optimizer.step()\n"
OPT_LINE = "        self.optimizer = optimizer\n"
REBUILD_TASK2 = """
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)

trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')"""

TASK2 = (
    Variant(2, 0, "SGD(lr=0.1, weight_decay=0.9) in the experiment cell",
            cause=Cause("sgd_weight_decay_0.9", ("@wd 0.9|9e-1", "weight_decay 9e-1|0.9"),
                        "`optim.SGD(..., weight_decay=9e-1)` в ячейке эксперимента",
                        "`optim.SGD(..., weight_decay=9e-1)` in the experiment cell"),
            hint_ru="посмотрите на настройки оптимизатора в ячейке эксперимента",
            hint_en="look at the optimizer's settings in the experiment cell"),
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
                                        "compute_all 0.45", "sum p 2"),
                        "L2-штраф `0.45 * sum(p ** 2)` в лоссе `ResNet18.compute_all`",
                        "the L2 penalty `0.45 * sum(p ** 2)` in the loss of `ResNet18.compute_all`"),
            hint_ru="посмотрите, из чего складывается лосс в `ResNet18.compute_all`",
            hint_en="look at what the loss in `ResNet18.compute_all` is made of",
            replayable=False),
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
            cause=Cause("decay_in_trainer", ("trainer|тренер @weights 0.91", "mul 0.91",
                                              "trainer|тренер умножать|multiply"),
                        "`Trainer.train` умножает все веса на 0.91 после каждого `optimizer.step()`",
                        "`Trainer.train` multiplies every weight by 0.91 after each `optimizer.step()`"),
            hint_ru="посмотрите, что `Trainer.train` делает с весами после шага оптимизатора",
            hint_en="look at what `Trainer.train` does to the weights after the optimizer's step",
            replayable=False),
    Variant(2, 3, "Trainer.__init__ sets weight_decay=0.9 in every parameter group of the optimizer it is "
                  "given; SGD(lr=0.1)",
            edits=(Edit("trainer", OPT_LINE, OPT_LINE + "        for group in self.optimizer.param_groups:\n"
                        "            group.update(weight_decay=0.9)\n"),
                   Edit("experiment", SEED_OPT, PLAIN_OPT)),
            fix="# %include trainer\n" + REBUILD_TASK2,
            explanation_ru="`Trainer.__init__` ставит `weight_decay=0.9` в каждую группу параметров "
                           "оптимизатора, который ему передали: какой бы оптимизатор ни создать, тренер "
                           "включает в нём weight decay 0.9, и при `lr=0.1` каждый шаг SGD умножает веса на "
                           "0.91. Веса стягиваются к нулю быстрее, чем сеть учится, выход почти не зависит "
                           "от картинки. Исправление: тренер, который не трогает настройки оптимизатора.",
            explanation_en="`Trainer.__init__` sets `weight_decay=0.9` in every parameter group of the "
                           "optimizer it is given: whatever optimizer is built, the trainer turns on a "
                           "weight decay of 0.9, and with `lr=0.1` every SGD step multiplies the weights by "
                           "0.91, pulling them to zero. Fix: a trainer that leaves the optimizer's settings "
                           "alone.",
            cause=Cause("decay_set_by_trainer", ("init @wd|param|group|группа", "param groups"),
                        "`Trainer.__init__` ставит `weight_decay=0.9` в каждую группу параметров "
                        "оптимизатора",
                        "`Trainer.__init__` sets `weight_decay=0.9` in every parameter group of the "
                        "optimizer"),
            hint_ru="посмотрите, что `Trainer.__init__` делает с оптимизатором, который ему передали",
            hint_en="look at what `Trainer.__init__` does to the optimizer it is given"),
)

TASK3_MODULES = {1: "layer2.0", 2: "layer3.0", 3: "layer4.0"}
TASK3_HINT = ("сравните тензоры state_dict из pretrained_model.pt со свежей моделью",
              "compare the tensors of pretrained_model.pt's state_dict with a fresh model's")


# Zeroed as a reset leaves a BatchNorm, then its affine zeroed: weight, bias, running_mean and the integer
# batch counter num_batches_tracked are all zero. Code that fills every all-zero tensor with
# ``nn.init.uniform_`` (the seed's answer) stops at the integer counter; resetting the layers, or
# re-initialising the float tensors, heals.
ZEROED_TENSORS = ("weight", "bias", "running_mean", "num_batches_tracked")


def _block_tensors(block: str) -> tuple[str, ...]:
    return tuple(f"net.{block}.{bn}.{t}" for bn in ("bn2", "downsample.1") for t in ZEROED_TENSORS)


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
        3, index, f"pretrained_model.pt: {block}'s bn2 and downsample BatchNorm zeroed (weight, bias, "
                  "running_mean, num_batches_tracked)",
        fix=_task3_fix(block), zeroed=_block_tensors(block),
        explanation_ru=f"В `pretrained_model.pt` занулены BatchNorm первого блока `{layer}`: `{block}.bn2` и "
                       f"`{block}.downsample.1` (weight и bias, их статистики тоже сброшены в ноль). Оба "
                       "пути блока (основной и shortcut) дают 0, после ReLU выход блока нулевой, и дальше "
                       "сеть выдаёт один и тот же вектор для любого входа; градиент через нулевые "
                       "активации тоже нулевой. Исправление: переинициализировать эти BatchNorm "
                       "(weight = 1, bias = 0, статистики заново).",
        explanation_en=f"In `pretrained_model.pt` the BatchNorms of the first block of `{layer}` are zeroed: "
                       f"`{block}.bn2` and `{block}.downsample.1` (weight and bias, their statistics reset "
                       "to zero too). Both paths of the block give 0, so after the ReLU the block outputs "
                       "zeros and the network the same vector for every input; no gradient flows back. "
                       "Fix: re-initialise those BatchNorms (weight 1, bias 0, fresh statistics).",
        cause=Cause(f"zeroed_{layer}", (layer,),  # the layer only: every block has a "downsample"
                    f"в `pretrained_model.pt` занулены BatchNorm первого блока `{layer}`: `{block}.bn2` и "
                    f"`{block}.downsample.1`",
                    f"`pretrained_model.pt` has the BatchNorms of the first block of `{layer}` zeroed: "
                    f"`{block}.bn2` and `{block}.downsample.1`"),
        hint_ru=TASK3_HINT[0], hint_en=TASK3_HINT[1])


TASK3 = (
    Variant(3, 0, "pretrained_model.pt: the stem BatchNorm net.bn1 zeroed (kit.toml [model] zeroed)",
            cause=Cause("zeroed_bn1", ("bn1", "@bn stem", "@bn после|after conv1|свёртка"),
                        "в `pretrained_model.pt` занулены `net.bn1.weight` и `net.bn1.bias` (BatchNorm после "
                        "первой свёртки)",
                        "`pretrained_model.pt` has `net.bn1.weight` and `net.bn1.bias` zeroed (the BatchNorm "
                        "after the first convolution)"),
            hint_ru=TASK3_HINT[0], hint_en=TASK3_HINT[1]),
    *(_task3(i) for i in (1, 2, 3)),
)

FAMILIES: dict[int, tuple[Variant, ...]] = {1: TASK1, 2: TASK2, 3: TASK3}

# rubric.toml's cause concept of each task names the seed's bug (shuffle=False, weight_decay=0.9, bn1); a
# student of another variant reads it in these words (ru, en) instead: the task's cause, not the seed's.
TASK_CAUSE: dict[int, tuple[str, str]] = {
    1: ("причина: обучение получает примеры не перемешанными, в порядке train.csv (отсортирован по меткам)",
        "cause: the training gets the digits unshuffled, in the order of train.csv (sorted by label)"),
    2: ("причина: слишком сильный weight decay (L2-регуляризация), стягивающий веса к нулю",
        "cause: a weight decay far too strong (L2 regularization) pulling the weights to zero"),
    3: ("причина: в предобученных весах занулены слои BatchNorm",
        "cause: the pretrained weights have BatchNorm layers zeroed"),
}


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
