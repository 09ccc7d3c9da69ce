"""The graded run's evidence as the driver seals it: what the kernel writes after the dump (a thread, an exit
hook) does not count, and an event callback registered before the graded cell cannot swap the weights in
before the dump. A real kernel (sandboxed and not) on a tiny stand-in trainer: no training."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import torch

from nndebug.autograde.job import GradingJob
from nndebug.kernel.record import RUN_FILE, WEIGHTS_FILE

TRAINER = '''
import torch

class TinyTrainer:
    def __init__(self):
        self.model = torch.nn.Linear(4, 10)
        self.model.compute_all = self._compute_all
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.train_dataset = list(range(4))

    def _compute_all(self, batch):
        logits = self.model(batch["sample"].reshape(len(batch["label"]), -1)[:, :4])
        loss = torch.nn.functional.cross_entropy(logits, batch["label"])
        return loss, {"acc": (logits.argmax(1) == batch["label"]).float().mean()}

    def train(self, epochs):
        for _ in range(epochs):
            self.model.train()
            batch = {"sample": torch.rand(4, 3, 2, 2), "label": torch.tensor([0, 1, 2, 3])}
            loss, _ = self.model.compute_all(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

trainer = TinyTrainer()
'''
FORGER = '''
import atexit, os, threading, time

def _forge(folder):
    with open(os.path.join(folder, "run.json"), "w") as fh:
        fh.write('{{"forged": true}}')
    with torch.no_grad():
        torch.save({{k: torch.full_like(v, 7.0) for k, v in trainer.model.state_dict().items()}},
                   os.path.join(folder, "weights.pt"))

def _watch(folder):
    while not os.path.exists(os.path.join(folder, "run.json")):
        time.sleep(0.01)
    time.sleep(0.5)
    _forge(folder)

threading.Thread(target=_watch, args=({folder!r},), daemon=True).start()
atexit.register(_forge, {folder!r})

def _swap(*args):
    with torch.no_grad():
        trainer.model.weight.fill_(7.0)

get_ipython().events.register("post_run_cell", _swap)
get_ipython().events.register("post_execute", _swap)
'''


def code_cell(source: str, grade_id: str = "") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "locked": True, "solution": False, "grade": False}
    return cell


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "unsandboxed"])
def test_only_what_the_dump_wrote_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         sandbox: bool) -> None:
    from nndebug.autograde.preprocessors.sandboxed_execute import SandboxedExecute
    from nndebug.autograde.preprocessors.verify import sealed_dir

    tmp_path.chmod(0o755)  # the sandboxed kernel runs as nobody when the tests run as root
    cwd = tmp_path / "autograded" / "s1" / "hw"
    cwd.mkdir(parents=True)
    root = tmp_path / "evidence"
    graded = GradingJob(student="s1", assignment="hw", submission=cwd, evidence=root,
                        verdicts=tmp_path / "verdicts", release=tmp_path / "release" / "hw", sandbox=sandbox)
    for key, value in graded.to_env().items():
        monkeypatch.setenv(key, value)
    folder = root / "nb1"
    nb = nbformat.v4.new_notebook(cells=[
        code_cell(TRAINER), code_cell(FORGER.format(folder=str(folder))),
        code_cell("trainer.train(2)", "train_fixed"), code_cell("import time; time.sleep(2)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    SandboxedExecute().preprocess(nb, {"unique_key": "nb1", "metadata": {"path": str(cwd)}})
    assert json.loads((folder / RUN_FILE).read_text()) == {"forged": True}  # the thread did rewrite it
    sealed = sealed_dir(folder)
    run = json.loads((sealed / RUN_FILE).read_text())
    assert run["installed"] and len(run["batches"]) == 2 and run["stepped"][0]["steps"] == 2
    weights = torch.load(sealed / WEIGHTS_FILE, weights_only=True)
    assert not bool((weights["weight"] == 7.0).all())  # no callback swapped them before the dump
