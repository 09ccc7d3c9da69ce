"""A test class for the similarity report, built from the kit's own corpora: honest students and disguised
copies, as answer notebooks under ``submitted/`` (and an archive of "last year").

Honest students each get their own explanations (``tests/rubric_corpus/``: right, partial, wrong, negated,
off-topic... in Russian and English; never the same answer twice) and fixes (``tests/fix_variants.py``'s
different right and wrong fixes, each distinctive one given once, and the short common fixes many students
write: a given trainer copied with ``shuffle=True``, a new optimizer, a reset BatchNorm). Copies take
another's answers and disguise them: names and variables changed, lines and sentences reordered, comments
and words swapped; or paste the seed's, the reference's or last year's answers.
"""
from __future__ import annotations

import json
import random
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fix_variants import TASK1, TASK2, TASK3

from nndebug import config
from nndebug.rubric import corpus
from nndebug.similarity import extract

Answers = dict[tuple[int, str], str]
INDEPENDENT = Path(__file__).parent / "similarity_corpus"  # written apart from the kit: explanations, fixes
NOT_HONEST_KINDS = {"stuffed-other-task", "other task pasted"}  # another task's answer pasted
SEED_LIKE = "original-like"  # the independent corpus's answers written from the seed's: copies of the seed
# The explanations copies take have this many words or more: a copied answer of a few words ("weight decay
# is too large") cannot be told from two students writing the same (README: what it does not flag).
MIN_WORDS = 15


@dataclass
class TestClass:
    """The students' answers, which pairs are copies (student, source), and the archive's students."""

    students: dict[str, Answers] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)   # copy -> the student or source it copied
    archive: dict[str, Answers] = field(default_factory=dict)

    @property
    def honest(self) -> list[str]:
        return [s for s in self.students if s not in self.copies]


# ---------------------------------------------------------------- honest fixes: the many ways to write one

SEED_LOOP = TASK1[0].code  # the seed's way: the given Trainer.train copied, shuffle=True


def task1_common(rng: random.Random) -> str:
    """The given training loop copied with ``shuffle=True`` (what most students hand in), small tweaks."""
    extra = "".join(rng.sample([", drop_last=True", ", num_workers=2", ", pin_memory=True", ""], 1))
    name = rng.choice(["Trainer_fixed", "TrainerFixed", "ShuffleTrainer", "FixedTrainer", "MyTrainer"])
    code = SEED_LOOP.replace("Trainer_fixed", name)
    return code.replace("shuffle=True, batch_size=self.batch_size)",
                        f"shuffle=True, batch_size=self.batch_size{extra})", 1)


def task2_common(rng: random.Random) -> str:
    opt = rng.choice(["optim.SGD(model.parameters(), lr=1e-2)", "optim.SGD(model.parameters(), lr=0.01)",
                      "optim.Adam(model.parameters(), lr=1e-3)", "optim.Adam(model.parameters())",
                      "optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)",
                      "optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)",
                      "optim.AdamW(model.parameters(), lr=3e-4)", "optim.SGD(model.parameters(), lr=0.05)",
                      "optim.RMSprop(model.parameters(), lr=1e-3)",
                      "optim.SGD(model.parameters(), lr=1e-1, weight_decay=0)"])
    tail = rng.choice(["exp2_fixed", "exp2_fix", "fixed"])
    return (f"model = ResNet18()\nopt = {opt}\n\ntrainer = Trainer(model=model, optimizer=opt, "
            f"train_dataset=mnist_train,\n                  val_dataset=mnist_val, "
            f"tboard_log_dir='./tboard_logs/{tail}')\n")


def task3_common(rng: random.Random) -> str:
    repair = rng.choice(["model.net.bn1.reset_parameters()", "nn.init.ones_(model.net.bn1.weight)",
                         "model.net.bn1.weight.data.fill_(1.0)",
                         "with torch.no_grad():\n    model.net.bn1.weight.fill_(1)"])
    return ("model = ResNet18()\nmodel.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))"
            f"\n{repair}\n" + TASK3[0].code.split("model.load_state_dict(weights)\n", 1)[1])


COMMON = {1: task1_common, 2: task2_common, 3: task3_common}
# Each distinctive fix goes to one honest student at most; three are kept for the students copied from.
KEPT = ("subset_reshuffled_every_epoch", "class_balanced_sampler_reads_labels",
        "frozen_backbone_trains_the_head")
DISTINCT = {1: [f.code for f in TASK1[1:] if f.name not in ("unchanged", *KEPT)],
            2: [f.code for f in TASK2 if "adam" not in f.name and "seed" not in f.name],
            3: [f.code for f in TASK3
                if f.name not in ("unchanged", "seed_uniform_init_of_zero_tensors", *KEPT)]}


# ---------------------------------------------------------------- disguises

SYNONYMS = {
    "данные": "сэмплы", "батч": "мини-батч", "батчи": "пакеты", "сеть": "модель", "модель": "сетка",
    "поэтому": "из-за этого", "каждый": "любой", "класса": "лейбла", "веса": "параметры", "очень": "сильно",
    "слишком": "чересчур", "потому": "так как", "ошибка": "баг", "проблема": "беда",
    "нулю": "нулевому значению",
    "the": "a", "network": "model", "model": "net", "batch": "minibatch", "every": "each", "data": "samples",
    "weights": "parameters", "because": "since", "so": "therefore", "too": "overly", "large": "big",
    "loader": "dataloader", "problem": "issue", "zero": "zeros",
}


SWAP, DROP = 0.5, 0.08  # the share of listed words swapped for a synonym, of other words dropped


def reword(text: str, rng: random.Random) -> str:
    """Sentences in another order, synonyms swapped in, a word dropped here and there."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    rng.shuffle(sentences)
    out = []
    for sentence in sentences:
        words = sentence.split(" ")
        kept = []
        for word in words:
            bare = word.strip(".,:;!?()").lower()
            if bare in SYNONYMS and rng.random() < SWAP:
                word = word.lower().replace(bare, SYNONYMS[bare])
            elif rng.random() < DROP and len(words) > 6:
                continue
            kept.append(word)
        out.append(" ".join(kept))
    return " ".join(out)


_DEFINED = re.compile(r"\b(?:class|def)\s+(\w+)|^\s*(\w+)\s*=(?!=)|\bfor\s+(\w+)\s+in\b", re.MULTILINE)
KEEP = {"model", "opt", "trainer", "mnist_train", "mnist_val", "self", "train", "__init__", "__len__",
        "__iter__"}


def disguise_code(code: str, rng: random.Random) -> str:
    """Names renamed, comments dropped and new ones written, top-level blocks reordered where the order
    does not matter (definitions before use), quotes swapped."""
    names = {n for m in _DEFINED.finditer(code) for n in m.groups() if n and n not in KEEP}
    for name in sorted(names, key=len, reverse=True):
        new = f"{name[:1]}{rng.randrange(10, 99)}_{name[::-1][:3]}"
        keyword = re.compile(rf"([(,]\s*){re.escape(name)}(\s*=(?!=))")  # a keyword argument keeps its name
        code = keyword.sub(rf"\1@@{name}\2", code)
        code = re.sub(rf"(?<!@@)\b{re.escape(name)}\b", new, code).replace(f"@@{name}", name)
    lines = [re.sub(r"\s+#.*$", "", line) for line in code.splitlines() if not line.strip().startswith("#")]
    blocks: list[list[str]] = []
    for line in lines:
        if blocks and (line.startswith((" ", "\t", ")")) or not line.strip()):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    imports = [b for b in blocks if b[0].startswith(("from ", "import "))]
    defs = [b for b in blocks if b[0].startswith(("class ", "def "))]
    rest = [b for b in blocks if b not in imports and b not in defs]
    rng.shuffle(defs)
    out = [line for b in imports + defs + rest for line in b]
    out.insert(0, rng.choice(["# my solution", "# fixed version", "# исправление"]))
    return "\n".join(out).replace("'", '"') + "\n"


# ---------------------------------------------------------------- the class

def independent(kind: str) -> list[dict]:
    """The entries of ``tests/similarity_corpus/<kind>.toml`` (``explanations`` or ``fixes``)."""
    with open(INDEPENDENT / f"{kind}.toml", "rb") as fh:
        data = tomllib.load(fh)
    return data["answer" if kind == "explanations" else "fix"]


def build_class(honest: int = 60, seed: int = 0) -> TestClass:
    """``honest`` honest students and 15 copies of every kind (README: Similarity, the test class)."""
    rng = random.Random(seed)
    written = independent("explanations")
    pool = {t: [a.text for a in corpus.load() if a.task == t and a.kind not in NOT_HONEST_KINDS]
            + [a["text"].strip() for a in written if a["task"] == t
               and a["style"] not in NOT_HONEST_KINDS and a["style"] != SEED_LIKE]
            for t in config.TASKS}
    for t in pool:
        rng.shuffle(pool[t])
    distinct = {t: list(DISTINCT[t]) + [f["code"].strip("\n") + "\n" for f in independent("fixes")
                                        if f["task"] == t] for t in config.TASKS}
    for t in distinct:
        rng.shuffle(distinct[t])
    seed_answers = extract.seed_author().answers
    reference = {a.name: a.answers for a in extract.reference_authors()}

    def own() -> Answers:
        answers = {}
        for t in config.TASKS:
            answers[(t, "explanation")] = pool[t].pop()
            answers[(t, "fix")] = distinct[t].pop() if distinct[t] and rng.random() < 0.5 else COMMON[t](rng)
        return answers

    made = TestClass()
    for i in range(honest):
        made.students[f"honest{i:02d}"] = own()
    last_year = own()
    while any(len(last_year[(t, "explanation")].split()) < MIN_WORDS for t in config.TASKS):
        last_year = own()
    made.archive["2025/petrov"] = last_year
    # Distinctive code worth copying: give three honest students the sampler, the worker loader, the subset.
    made.students["honest00"][(1, "fix")] = TASK1[4].code
    made.students["honest01"][(3, "fix")] = TASK3[4].code
    made.students["honest02"][(1, "fix")] = TASK1[1].code

    def copy_of(name: str, source: str, answers: Answers, keys: list[tuple[int, str]]) -> None:
        mine = own()
        for key in keys:
            disguise = reword if key[1] == "explanation" else disguise_code
            mine[key] = disguise(answers[key], rng)
        made.students[name] = mine
        made.copies[name] = source

    everything = [(t, p) for t in config.TASKS for p in ("explanation", "fix")]
    explanations = [(t, "explanation") for t in config.TASKS]
    taken = {"honest00", "honest01", "honest02"}

    def wordy(keys: list[tuple[int, str]]) -> str:
        """The next honest student whose explanations among ``keys`` have MIN_WORDS words or more."""
        for student in sorted(made.students):
            answers = made.students[student]
            long_enough = all(len(answers[k].split()) >= MIN_WORDS for k in keys if k[1] == "explanation")
            if student.startswith("honest") and student not in taken and long_enough:
                taken.add(student)
                return student
        raise ValueError("no honest student with answers that long")

    for name, keys in (("copy_all", everything), ("copy_explanations", explanations),
                       ("copy_two_of_three", [(2, "explanation"), (3, "explanation")])):
        source = wordy(keys)
        copy_of(name, source, made.students[source], keys)
    copy_of("copy_sampler_code", "honest00", made.students["honest00"], [(1, "fix")])
    copy_of("copy_task3_code", "honest01", made.students["honest01"], [(3, "fix")])
    copy_of("copy_subset_trainer", "honest02", made.students["honest02"], [(1, "fix")])
    ring = wordy(explanations)
    copy_of("copy_ring_a", ring, made.students[ring], explanations + [(1, "fix")])
    copy_of("copy_ring_b", ring, made.students[ring], explanations)
    copy_of("copy_seed_disguised", "seed", seed_answers,
            [(1, "explanation"), (3, "explanation"), (3, "fix")])
    copy_of("copy_reference", "reference (ru)", reference["reference (ru)"],
            [(1, "explanation"), (2, "explanation")])
    copy_of("copy_archive", "archive:2025/petrov", made.archive["2025/petrov"], everything)
    # The seed's task-2 answer pasted as it is, into an answer of one's own words.
    mine = own()
    mine[(2, "explanation")] = pool[2].pop() + "\n\n" + seed_answers[(2, "explanation")]
    made.students["copy_seed_pasted"] = mine
    made.copies["copy_seed_pasted"] = "seed"
    # The independent corpus's answers written from the seed's, each handed in by one student.
    for number, entry in enumerate(a for a in written if a["style"] == SEED_LIKE):
        mine = own()
        mine[(entry["task"], "explanation")] = entry["text"].strip()
        made.students[f"copy_seed_like{number}"] = mine
        made.copies[f"copy_seed_like{number}"] = "seed"
    return made


# ---------------------------------------------------------------- as notebooks

def write_notebooks(answers: Answers, folder: Path, release: Path) -> None:
    """The release notebooks with these answers in their answer cells, as a student hands them in."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(release.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            match = extract.ANSWER_ID.match(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
            if match and (int(match.group(1)), match.group(2)) in answers:
                cell["source"] = answers[(int(match.group(1)), match.group(2))]
        (folder / path.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def write_class(made: TestClass, root: Path) -> None:
    """``root/submitted/<student>/nn_debug/`` and ``root/archive/<year>/<student>/nn_debug/``."""
    release = config.RELEASE_DIR / config.assignment()
    for student, answers in made.students.items():
        write_notebooks(answers, root / "submitted" / student / config.assignment(), release)
    for student, answers in made.archive.items():
        write_notebooks(answers, root / "archive" / student / config.assignment(), release)
