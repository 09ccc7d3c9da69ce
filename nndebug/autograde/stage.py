"""What a graded notebook needs beside it: the grading subset and the model.

The driver (:mod:`nndebug.autograde.grade`) prepares them per student and hands their paths to the
nbgrader process in ``NN_DEBUG_*`` environment variables; :func:`sandbox_spec` turns them into the
mounts of one kernel's sandbox.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nndebug import config
from nndebug.autograde.limits import Limits
from nndebug.autograde.sandbox import SandboxSpec, give_to_kernel, kit_files

DATA_NAME = "mnist_data"               # staged beside each notebook, as in the seed's Colab
MODEL_NAME = "pretrained_model.pt"
ENV_DATA = "NN_DEBUG_STAGE_DATA"       # host path of the grading subset
ENV_DATA_BY_NOTEBOOK = "NN_DEBUG_STAGE_DATA_BY_NOTEBOOK"  # JSON {notebook: host path}: a task's own data
ENV_MODEL = "NN_DEBUG_STAGE_MODEL"     # host path of the bug-seeded model
ENV_SUBMISSION = "NN_DEBUG_SUBMISSION"  # host path of the student's (validated) submission folder
STAGED_NAMES = (DATA_NAME, MODEL_NAME)


def task_data() -> dict[str, Path]:
    """{notebook: data} for the tasks that grade on their own subset."""
    return {config.task(number)["notebook"]: folder for number, folder in config.task_grading_data().items()}


@dataclass(frozen=True)
class Inputs:
    """The grading data and the model the notebooks get: ``data`` unless ``by_notebook`` names one."""

    data: Path = config.SUBSET_DATA
    model: Path = config.MODEL_FILE
    by_notebook: dict[str, Path] = field(default_factory=task_data)

    def data_for(self, notebook: str | None) -> Path:
        """The data staged as ``mnist_data`` beside ``notebook``."""
        return self.by_notebook.get(notebook or "", self.data)

    def to_env(self) -> dict[str, str]:
        """The environment variables :func:`inputs_from_env` reads back."""
        by_notebook = {nb: str(path.resolve()) for nb, path in self.by_notebook.items()}
        return {ENV_DATA: str(self.data.resolve()), ENV_MODEL: str(self.model.resolve()),
                ENV_DATA_BY_NOTEBOOK: json.dumps(by_notebook)}


def ensure_inputs(inputs: Inputs) -> None:
    """Build the grading subsets and the model with the kit's own commands when they are missing."""
    kit_built = {config.SUBSET_DATA, config.MODEL_FILE, *task_data().values()}
    needed = [(inputs.data, "subset"), *((p, "subset") for p in inputs.by_notebook.values()),
              (inputs.model, "model")]
    for path, verb in needed:
        if path.exists():
            continue
        if path not in kit_built:
            raise FileNotFoundError(f"{path}: the grading input is missing; build it or pass its path.")
        verbs = [verb] if config.MNIST_DATA.exists() else ["data", verb]
        for step in verbs:
            print(f"autograde: {path} is missing; running `python -m nndebug {step}`", flush=True)
            subprocess.run([sys.executable, "-m", "nndebug", step], check=True, cwd=config.ROOT)
        if not path.exists():
            raise FileNotFoundError(f"`python -m nndebug {verb}` did not write {path}.")


def stage_links(cwd: Path, inputs: Inputs, notebook: str | None = None) -> None:
    """Without a sandbox: symlink the data and model beside the notebook (read-only is not enforced)."""
    for name, target in ((DATA_NAME, inputs.data_for(notebook)), (MODEL_NAME, inputs.model)):
        link = cwd / name
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)
        link.symlink_to(target.resolve())


def inputs_from_env() -> Inputs:
    """The grading inputs the driver chose, else the kit's defaults."""
    chosen = os.environ.get(ENV_DATA_BY_NOTEBOOK)
    by_notebook = {nb: Path(p) for nb, p in json.loads(chosen).items()} if chosen else task_data()
    return Inputs(Path(os.environ.get(ENV_DATA, config.SUBSET_DATA)),
                  Path(os.environ.get(ENV_MODEL, config.MODEL_FILE)), by_notebook)


def submission_for(cwd: Path) -> Path:
    """The student's own files for the kernel whose working dir is ``cwd`` (autograded/<s>/<a>)."""
    if ENV_SUBMISSION in os.environ:
        return Path(os.environ[ENV_SUBMISSION])
    student, assignment = cwd.parent.name, cwd.name
    return cwd.parents[2] / "submitted" / student / assignment


def fill_workdir(work: Path, cwd: Path) -> None:
    """The kernel's scratch folder: the student's files and the non-notebook files nbgrader copied.

    Notebooks come from the submission only: the autograded folder holds this student's notebooks
    already graded, with their hidden tests in them.
    """
    work.mkdir(parents=True, exist_ok=True)
    submission = submission_for(cwd)
    for folder, with_notebooks in ((cwd, False), (submission, True)):
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            if item.name in STAGED_NAMES or (item.suffix == ".ipynb" and not with_notebooks):
                continue
            target = work / item.name
            if item.is_dir() and not item.is_symlink():
                shutil.copytree(item, target, symlinks=True, dirs_exist_ok=True)
            elif item.is_file() and not item.is_symlink():
                shutil.copy2(item, target)


def sandbox_spec(cwd: Path, runtime: Path, notebook: str | None = None,
                 evidence: Path | None = None) -> SandboxSpec:
    """The mounts of the kernel that runs ``notebook`` with working dir ``cwd``, its files under
    ``runtime``, its evidence written to ``evidence``."""
    inputs = inputs_from_env()
    work = runtime / "work"
    fill_workdir(work, cwd)
    readonly = [(p, p) for p in kit_files()]
    for name, host in ((DATA_NAME, inputs.data_for(notebook)), (MODEL_NAME, inputs.model)):
        if host.exists():
            readonly.append((host.resolve(), cwd / name))
    env = {"NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde")}
    writable = [(evidence.resolve(), evidence.resolve())] if evidence is not None else []
    give_to_kernel(work)
    return SandboxSpec(cwd=cwd, workdir=work, runtime_dir=runtime, readonly=readonly, env=env,
                       limits=Limits.from_env(), writable=writable)
