"""The kernel side of grading: what one notebook's kernel sees and how it is started.

The Execute preprocessor runs in the ``nbgrader`` process; for each notebook it asks
:class:`SandboxedKernelManager` for a kernel, whose mounts :func:`sandbox_spec` builds from the grading job
(:mod:`nndebug.autograde.job`): a scratch copy of the submission, the staged grading data and model, the
evidence folder. Unsandboxed, :func:`stage_links` puts the data and model beside the notebook.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from nndebug import config
from nndebug.autograde.job import GradingJob
from nndebug.autograde.limits import Limits
from nndebug.autograde.sandbox import SandboxSpec, bwrap_command, give_to_kernel, kit_files
from nndebug.autograde.stage import Inputs
from nndebug.course.staging import DATA_NAME, MODEL_NAME, STAGED_NAMES, stage


def stage_links(cwd: Path, inputs: Inputs, notebook: str | None = None) -> None:
    """Without a sandbox: symlink the data and model beside the notebook (read-only is not enforced)."""
    stage(cwd, inputs.data_for(notebook), inputs.model_for(notebook))


def submission_for(cwd: Path, job: GradingJob | None) -> Path:
    """The student's own files for the kernel whose working dir is ``cwd`` (autograded/<s>/<a>): the job's
    staged submission; outside a driver's run, ``submitted/<s>/<a>`` beside ``autograded/``."""
    if job is not None:
        return job.submission
    student, assignment = cwd.parent.name, cwd.name
    return cwd.parents[2] / "submitted" / student / assignment


def fill_workdir(work: Path, cwd: Path, job: GradingJob | None = None) -> None:
    """The kernel's scratch folder: the student's files and the non-notebook files nbgrader copied.

    Notebooks come from the submission only: the autograded folder holds this student's notebooks
    already graded, with their hidden tests in them.
    """
    work.mkdir(parents=True, exist_ok=True)
    submission = submission_for(cwd, job)
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
                 evidence: Path | None = None, job: GradingJob | None = None) -> SandboxSpec:
    """The mounts of the kernel that runs ``notebook`` of ``job`` with working dir ``cwd``, its files
    under ``runtime``, its evidence written to ``evidence``."""
    inputs = job.inputs if job is not None else Inputs()
    work = runtime / "work"
    fill_workdir(work, cwd, job)
    readonly = [(p, p) for p in kit_files()]
    for name, host in ((DATA_NAME, inputs.data_for(notebook)), (MODEL_NAME, inputs.model_for(notebook))):
        if host is not None and host.exists():
            readonly.append((host.resolve(), cwd / name))
    # The kernel imports the kit's kernel code from the tree it was mounted from (config.ROOT), whatever path
    # the environment's own .pth names (a course copied beside the kit's venv).
    env = {"NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde"),
           "PYTHONPATH": str(config.ROOT)}
    writable = [(evidence.resolve(), evidence.resolve())] if evidence is not None else []
    give_to_kernel(work)
    return SandboxSpec(cwd=cwd, workdir=work, runtime_dir=runtime, readonly=readonly, env=env,
                       limits=job.limits if job is not None else Limits.from_settings(), writable=writable)


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs under bwrap and talks to the client over IPC sockets.

    What the sandbox mounts comes from :func:`sandbox_spec`, from the grading job; the kernel's working
    directory is the one nbclient asks for.
    """

    notebook: str | None = None  # the notebook this kernel runs (set by the Execute preprocessor)
    evidence_dir: Path | None = None  # where the kernel writes the student's answer (writable)
    job: GradingJob | None = None  # the driver's grading job (set by the Execute preprocessor)

    def __init__(self, **kwargs):
        self._runtime = Path(tempfile.mkdtemp(prefix="nndebug-kernel-"))
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(self._runtime / "kernel"))
        super().__init__(**kwargs)
        self.connection_file = str(self._runtime / "kernel.json")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        cwd = Path(kw.get("cwd") or os.getcwd()).resolve()
        spec = sandbox_spec(cwd, self._runtime, self.notebook, self.evidence_dir, self.job)
        give_to_kernel(self._runtime)
        kw["cwd"] = str(spec.workdir)
        await super()._async_launch_kernel(bwrap_command(spec, kernel_cmd), **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._runtime, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources

    async def _async_interrupt_kernel(self) -> None:
        # In its own PID namespace the kernel misses a SIGINT sent to its process group from outside;
        # asked over the control channel, ipykernel signals itself.
        if self.has_kernel:
            self.session.send(self._connect_control_socket() or self._control_socket,
                              self.session.msg("interrupt_request", content={}))
        else:
            await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel
