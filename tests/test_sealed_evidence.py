"""The student's answer as the driver seals it: what the kernel writes after the capture returns (a thread, an
exit hook) does not count, and an event callback registered before the graded cell cannot change what the
capture takes. A real kernel (sandboxed and not) on a tiny stand-in trainer: no real training."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import torch

from nndebug.autograde.job import GradingJob
from nndebug.kernel.answer import ANSWER_JSON, ANSWER_PT

# A network of over a million parameters (the capture takes the start weights of one that size).
TRAINER = '''
import torch

class TinyTrainer:
    def __init__(self):
        nn = torch.nn
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(12, 1024), nn.ReLU(), nn.Linear(1024, 1024),
                                   nn.ReLU(), nn.Linear(1024, 10))
        self.model.compute_all = self._compute_all
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)

    def _compute_all(self, batch):
        logits = self.model(batch["sample"])
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
# Rewrites the answer with "a right fix" from a thread (once the capture wrote it) and from an exit hook, and
# registers callbacks that, from the next cell on, set the weights to 7 and the learning rate to 0.01.
FORGER = '''
import atexit, os, threading, time

def _forge(folder):
    with open(os.path.join(folder, "answer.json"), "w") as fh:
        fh.write('{{"forged": true}}')
    with torch.no_grad():
        torch.save({{"start": {{k: torch.full_like(v, 7.0) for k, v in trainer.model.state_dict().items()}}}},
                   os.path.join(folder, "answer.pt"))

def _watch(folder):
    while not os.path.exists(os.path.join(folder, "answer.json")):
        time.sleep(0.01)
    time.sleep(0.5)
    _forge(folder)

threading.Thread(target=_watch, args=({folder!r},), daemon=True).start()
atexit.register(_forge, {folder!r})

_events = [0]

def _swap(*args):
    _events[0] += 1
    if _events[0] <= 2:        # this cell's own two events: code of the cell itself, not a route
        return
    with torch.no_grad():
        for p in trainer.model.parameters():
            p.fill_(7.0)
    for group in trainer.optimizer.param_groups:
        group["lr"] = 0.01

get_ipython().events.register("post_run_cell", _swap)
get_ipython().events.register("post_execute", _swap)
'''


def code_cell(source: str, grade_id: str = "") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "locked": True, "solution": False, "grade": False}
    return cell


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "unsandboxed"])
def test_only_what_the_capture_wrote_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
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
    assert json.loads((folder / ANSWER_JSON).read_text()) == {"forged": True}  # the thread did rewrite it
    sealed = sealed_dir(folder)
    answer = json.loads((sealed / ANSWER_JSON).read_text())
    assert answer["schema"] == 1 and answer["started"] and "forged" not in answer, answer
    groups = answer["optimizer"]["groups"]
    assert answer["optimizer"]["class"] == "torch.optim.sgd.SGD", answer["optimizer"]
    assert groups[0]["settings"]["lr"] == 0.1, groups        # no callback changed it before the capture
    start = torch.load(sealed / ANSWER_PT, weights_only=True)["start"]
    assert start and not any(bool((v == 7.0).all()) for v in start.values())  # no callback swapped them
