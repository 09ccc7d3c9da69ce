"""nbgrader's Execute with the kit's limits, a sandboxed kernel and honest error reporting.

- each kernel starts under bwrap (:class:`SandboxedKernelManager`) unless the instructor opted out;
- per-cell and per-notebook wall time, and a cap on the output kept per cell;
- a kernel that dies (``os._exit``, memory) fails the cell it ran and every later one, with the
  reason, instead of failing the student's whole submission;
- before each test cell the shell's error reporting is restored (:mod:`nndebug.kernel.guard`),
  and a cell whose reply says "error" always gets an error output;
- in place of the given cell that runs the graded training (``graded_run_cell``) the kernel starts that
  training and stops it at its first optimizer step, writing the student's answer as data to the evidence
  folder (:mod:`nndebug.kernel.answer`); the moment it returns, the driver copies it to a sealed folder the
  kernel cannot reach, and the Verify preprocessor replays that copy with the kit's own code (whatever the
  kernel writes later, from a thread or an exit hook, does not count);
- given cells the verdicts do not need (``skip_cells``: the seed's buggy experiment) are not run.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from time import monotonic
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import List, Unicode

from nndebug import config
from nndebug.autograde.job import GradingJob, job_for
from nndebug.autograde.kernels import SandboxedKernelManager, stage_links
from nndebug.autograde.limits import Limits
from nndebug.autograde.preprocessors.verify import seal, sealed_dir
from nndebug.autograde.sandbox import check_sandbox, give_to_kernel, sandbox_disabled
from nndebug.autograde.stage import Inputs
from nndebug.course.nbcells import grade_id, is_test_cell

INSTALL_GUARD = "__import__('nndebug.kernel.guard', fromlist=['install']).install()"
RESTORE_GUARD = "__import__('nndebug.kernel.guard', fromlist=['restore']).restore()"
CAPTURE = ("__import__('nndebug.kernel.answer', fromlist=['capture']).capture(get_ipython().user_ns, "
           "{folder!r}, {epochs}, {loaders}, {probe}, {end})")
REPLAYED = ("[not run at grading: the kit took your fix's answer at the first training step and trained the "
            "network again with its own code; the verdict below says how it went]\n")
SKIPPED = "[not run at grading: the verdicts do not need this given cell]\n"
TRUNCATED = "\n[output truncated: this cell printed more than {kb} KB]\n"


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An error output nbgrader counts as a failed cell."""
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def training_error(sealed: Path) -> str:
    """The error the student's training raised before its first step, from the sealed answer ("": none)."""
    from nndebug.verify import answer as answer_io

    try:
        found = answer_io.load(sealed)
    except Exception:  # noqa: BLE001 - an unusable answer is the verdict's to say
        return ""
    return found.error if found.error and not found.stopped else ""


class SandboxedExecute(Execute):
    """Execute every notebook in a sandboxed kernel under the kit's limits."""

    graded_run_cell = Unicode("train_fixed", help="grade_id of the given cell that runs the graded training; "
                                                  "it is recorded as evidence").tag(config=True)
    skip_cells = List(Unicode(), default_value=[], help="grade_ids of given cells not run at grading"
                      ).tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        self.job = GradingJob.from_env()
        self.limits = self.job.limits if self.job is not None else Limits.from_settings()
        self.sandboxed = self.job.sandbox if self.job is not None else not sandbox_disabled()
        if not self.sandboxed:
            kwargs.setdefault("kernel_manager_class", AsyncKernelManager)
        else:
            kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        # Outputs are in once the last cell ran: stop the kernel at once, not after its ~1 s of cleanup.
        kwargs.setdefault("shutdown_kernel", "immediate")
        super().__init__(**kwargs)
        self.timeout = self.limits.cell_timeout_s

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None):
        self._notebook = (resources or {}).get("unique_key")
        self.job = job_for(resources)
        self._evidence = self.job.evidence_for(self._notebook or "") if self.job is not None else None
        if self._evidence is not None:
            shutil.rmtree(self._evidence, ignore_errors=True)
            shutil.rmtree(sealed_dir(self._evidence), ignore_errors=True)
            self._evidence.mkdir(parents=True)
            give_to_kernel(self._evidence)
        if not self.sandboxed:
            path = (resources or {}).get("metadata", {}).get("path")
            if path:
                stage_links(Path(path), self.job.inputs if self.job is not None else Inputs(), self._notebook)
        else:
            check_sandbox()
        self._deadline = monotonic() + self.limits.notebook_timeout_s
        self._kernel_lost = ""
        self._guarded = False
        self._output_bytes: dict[int, int] = {}
        self._timings = {"start": monotonic(), "kernel_start": 0.0, "imports": 0.0, "cells": 0.0,
                         "tests": 0.0}
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._write_timings(resources)

    def create_kernel_manager(self) -> Any:
        """The kernel manager, told which notebook it runs (its sandbox stages that notebook's data)."""
        km = super().create_kernel_manager()
        if isinstance(km, SandboxedKernelManager):
            km.notebook = getattr(self, "_notebook", None)
            km.evidence_dir = getattr(self, "_evidence", None)
            km.job = self.job
        return km

    def _write_timings(self, resources: Any) -> None:
        """Append this notebook's timings to the job's ``timings`` (a JSON-lines file), when it has one."""
        path = self.job.timings if self.job is not None else None
        if not path:
            return
        timings = {k: v for k, v in self._timings.items() if k != "start"}
        timings["total"] = monotonic() - self._timings["start"]
        timings["notebook"] = (resources or {}).get("unique_key", "")
        with open(path, "a") as fh:
            fh.write(json.dumps(timings) + "\n")

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        self._check_assign_resources(resources)
        return run_sync(self._async_run_cell)(cell, index), self.resources

    def _remaining(self) -> float:
        return self._deadline - monotonic()

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        return max(1, int(min(self.limits.cell_timeout_s, self._remaining())))

    async def _async_run_cell(self, cell: NotebookNode, index: int) -> NotebookNode:
        if cell.cell_type != "code" or not cell.source.strip():
            return cell
        if grade_id(cell) in self.skip_cells:
            cell.outputs = [new_output("stream", name="stdout", text=SKIPPED)]
            return cell
        if self._kernel_lost:
            cell.outputs = [error_output("KernelDied", f"not run: {self._kernel_lost}")]
            return cell
        if self._remaining() <= 0:
            cell.outputs = [error_output(
                "NotebookTimeout", f"not run: the notebook used up its {self.limits.notebook_timeout_s} s")]
            return cell
        first = not self._guarded
        if first:
            self._timings["kernel_start"] = monotonic() - self._timings["start"]
        began = monotonic()
        kind = "imports" if first else "tests" if is_test_cell(cell) else "cells"
        try:
            if first:
                await self._run_silently(INSTALL_GUARD)
                self._guarded = True
            if is_test_cell(cell):
                await self._run_silently(RESTORE_GUARD)
            if self._evidence is not None and grade_id(cell) == self.graded_run_cell:
                await self._run_silently(RESTORE_GUARD)
                loaders = 2 if self._task() in config.WATCHED_TASKS else 1
                await self._run_silently(CAPTURE.format(folder=str(self._evidence), epochs=self._epochs(),
                                                        loaders=loaders,
                                                        probe=self._task() in config.ORDER_TASKS,
                                                        end=self._task() in config.END_TASKS))
                sealed = seal(self._evidence)
                cell.outputs = [new_output("stream", name="stdout", text=REPLAYED)]
                crashed = training_error(sealed)
                if crashed:          # the report and the verdict name the training's own error
                    cell.outputs.append(error_output("TrainingError", crashed))
                return cell
            return await self.async_execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            self._kernel_lost = self._death_reason(index)
            cell.outputs = list(cell.get("outputs", [])) + [error_output("KernelDied", self._kernel_lost)]
            return cell
        except (CellTimeoutError, TimeoutError):
            self._kernel_lost = (f"cell {index} ran past {self._get_timeout(cell)} s and did not stop when "
                                 "interrupted, so its kernel was stopped; cells after it were not run")
            cell.outputs = [*cell.get("outputs", []), error_output("CellTimeoutError", self._kernel_lost)]
            await self._stop_kernel()
            return cell
        finally:
            self._timings[kind] += monotonic() - began

    def _task(self) -> int | None:
        return next((n for n in config.TASKS if config.notebook(n) == self._notebook), None)

    def _epochs(self) -> int:
        """The given number of epochs of this notebook's task (kit.toml [tasks.N] epochs)."""
        task = self._task()
        return config.kit().tasks[task].epochs if task is not None else 1

    async def _stop_kernel(self) -> None:
        try:
            await ensure_async(self.km.shutdown_kernel(now=True))
        except Exception as err:  # noqa: BLE001 - already gone is fine
            self.log.warning("stopping the kernel: %s", err)

    async def _run_silently(self, code: str) -> None:
        assert self.kc is not None
        msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False,
                                                    allow_stdin=False))
        await self.async_wait_for_reply(msg_id)

    def _death_reason(self, index: int) -> str:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
        how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-(code or 0)}"
        return (f"the kernel died in cell {index} ({how}); cells after it were not run. "
                f"Causes: os._exit/sys.exit in the code, memory over {self.limits.memory_mb} MB, "
                f"or more than {self.limits.max_processes} processes")

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int):
        size = len(json.dumps(msg.get("content", {}), default=str))
        used = self._output_bytes.get(cell_index, 0)
        cap = self.limits.max_output_kb * 1024
        self._output_bytes[cell_index] = used + size
        if used + size <= cap:
            return super().output(outs, msg, display_id, cell_index)
        if used <= cap:
            out = new_output("stream", name="stdout", text=TRUNCATED.format(kb=self.limits.max_output_kb))
            outs.append(out)
            return out
        return None
