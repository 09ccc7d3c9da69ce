"""End to end on the real release: the reference solutions get full marks through `autograde`, feedback
shows no hidden-test line, and an attack from a real task's fix cell is contained."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from browser import image_widths, screenshot

from nndebug import config
from nndebug.autograde.feedback import hidden_test_lines, leaked_lines, visible_text
from nndebug.autograde.grade import Course, autograde
from nndebug.autograde.scores import read_csv

pytestmark = pytest.mark.slow
ATTACK = '''
import os
for _path in ("../../../source", "../../../gradebook.db", "../../reference"):
    try:
        os.listdir(_path) if not _path.endswith(".db") else open(_path, "rb").read(16)
        print("LEAKED", _path)
    except OSError as _err:
        print("CONTAINED", _path, type(_err).__name__)
'''


# Attacks from a student who has read the kit: each leaves the task's bug in place and writes a wrong answer.
# 1. Replace every function of every kit module the kernel can import (names built at run time), and the
#    loaders the checks might use.
REPLACE_EVERYTHING = '''
import builtins, importlib, json, pkgutil, types
pkg = importlib.import_module("nn" + "debug")
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    try:
        mod = importlib.import_module(info.name)
    except Exception:
        continue
    for name, value in list(vars(mod).items()):
        if isinstance(value, types.FunctionType):
            setattr(mod, name, lambda *a, **k: None)
json.load = lambda *a, **k: {}
torch.load = lambda *a, **k: {}
builtins.round = lambda *a, **k: -1
builtins.abs = lambda *a, **k: 0
'''
# 2. Forge the answer: let the capture write it, then rewrite it as a right fix's: torch's SGD without decay,
#    a shuffled loader of batch 128 over the given digits (read twice, as the capture reads them).
FORGE_EVIDENCE = '''
import json as _json
_capture = __import__("nn" + "debug.kernel.answer", fromlist=["capture"])
_real_capture = _capture.capture
def _forged_capture(namespace, folder, *args, **kwargs):
    _real_capture(namespace, folder, *args, **kwargs)
    path = folder + "/answer.json"
    answer = _json.load(open(path))
    answer.update(stopped=True, error="", started=True)
    for group in (answer.get("optimizer") or {}).get("groups", []):
        group["settings"].update(lr=0.01, weight_decay=0)
    answer["loader"] = {"kind": "DataLoader", "class": "torch.utils.data.dataloader.DataLoader",
                        "batch_size": 128, "drop_last": False, "batch_sampler": "BatchSampler",
                        "dataset": "MNISTDataset", "dataset_kind": "map",
                        "sampler": {"kind": "RandomSampler", "replacement": False, "num_samples": None,
                                    "class": "torch.utils.data.sampler.RandomSampler"}}
    size = len(mnist_train)
    images = torch.zeros(2, size, 28, 28, dtype=torch.uint8)
    labels = torch.zeros(2, size, dtype=torch.long)
    for i in range(size):
        images[:, i] = torch.as_tensor(mnist_train[i]["sample"])[0].to(torch.uint8)
        labels[:, i] = mnist_train[i]["label"]
    tensors = torch.load(folder + "/answer.pt")
    tensors.update(probe_images=images, probe_labels=labels,
                   probe_orders=torch.stack([torch.randperm(size), torch.randperm(size)]))
    torch.save(tensors, folder + "/answer.pt")
    open(path, "w").write(_json.dumps(answer))
_capture.capture = _forged_capture
'''
# 3. Make every test cell's last value None, a string or a negative number (nbgrader: full points).
FORGE_VALUES = '''
import sys as _sys
_ip = get_ipython()
_ip.events.register("post_run_cell", lambda result: setattr(result, "result", -1))
_sys.displayhook = lambda value: print("-1")
class _Swallow:
    def visit(self, node):
        import ast
        node.body.append(ast.Expr(ast.Constant("passed")))
        return ast.fix_missing_locations(node)
_ip.ast_transformers.append(_Swallow())
'''
WRONG_ANSWER = "Думаю, дело в слишком маленьком размере батча и в плохой архитектуре сети."
ATTACKERS = {"forger_replace": (1, REPLACE_EVERYTHING), "forger_evidence": (2, FORGE_EVIDENCE),
             "forger_values": (3, FORGE_VALUES)}
# A student's wrong fixes: the shuffle left out, weight decay 0.9 kept with a lower lr, bn1 left zeroed.
WRONG_FIXES = {
    1: "model = ResNet18()\nopt = optim.SGD(model.parameters(), lr=1e-2)\n"
       "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val, "
       "tboard_log_dir='./tboard_logs/w1')",
    2: "model = ResNet18()\nopt = optim.SGD(model.parameters(), lr=1e-2, weight_decay=9e-1)\n"
       "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val, "
       "tboard_log_dir='./tboard_logs/w2')",
    3: "model = ResNet18()\nmodel.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))\n"
       "opt = optim.SGD(model.parameters(), lr=1e-2)\n"
       "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val, "
       "tboard_log_dir='./tboard_logs/w3')",
}
# What the feedback of each wrong fix must say (the verifier's measured reason, in English beside Russian).
WRONG_REASONS = {1: "the training batches are not mixed", 2: "weight decay 0.9 is above a usual size",
                 3: "tensors that are all zero: net.bn1.weight"}
CRASHING = '''
class CrashingTrainer(Trainer):
    def train(self, num_epochs):
        raise RuntimeError("loader exploded on purpose")

trainer = CrashingTrainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val,
                          tboard_log_dir='./tboard_logs/crash')
'''


def cell_of(nb, grade_id: str):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def submit_release(root, student: str, task: int, fix: str, answer: str) -> None:
    """The release notebook of ``task`` with ``fix`` and ``answer`` in its answer cells."""
    name = config.notebook(task)
    nb = nbformat.read(str(root / "release" / config.assignment() / f"{name}.ipynb"), as_version=4)
    cell_of(nb, f"task{task}_fix").source = fix
    cell_of(nb, f"task{task}_explanation").source = answer
    folder = root / "submitted" / student / config.assignment()
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / f"{name}.ipynb"))


def fix_cell(nb, task: int):
    return next(c for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"task{task}_fix")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_subset, pretrained_model):
    assignment = config.assignment()
    root = tmp_path_factory.mktemp("release")
    for name in ("source", "release"):
        if not (config.ROOT / name / assignment).is_dir():
            pytest.skip(f"{name}/{assignment} is not built (make release)")
        shutil.copytree(config.ROOT / name / assignment, root / name / assignment)
    shutil.copy2(config.ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    # The reference solutions, as a student would submit them.
    shutil.copytree(root / "source" / assignment, root / "submitted" / "reference" / assignment)
    # An attacker who submits only task 2: the honest fix, then a probe of the course directory.
    task2 = config.notebook(2)
    nb = nbformat.read(root / "source" / assignment / f"{task2}.ipynb", as_version=4)
    fix_cell(nb, 2).source += "\n" + ATTACK
    (root / "submitted" / "attacker" / assignment).mkdir(parents=True)
    nbformat.write(nb, root / "submitted" / "attacker" / assignment / f"{task2}.ipynb")
    for student, (task, attack) in ATTACKERS.items():
        submit_release(root, student, task, attack, WRONG_ANSWER)
    submit_release(root, "crasher", 3, CRASHING, WRONG_ANSWER)
    for task, fix in WRONG_FIXES.items():
        submit_release(root, "wrong", task, fix, "")
    course = Course(root=root)
    outcomes = {o.student: o for o in autograde(course, echo=lambda *_: None)}
    return course, outcomes, read_csv(root / "autograded" / "scores.csv")


def task_score(rows, student, prefix):
    mine = [r for r in rows if r["student_id"] == student and r["grade_id"].startswith(prefix)]
    return sum(float(r["score"] or 0) for r in mine), sum(float(r["max_score"] or 0) for r in mine)


@pytest.mark.parametrize("task", config.TASKS)
def test_reference_solution_gets_full_marks(graded, task):
    _, outcomes, rows = graded
    for kind in ("fix", "explanation"):
        got, top = task_score(rows, "reference", f"task{task}_{kind}")
        assert top > 0 and got == top, (kind, got, top, outcomes["reference"].problems)


def test_feedback_shows_no_hidden_test(graded):
    course, _, _ = graded
    secret = hidden_test_lines(course.root / "source" / course.assignment,
                               course.root / "release" / course.assignment)
    files = sorted((course.root / "feedback").rglob("*.html"))
    assert len(files) == 18 and secret  # 11 notebooks and 7 index pages
    for path in files:
        assert leaked_lines(path, secret) == [], path


def test_attack_from_a_real_fix_cell_is_contained(graded):
    course, outcomes, rows = graded
    task2 = config.notebook(2)
    nb = nbformat.read(course.autograded / "attacker" / course.assignment / f"{task2}.ipynb", as_version=4)
    text = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "CONTAINED" in text and "LEAKED" not in text
    # The fix is right, but the cell opens paths outside the staged ones: the screen sends it to a person
    # (0 until a TA scores it), never to full marks automatically.
    got, top = task_score(rows, "attacker", "task2_fix")
    assert top > 0 and got == 0
    assert "## attacker," in (course.autograded / "routed.md").read_text(encoding="utf-8")
    assert "is missing" in " ".join(p.message for p in outcomes["attacker"].problems)


@pytest.mark.parametrize("student", sorted(ATTACKERS))
def test_forged_verdicts_score_zero(graded, student):
    """Bug left in, wrong answer: replaced checks, forged evidence or forged cell values earn nothing."""
    _, _, rows = graded
    task = ATTACKERS[student][0]
    mine = [r for r in rows if r["student_id"] == student and r["notebook"] == config.notebook(task)]
    assert mine and all(float(r["score"] or 0) == 0 for r in mine), mine


def test_a_crashed_training_cell_is_reported_with_its_error(graded):
    course, outcomes, rows = graded
    report = (course.autograded / "report.md").read_text()
    assert "loader exploded on purpose" in report and "train_fixed" in report
    assert task_score(rows, "crasher", "task3_fix")[0] == 0


@pytest.mark.parametrize("task", config.TASKS)
def test_feedback_of_a_wrong_fix_names_the_measured_reason_and_plots_the_run(graded, task):
    course, _, rows = graded
    assert task_score(rows, "wrong", f"task{task}_fix")[0] == 0
    page = course.root / "feedback" / "wrong" / course.assignment / f"{config.notebook(task)}.html"
    text = visible_text(page)
    assert WRONG_REASONS[task] in text, text[-3000:]
    assert "data:image/png;base64," in page.read_text(), "the training plot is missing"
    assert "Score of this answer: 0 из / of" in text


def test_index_page_renders_in_chromium_with_its_images(graded, tmp_path):
    course, _, _ = graded
    index = course.root / "feedback" / "wrong" / course.assignment / "index.html"
    secret = hidden_test_lines(course.root / "source" / course.assignment,
                               course.root / "release" / course.assignment)
    assert leaked_lines(index, secret) == []
    text = visible_text(index)
    assert "Итого / Total: 0 of" in text.replace("из / of", "of") or "Total: 0" in text
    for notebook in (config.notebook(t) for t in config.TASKS):
        assert f'href="{notebook}.html"' in index.read_text()
    shot = screenshot(index, tmp_path / "index.png")
    assert shot.stat().st_size > 10_000
    widths = image_widths(index)
    assert len(widths) == 3 and all(w > 0 for w in widths), widths
