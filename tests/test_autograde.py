"""Fast checks of the autograder's parts: submission checks, metadata repair, sandbox command, report."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import nbformat
import toy_course as toy

from nndebug import config
from nndebug.autograde import report
from nndebug.autograde.grade import Outcome
from nndebug.autograde.limits import Limits
from nndebug.autograde.preprocessors.strip_feedback import StripFeedback
from nndebug.autograde.sandbox import SandboxSpec, bwrap_command, limit_prefix
from nndebug.autograde.scores import HEADER, read_csv, write_scores
from nndebug.autograde.submission import Problem, notebook_problem, restore_metadata


def test_notebook_problem_names_the_fault(tmp_path):
    path = tmp_path / "a.ipynb"
    path.write_text("{ nope")
    assert "is not JSON" in notebook_problem(path)
    path.write_text(json.dumps({"nbformat": 3, "worksheets": []}))
    assert "nbformat 3" in notebook_problem(path)
    path.write_bytes(b"\xff\xfe\x00binary")
    assert "not a text file" in notebook_problem(path)
    nbformat.write(toy.source_notebook(), path)
    assert notebook_problem(path) == ""


def test_restore_metadata_puts_back_released_cells():
    released = toy.source_notebook()
    nb = toy.source_notebook()
    toy.cell(nb, "task1_fix").metadata["nbgrader"].update(grade=True, points=100)
    toy.cell(nb, "given").metadata["nbgrader"]["grade_id"] = "made_up"
    changed = restore_metadata(nb, released)
    assert sorted(changed) == ["made_up", "task1_fix"]
    original = toy.cell(released, "task1_fix").metadata["nbgrader"]
    assert toy.cell(nb, "task1_fix").metadata["nbgrader"] == original
    assert "nbgrader" not in nb.cells[1].metadata


def test_bwrap_command_isolates_the_kernel(tmp_path):
    work, run = tmp_path / "work", tmp_path / "run"
    spec = SandboxSpec(cwd=Path("/course/autograded/s/a"), workdir=work, runtime_dir=run,
                       readonly=[(tmp_path / "data", Path("/course/autograded/s/a/mnist_data"))],
                       env={"NBGRADER_EXECUTION": "autograde"}, limits=replace(Limits.from_settings(),
                                                                           max_processes=7, memory_mb=100))
    cmd = bwrap_command(spec, ["python", "-m", "ipykernel_launcher"])
    joined = " ".join(cmd)
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv"):
        assert flag in cmd
    assert f"--bind {work} /course/autograded/s/a" in joined
    assert f"--ro-bind {tmp_path / 'data'} /course/autograded/s/a/mnist_data" in joined
    assert joined.index("--tmpfs /tmp") < joined.index(f"--bind {run}")
    assert "--perms 1777 --tmpfs /dev/shm" in joined  # DataLoader workers need a writable /dev/shm
    assert str(config.ROOT / "source") not in joined and "gradebook" not in joined
    prefix = limit_prefix(spec.limits)
    assert "--nproc=7" in prefix and f"--data={100 * 1024 * 1024}" in prefix
    assert cmd[-3:] == ["python", "-m", "ipykernel_launcher"]


def test_strip_feedback_hides_test_code_and_student_output():
    nb = toy.source_notebook()
    test = toy.cell(nb, "task1_fix_test")
    test.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue=toy.HIDDEN_MARKER,
                                           traceback=[test.source])]
    fix = toy.cell(nb, "task1_fix")
    fix.outputs = [nbformat.v4.new_output("stream", name="stdout", text="secret source")]
    for index, cell in enumerate(nb.cells):
        StripFeedback().preprocess_cell(cell, {}, index)
    assert toy.HIDDEN_MARKER not in json.dumps(nb)
    assert test.outputs[0]["text"] == "Failed: AssertionError\n"
    assert fix.outputs == [] and fix.source.startswith("### BEGIN SOLUTION")


def test_scores_csv_header_and_report(tmp_path):
    rows = [{"student_id": "s", "notebook": "n", "grade_id": "g", "score": "1", "max_score": "2"}]
    write_scores(rows, tmp_path / "scores.csv")
    assert (tmp_path / "scores.csv").read_text().splitlines()[0] == ",".join(HEADER)
    assert read_csv(tmp_path / "scores.csv") == rows
    text = report.render([Outcome("s", "failed", [Problem("n", "is missing")]), Outcome("t", "graded")])
    assert "## s (failed)" in text and "- n: is missing" in text and "1 could not be graded" in text


def explanation_notebook(text: str) -> nbformat.NotebookNode:
    """A graded notebook: task 1's written answer and its rubric test with the verifier's real verdict."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from nndebug.autograde.preprocessors.verify import verdict_outputs
    from nndebug.verify import explanation

    answer = new_markdown_cell(text, metadata={"nbgrader": {"grade_id": "task1_explanation", "solution": True,
                                                            "grade": True, "points": 0}})
    test = new_code_cell("# hidden\n### BEGIN HIDDEN TESTS\nx\n### END HIDDEN TESTS", metadata={
        "nbgrader": {"grade_id": "task1_explanation_rubric", "grade": True, "points": 0.2, "locked": True}})
    test.outputs = verdict_outputs(explanation.verdict(1, text)[0], 0.2)
    return new_notebook(cells=[answer, test])


def test_feedback_before_the_due_date_names_no_rubric_point(monkeypatch):
    from nndebug import rubric
    from nndebug.autograde.feedback_policy import LEVEL_ENV

    text = "Батчи одного класса."
    found = rubric.judge(1, text)
    assert found.missing                                     # the answer misses points: "all" names them
    shown = {}
    for level in ("measured", "all"):
        monkeypatch.setenv(LEVEL_ENV, level)
        nb, _ = StripFeedback().preprocess(explanation_notebook(text), {})
        shown[level] = json.dumps([c.source for c in nb.cells] + [c.get("outputs", []) for c in nb.cells],
                                  ensure_ascii=False)
    for name in found.missing:
        assert name in shown["all"] and name not in shown["measured"]
    assert "shown after the due date" in shown["measured"]
    assert "Score of this answer" in shown["measured"]      # the score itself is never held back
