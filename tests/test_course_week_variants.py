"""A course week with per-student variants, through the kit's own verbs (`make publish`, `make collect`,
`make autograde`, `make return` call ``python -m nndebug <verb>``; here ``nndebug.__main__.main`` in this
process, so that kit.toml's [variants] can be switched on for it) in a scratch course root.

A roster of six, one with a Cyrillic name. Three honest students open their own published tree
(``dist/student/s/<token>/``), write a right fix of their own bug in their own way (not the kit's reference
text) and explain it in their own words, two in Russian and one, whose roster language is English, in the
English notebooks. A friend hands in an honest student's notebooks, one student pastes the public seed
answers, one hands in one task of three. Everything comes back as a Moodle "Download all submissions" zip
whose names are cp866 without the UTF-8 flag (what Windows writes in a Russian locale).

The honest three score full on every test with no "edited" line anywhere; the copy (another student's owner
token and variant: 0 on the fix whose cause it leaves in place) and the paste (the public answers) are
listed by `make return`; the missing task is in autograded/report.md; every honest feedback page names the
student's own cause in the page's language, never the seed's.

The pins keep the grading cheap: task 2 is v3 for every honest student (v1 and v2 go to a person: not
replayable), and the honest fixes deal the reference's shuffled order, rebuild the reference optimizer or
the reference start weights, so their replays are the reference's (cached); the wrong fixes are not replayed.
``NN_DEBUG_WEEK_DIR=<folder>`` keeps the week there and reuses it on the next run (while developing)."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from test_published_course import scratch_copy
from variant_kit import KEY

from nndebug import config
from nndebug.autograde.scores import read_csv
from nndebug.collect import zipnames
from nndebug.rubric import spec
from nndebug.rubric.spec import english_name
from nndebug.variants import families, fidelity, grading, rubric_point, secret
from nndebug.variants import publish as variant_publish

pytestmark = pytest.mark.slow

ASSIGNMENT = config.assignment()
NOTEBOOKS = {t: config.kit().tasks[t].notebook for t in config.TASKS}
# student id, full name, e-mail, Moodle participant id, language
ROSTER = [
    ("s01", "Анна Петрова", "anna@uni.example", "5101", "ru"),    # honest, Cyrillic name
    ("s02", "Boris Kim", "boris@uni.example", "5102", "ru"),      # honest
    ("s03", "Emily Clark", "emily@uni.example", "5103", "en"),    # honest, English notebooks
    ("s04", "Dmitry Orlov", "dmitry@uni.example", "5104", ""),    # hands in s01's tasks 1 and 3
    ("s05", "Felix Wagner", "felix@uni.example", "5105", "ru"),   # pastes the seed's public answers
    ("s06", "Grace Li", "grace@uni.example", "5106", "en"),       # hands in task 1 only
]
HONEST = ("s01", "s02", "s03")
FRIEND, COPIED, PASTE, PARTIAL = "s04", "s01", "s05", "s06"
VARIANTS = {"s01": (1, 3, 1), "s02": (2, 3, 2), "s03": (3, 3, 3),
            "s04": (2, 3, 2), "s05": (2, 3, 3), "s06": (2, 3, 2)}
PINS = tuple(f"{sid} " + " ".join(f"{t}={i}" for t, i in zip(config.TASKS, v, strict=True))
             for sid, v in VARIANTS.items())


def language(sid: str) -> str:
    return next(row[4] for row in ROSTER if row[0] == sid) or "ru"


def variant(sid: str, task: int) -> families.Variant:
    return families.variant(task, VARIANTS[sid][task - 1])


# --- what the students wrote -------------------------------------------------------------------------
# Each student's own training loop with a reshuffling loader (students write these differently: a shared
# loop would be flagged by the similarity report, rightly).
LOOP_S01 = """
    def train(self, num_epochs):
        model, optimizer = self.model, self.optimizer
        # теперь перемешиваем
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
            accs = [model.compute_all({k: v.to(self.device) for k, v in b.items()})[1]['acc'].item()
                    for b in val_loader]
            print(epoch, np.mean(accs))
"""
LOOP_S02 = """
    def train(self, num_epochs):
        sampler = RandomSampler(self.train_dataset)   # новая перестановка каждую эпоху
        for ep in range(num_epochs):
            self.model.train()
            for step, batch in enumerate(DataLoader(self.train_dataset, batch_size=128, sampler=sampler)):
                self.optimizer.zero_grad()
                loss, _ = self.model.compute_all({'sample': batch['sample'].to(self.device),
                                                  'label': batch['label'].to(self.device)})
                loss.backward()
                self.optimizer.step()
                if step % 5 == 0:
                    print(ep, step, round(loss.item(), 3))
"""
LOOP_S03 = """
    def train(self, num_epochs):
        epoch = 0
        while epoch < num_epochs:
            self.model.train(True)
            loader = DataLoader(self.train_dataset, self.batch_size, True)  # shuffle=True: a new order
            losses = []
            for data in loader:
                x, y = data['sample'].to(self.device), data['label'].to(self.device)
                loss = self.model.compute_all(dict(sample=x, label=y))[0]
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                losses.append(float(loss))
            self.log_writer.add_scalar('train/epoch_loss', sum(losses) / len(losses), epoch)
            epoch += 1
"""
LOOP_S06 = """
    def train(self, n):
        for _ in range(n):
            for b in DataLoader(self.train_dataset, batch_size=self.batch_size, shuffle=True):
                l, d = self.model.compute_all({key: b[key].to(self.device) for key in b})
                l.backward(); self.optimizer.step(); self.optimizer.zero_grad()
"""

FIXES = {
    ("s01", 1): """\
# __getitem__ игнорировал index (брал self._next по кругу) - читаю строку по индексу
class IndexedMNIST(MNISTDataset):
    def __getitem__(self, index):
        names, labels = self._table()
        return dict(sample=self._image(names[index]).astype(np.float32), label=int(labels[index]))


class ShuffleTrainer(Trainer):""" + LOOP_S01 + """

mnist_train = IndexedMNIST(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = IndexedMNIST(images_dir_path='./mnist_data/val/', description_csv_path='./mnist_data/val.csv')
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = ShuffleTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                         tboard_log_dir='./tboard_logs/exp1_fixed/')
""",
    ("s01", 2): """\
class TrainerNoDecay(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # родительский __init__ ставит weight_decay=0.9 во все группы - возвращаю 0
        for group in self.optimizer.param_groups:
            group['weight_decay'] = 0


model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = TrainerNoDecay(model=model, optimizer=opt, train_dataset=mnist_train,
                         val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')
""",
    ("s01", 3): """\
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt'))
# нулевые BatchNorm в layer2[0]: bn2 и downsample[1] - ставлю как у нового слоя
block = model.net.layer2[0]
with torch.no_grad():
    for bn in [block.bn2, block.downsample[1]]:
        bn.weight.fill_(1.0)
        bn.bias.zero_()
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0)

opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/exp3_fixed')
""",
    ("s02", 1): """\
# mnist_train - это Rows (IterableDataset), его нельзя перемешать; беру то, что внутри
plain_train = mnist_train.dataset


from torch.utils.data import RandomSampler


class MyTrainer(Trainer):""" + LOOP_S02 + """

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = MyTrainer(model=model, optimizer=opt, train_dataset=plain_train,
                    val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')
""",
    ("s02", 2): """\
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')
# Trainer испортил opt (weight_decay=0.9), поэтому даю ему новый оптимизатор уже после создания
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer.optimizer = opt
""",
    ("s02", 3): """\
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', weights_only=True))
for name, module in model.named_modules():
    if isinstance(module, nn.BatchNorm2d) and not module.weight.detach().any():
        print('нулевой BatchNorm:', name)
        module.reset_parameters()

opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')
""",
    ("s03", 1): """\
class UnwrappedTrainer(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the parent wraps the dataset in Rows (a stream): keep the real one
        self.train_dataset = kwargs['train_dataset']
""" + LOOP_S03 + """

model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = UnwrappedTrainer(model=model, optimizer=opt, train_dataset=mnist_train,
                           val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp1_fixed/')
""",
    ("s03", 2): """\
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp2_fixed')
# Trainer.__init__ silently turned on weight_decay=0.9 -> switch it off again
for g in trainer.optimizer.param_groups:
    g['weight_decay'] = 0
""",
    ("s03", 3): """\
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))
fresh = ResNet18()
# layer4[0].bn2 and its shortcut BatchNorm are all zeros: copy a fresh BatchNorm's state into them
model.net.layer4[0].bn2.load_state_dict(fresh.net.layer4[0].bn2.state_dict())
model.net.layer4[0].downsample[1].load_state_dict(fresh.net.layer4[0].downsample[1].state_dict())
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,
                  val_dataset=mnist_val, tboard_log_dir='./tboard_logs/exp3_fixed')
""",
    ("s06", 1): """\
class T(Trainer):""" + LOOP_S06 + """

mnist_train = mnist_train.dataset
model = ResNet18()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = T(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
            tboard_log_dir='./tboard_logs/exp1_fixed/')
""",
    ("s06", 3): """\
model = ResNet18()
model.load_state_dict(torch.load('pretrained_model.pt'))
for bad in ('bn2', 'downsample'):
    layer = getattr(model.net.layer3[0], bad)
    (layer[1] if bad == 'downsample' else layer).reset_parameters()
opt = optim.SGD(model.parameters(), lr=1e-2)
trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                  tboard_log_dir='./tboard_logs/exp3_fixed')
""",
}

EXPLANATIONS = {
    ('s01', 1): "Датасет сломан: `MNISTDataset.__getitem__` вообще не смотрит на index, который ему передают,"
                " а берёт строки по счётчику `self._next` подряд. Так что даже если включить перемешивание в "
                "DataLoader, он перемешает индексы, а датасет их проигнорирует и будет выдавать картинки в "
                "порядке train.csv, а там сначала все нули, потом единицы и т.д. В итоге в каждом батче одна "
                "и та же цифра, и сеть забывает прошлые классы. Я переписала `__getitem__`, чтобы он читал "
                "строку по индексу, и сделала DataLoader обучения с shuffle=True.",
    ('s01', 2): "Тут оптимизатор создаётся без weight decay, но `Trainer.__init__` сам проставляет "
                "`weight_decay=0.9` в каждую группу параметров (`param_groups`) того оптимизатора, который "
                "ему передали. С lr=0.1 это значит, что каждый шаг веса умножаются примерно на 0.91 и "
                "стягиваются к нулю сильнее, чем их учит градиент, поэтому сеть недообучается и выдаёт почти "
                "одно и то же. Исправила: после создания тренера обнуляю weight_decay в группах параметров и "
                "беру lr=1e-2.",
    ('s01', 3): "В `pretrained_model.pt` у первого блока `layer2` занулены BatchNorm: `layer2.0.bn2` и "
                "`layer2.0.downsample.1` (у них weight и bias по нулям, и running_mean тоже). Из-за этого и "
                "основная ветка, и shortcut дают ноль, после ReLU выход блока нулевой, и дальше сеть выдаёт "
                "один и тот же вектор для любой картинки, градиент через нули не проходит. Я "
                "переинициализировала эти два BatchNorm: weight = 1, bias = 0, running_mean = 0, running_var "
                "= 1.",
    ('s02', 1): "mnist_train в ячейке эксперимента обёрнут в класс Rows, это IterableDataset, который просто "
                "отдаёт примеры подряд по порядку train.csv (а он отсортирован по меткам). Такой поток "
                "DataLoader не умеет перемешивать, с shuffle=True он вообще падает. Поэтому батчи состоят из "
                "одного класса, порядок каждую эпоху один и тот же, и сеть учит только последний класс. "
                "Исправление: взять обычный датасет `mnist_train.dataset` и перемешивать его в DataLoader "
                "обучения (shuffle=True).",
    ('s02', 2): "weight decay 0.9 ставит сам тренер: в `Trainer.__init__` он проходит по param_groups "
                "оптимизатора и делает group.update(weight_decay=0.9), то есть какой оптимизатор ни передай, "
                "будет сильная L2-регуляризация. Каждый шаг тянет веса к нулю сильнее, чем градиент их учит, "
                "модель недообучается. Исправил так: после создания тренера подменил trainer.optimizer на "
                "новый SGD(lr=1e-2) без weight decay.",
    ('s02', 3): "Сравнил state_dict из pretrained_model.pt со свежей моделью: в первом блоке `layer3` "
                "занулены BatchNorm `layer3.0.bn2` и `layer3.0.downsample.1` (веса, смещения и running_mean "
                "все нули). Тогда блок на выходе даёт ноль, и сеть для любой картинки выдаёт одинаковый "
                "вектор, градиенты через этот блок тоже нулевые. Исправление: нашёл BatchNorm с нулевыми "
                "весами и сделал им reset_parameters() (weight=1, bias=0, статистики заново).",
    ('s03', 1): "`Trainer.__init__` wraps the training dataset in `Rows`, an IterableDataset that just yields"
                " the rows one after another, in the order of the table, and the table is sorted by label "
                "(classes 0, 3, 6, 9, ...). A DataLoader cannot shuffle an iterable dataset, so every batch "
                "holds one digit and the order is the same every epoch, and the network forgets the earlier "
                "classes. My fix: a trainer that keeps the original dataset instead of the wrapper and trains"
                " with a shuffled DataLoader (shuffle=True).",
    ('s03', 2): "The experiment itself builds SGD without decay, but `Trainer.__init__` goes through the "
                "optimizer's param groups and sets weight_decay=0.9 in every one of them, whatever optimizer "
                "it is given. With lr=0.1 every step shrinks the weights by about 9%, so they are pulled to "
                "zero harder than the gradient can teach them and the network underfits. Fix: after building "
                "the trainer I set the weight decay of every param group back to 0.",
    ('s03', 3): "The BatchNorms of the first block of `layer4` in `pretrained_model.pt` are zeroed: "
                "`layer4.0.bn2` and `layer4.0.downsample.1` have weight, bias and running_mean all zero. So "
                "both the main path and the shortcut of that block output 0, after the ReLU the block gives "
                "zeros and the network returns the same vector for every input; no gradient flows through it."
                " Fix: I copied fresh BatchNorm parameters (weight 1, bias 0, new statistics) into those two "
                "layers from a new ResNet18.",
    ('s06', 1): "The data is wrapped in Rows and comes sorted, so batches are one class; shuffle fixes it.",
    ('s06', 3): "Some BatchNorm weights in layer3 are zero, so the output is constant. Reset them.",
}


def seed_answers() -> dict[int, tuple[str, str]]:
    """{task: (fix, explanation)} of the public seed notebook's student (notebooks/seed_answers.toml)."""
    import tomllib

    with open(fidelity.SEED_ANSWERS, "rb") as fh:
        data = tomllib.load(fh)
    return {t: (data[f"task{t}"]["fix"], data[f"task{t}"]["explanation"]) for t in config.TASKS}


def answered(path: Path, fix: str, explanation: str) -> bytes:
    """The student's own notebook with its two answer cells written, saved as Colab saves it."""
    nb = nbformat.read(str(path), as_version=4)
    task = next(t for t, name in NOTEBOOKS.items() if path.name == f"{name}.ipynb")
    for cell in nb.cells:
        if cell.get("id") == f"task{task}_fix":
            cell.source = fix
        elif cell.get("id") == f"task{task}_explanation":
            cell.source = explanation
    nb.metadata["colab"] = {"provenance": [], "gpuType": "T4"}
    nb.metadata["accelerator"] = "GPU"
    return nbformat.writes(nb).encode("utf-8")


class Cp866Name(zipfile.ZipInfo):
    """A zip entry named in cp866 without the UTF-8 flag (Windows in a Russian locale)."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.filename.encode("cp866"), self.flag_bits & ~zipfile_utf8()


def zipfile_utf8() -> int:
    return zipnames.UTF8_FLAG


def moodle_zip(path: Path, handed_in: dict[str, list[tuple[str, bytes]]]) -> Path:
    """Moodle's "Download all submissions": ``<Full name>_<participant id>_assignsubmission_file_/<file>``."""
    people = {row[0]: row for row in ROSTER}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for sid, files in handed_in.items():
            _, name, _, lms_id, _ = people[sid]
            for file_name, data in files:
                info = Cp866Name(f"{name}_{lms_id}_assignsubmission_file_/{file_name}",
                                 date_time=(2026, 12, 1, 20, 15, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    with zipfile.ZipFile(path) as archive:           # as written: no flag, not UTF-8
        assert all(not i.flag_bits & zipnames.UTF8_FLAG for i in archive.infolist())
        assert any(i.filename.startswith("Анна".encode("cp866").decode("cp437")) for i in archive.infolist())
    return path


def verb(root: Path, *argv: str) -> tuple[int, str]:
    """``python -m nndebug <verb> ...`` as `make` runs it in the course root: (exit code, what it printed)."""
    env = {k: v for k, v in os.environ.items() if k != secret.ENV}
    env |= {"PYTHONPATH": str(root), config.KIT_ENV: str(root / "kit.toml")}
    done = subprocess.run([sys.executable, "-m", "nndebug", *argv], cwd=root, env=env, capture_output=True,
                          text=True, timeout=1200)
    return done.returncode, done.stdout + done.stderr


def course_with_variants(root: Path) -> None:
    """A scratch copy of the repository whose kit.toml turns variants on with the pins, its secret, roster."""
    scratch_copy(root)
    kit = (root / "kit.toml").read_text(encoding="utf-8")
    section = kit.index("\n[variants]")
    on = kit[section:].replace("enabled = false", "enabled = true", 1).replace(
        "pins = []", "pins = [" + ", ".join(f'"{p}"' for p in PINS) + "]", 1)
    (root / "kit.toml").write_text(kit[:section] + on, encoding="utf-8")
    (root / "course_secret.key").write_text(KEY.hex() + "\n")
    with open(root / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "full_name", "email", "lms_id", "language"])
        writer.writerows(ROSTER)


def run_week(root: Path) -> dict:
    progress = root / "said.json"         # what each verb printed (NN_DEBUG_WEEK_DIR: done verbs are kept)
    said = json.loads(progress.read_text()) if progress.is_file() else {}
    if "return" in said:
        return said
    if not said:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        course_with_variants(root)

    def step(name: str, *argv: str) -> None:
        if name not in said:
            rc, said[name] = verb(root, name, *argv)
            assert rc == 0, said[name]
            progress.write_text(json.dumps(said, ensure_ascii=False))

    step("publish", "--dist", str(root / "dist"))
    trees = root / "dist" / "student" / variant_publish.TREES
    seed = seed_answers()
    handed_in: dict[str, list[tuple[str, bytes]]] = {}
    for sid, *_ in ROSTER:
        own = trees / grading.owner_token(KEY, sid) / ("en" if language(sid) == "en" else "")
        files = []
        for task, name in NOTEBOOKS.items():
            if sid == PASTE:
                fix, text = seed[task]
            elif (sid, task) in FIXES and (sid != PARTIAL or task == 1):
                fix, text = FIXES[(sid, task)], EXPLANATIONS[(sid, task)]
            else:
                continue                      # s06 hands in task 1 only; s04 copies below
            files.append((f"{name}.ipynb", answered(own / f"{name}.ipynb", fix, text)))
        handed_in[sid] = files
    # The friend's notebooks are s01's, bytes and all (tasks 1 and 3: the variant told and the fix measured
    # against the friend's own; a third copy would test nothing more and cost a graded notebook).
    handed_in[FRIEND] = [f for f in handed_in[COPIED] if not f[0].startswith(NOTEBOOKS[2])]
    source = moodle_zip(root / "submissions.zip", handed_in)
    (root / "handed_in.json").write_text(json.dumps({s: [n for n, _ in f] for s, f in handed_in.items()}))
    for name, *argv in (("collect", "--from", str(source)), ("autograde",), ("return",)):
        step(name, *argv)
    return said


@pytest.fixture(scope="module")
def week(tmp_path_factory, grading_subset, pretrained_model, variant_models) -> tuple[Path, dict]:
    kept = os.environ.get("NN_DEBUG_WEEK_DIR")
    root = Path(kept) if kept else tmp_path_factory.mktemp("course-week") / "course"
    return root, run_week(root)


def scores(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in read_csv(root / "autograded" / "scores.csv"):
        out.setdefault(row["student_id"], []).append(row)
    return out


def score(rows: list[dict], grade_id: str) -> float:
    return sum(float(r["score"] or 0) for r in rows if r["grade_id"] == grade_id)


def report_sections(root: Path) -> dict[str, str]:
    text = (root / "autograded" / "report.md").read_text(encoding="utf-8")
    return {part.split(" ", 1)[0].split("\n", 1)[0]: part for part in text.split("\n## ")[1:]}


def feedback_pages(root: Path, sid: str) -> dict[str, str]:
    folder = root / "feedback" / sid / ASSIGNMENT
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))}


def test_collect_read_the_cp866_names_and_placed_every_notebook(week):
    root, said = week
    handed_in = json.loads((root / "handed_in.json").read_text())
    for sid, names in handed_in.items():
        placed = (root / "submitted" / sid / ASSIGNMENT).glob("*.ipynb")
        assert sorted(p.name for p in placed) == sorted(names)
    collected = json.loads((root / "collect" / "collected.json").read_text(encoding="utf-8"))
    assert set(collected) == {row[0] for row in ROSTER}
    report = (root / "collect" / "report.md").read_text(encoding="utf-8")
    assert "Анна Петрова" in report or "s01" in report
    assert "Ђ" not in report and "\\x" not in report          # no name read as cp437, none unreadable
    assert "6 student(s)" in said["collect"] and "0 file(s) need attention" in said["collect"]


def test_the_honest_three_score_full_on_every_test(week):
    root, _ = week
    table = scores(root)
    for sid in HONEST:
        rows = table[sid]
        assert len(rows) == sum(len([r for r in rows if r["notebook"] == n]) for n in NOTEBOOKS.values())
        assert {r["notebook"] for r in rows} == set(NOTEBOOKS.values())
        short = [(r["grade_id"], r["score"], r["max_score"]) for r in rows
                 if float(r["score"] or 0) != pytest.approx(float(r["max_score"]))]
        assert not short, (sid, short)
    grades = {r["student_id"]: r for r in csv.DictReader(open(root / "grades.csv", encoding="utf-8"))}
    total = sum(float(r["max_score"]) for r in table["s01"])
    assert all(float(grades[sid]["score"]) == pytest.approx(total) for sid in HONEST)


def test_no_edited_line_for_an_honest_student_anywhere(week):
    root, _ = week
    sections = report_sections(root)
    words = re.compile(r"edited|изменил|изменен|изменён|metadata .* was changed", re.IGNORECASE)
    for sid in HONEST:
        assert not words.search(sections.get(sid, "")), sections[sid]
        assert "COPY?" not in sections.get(sid, "")
        for page, html in feedback_pages(root, sid).items():
            assert not words.search(html), (sid, page, words.search(html))


def test_the_copy_scores_0_on_the_fix_it_leaves_in_place_and_is_listed(week):
    root, said = week
    rows = scores(root)[FRIEND]
    points = config.kit().tasks[3]
    assert score(rows, "task3_fix_pretrained") == 0          # s01's fix repairs layer2, s04's bug is layer3
    lost = points.points_explanation * rubric_point.CAUSE_SHARE
    assert score(rows, "task3_explanation_rubric") <= points.points_explanation - lost + 0.01
    section = report_sections(root)[FRIEND]
    assert "COPY?" in section and "owner token" in section
    assert f"graded against {variant(FRIEND, 3).key}" in section
    assert f"carries variant {variant(COPIED, 1).key}, not the student's own {variant(FRIEND, 1).key}" \
        in section
    listed = said["return"].split("flagged as possible copies", 1)[1]
    assert re.search(rf"^  {FRIEND}: .*COPY\?", listed, re.MULTILINE), listed
    assert FRIEND in (root / "outbound" / "report.md").read_text(encoding="utf-8")


def test_the_seed_paste_scores_0_on_every_fix_and_is_listed(week):
    root, said = week
    rows = scores(root)[PASTE]
    fixes = {r["grade_id"] for r in rows if "_fix" in r["grade_id"] and float(r["max_score"]) > 0}
    assert len(fixes) == len(config.TASKS) and all(score(rows, g) == 0 for g in fixes)
    listed = said["return"].split("flagged as possible copies", 1)[1]
    line = next(x for x in listed.splitlines() if x.startswith(f"  {PASTE}: "))
    assert "seed" in line and "similarity.md" in line, line
    outbound = (root / "outbound" / "report.md").read_text(encoding="utf-8")
    assert PASTE in outbound


def test_the_missing_task_is_reported(week):
    root, said = week
    section = report_sections(root)[PARTIAL]
    assert f"{NOTEBOOKS[2]}.ipynb" in section and "missing" in section
    assert score(scores(root)[PARTIAL], "task2_fix_optimizer") == 0
    collect_report = (root / "collect" / "report.md").read_text(encoding="utf-8")
    assert PARTIAL in collect_report and NOTEBOOKS[2] in collect_report


def test_every_feedback_page_names_the_students_own_cause_in_its_language(week):
    root, _ = week
    for sid in HONEST:
        pages = feedback_pages(root, sid)
        lang = language(sid)
        for task, name in NOTEBOOKS.items():
            html = pages[name]
            own = variant(sid, task).cause
            assert own is not None
            shown = own.shown_en if lang == "en" else own.shown_ru
            said = "named: the specific cause" if lang == "en" else "названо: конкретная причина"
            text = re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'").replace("&quot;", '"')
            assert said in text, (sid, name)
            assert re.sub(r"`", "", shown) in re.sub(r"`", "", text), (sid, name, shown)
            seed = families.seed(task).cause
            assert seed.shown_ru not in text and seed.shown_en not in text
            concepts = spec.load().tasks[task].concepts
            seed_point = next(p for p in concepts if not p.mechanism)
            assert seed_point.name not in text and english_name(task, seed_point.name) not in text
            if lang == "en":                   # the English page in English only (a Russian one is bilingual)
                assert "названо" not in text and "конкретная причина" not in text, (sid, name)


def test_return_sends_every_graded_student_and_only_the_flagged_ones_as_copies(week):
    root, said = week
    assert "6 grade(s)" in said["return"], said["return"]
    with open(root / "outbound" / "moodle_grades.csv", newline="", encoding="utf-8") as fh:
        assert {row[0] for row in list(csv.reader(fh))[1:]} == {row[2] for row in ROSTER}
    with zipfile.ZipFile(root / "outbound" / "moodle_feedback.zip") as archive:
        folders = {n.split("/", 1)[0] for n in archive.namelist()}
    assert "Анна Петрова_5101_assignsubmission_file_" in folders and len(folders) == len(ROSTER)
    listed = said["return"].split("flagged as possible copies", 1)[1]
    flagged = set(re.findall(r"^  (s\d\d): ", listed, re.MULTILINE))
    assert {FRIEND, PASTE} <= flagged
    assert not flagged & {"s02", "s03", PARTIAL}
