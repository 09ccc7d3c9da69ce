"""How a verdict shows: a verified test cell's outputs (text, bilingual HTML, the record feedback reads back,
the training plot, then the score or an error) and the note under a written answer in the feedback."""
from __future__ import annotations

import base64
import html

from nbformat import NotebookNode
from nbformat.v4 import new_output

from nndebug.course.nbcells import find_cell
from nndebug.verify.verdict import Line, Verdict

VERDICT_MIME = "application/vnd.nndebug.verdict+json"  # the verdict's record in a test cell's outputs


def verdict_html(verdict: Verdict, score: float, points: float) -> str:
    """The verdict as a small bilingual HTML block (every text escaped: some carry student strings)."""
    def row(label: str, line: Line) -> str:
        return (f"<tr><th>{html.escape(label)}</th><td>{html.escape(line.ru)}</td>"
                f"<td>{html.escape(line.en)}</td></tr>")
    color = "#1a7f37" if verdict.passed else "#b35900" if score > 0 else "#c62828"
    rows = [row("Причина / Why", verdict.reason)] if verdict.reason else []
    rows += [row("Измерено / Measured", line) for line in verdict.measured]
    if verdict.advice:
        rows.append(row("Что посмотреть / Look at", verdict.advice))
    return (f'<div class="nndebug-verdict"><p style="color:{color}"><b>Проверка / Check: {score:g} из / of '
            f'{points:g}</b></p><table>{"".join(rows)}</table></div>')


def verdict_outputs(verdict: Verdict, points: float, plot: bytes | None = None) -> list[NotebookNode]:
    """A verified test cell's outputs: the verdict (and the training plot), then the score or an error."""
    score = round(points * verdict.fraction, 4)
    lines = [f"Проверка / Check: {score:g} из / of {points:g}"]
    if verdict.reason:
        lines.append(f"Причина / Why: {verdict.reason.text()}")
    lines += [f"- {line.text()}" for line in verdict.measured]
    if verdict.advice:
        lines.append(f"Что посмотреть / Look at: {verdict.advice.text()}")
    data = {"text/plain": "\n".join(lines), "text/html": verdict_html(verdict, score, points),
            VERDICT_MIME: {"score": score, "points": points, "fraction": verdict.fraction,
                           "reason": _line(verdict.reason), "advice": _line(verdict.advice),
                           "measured": [_line(m) for m in verdict.measured], "curves": verdict.curves}}
    outputs = [new_output("display_data", data=data)]
    if plot:
        outputs.append(new_output("display_data", data={
            "image/png": base64.b64encode(plot).decode("ascii"),
            "text/plain": "training curves / кривые обучения"}))
    if score <= 0:
        reason = verdict.reason.text() if verdict.reason else "0"
        outputs.append(new_output("error", ename="VerdictFailed", evalue=reason, traceback=[reason]))
    else:
        outputs.append(new_output("execute_result", data={"text/plain": repr(score)}, execution_count=None))
    return outputs


def _line(line: Line | None) -> dict[str, str] | None:
    return {"ru": line.ru, "en": line.en} if line else None


def verdict_of(cells: list[NotebookNode], grade_id: str) -> dict | None:
    """The verifier's record in the outputs of the test cell ``grade_id``."""
    cell = find_cell(cells, grade_id)
    for out in (cell or {}).get("outputs", []):
        if VERDICT_MIME in out.get("data", {}):
            return out["data"][VERDICT_MIME]
    return None


RUBRIC_POINT = ("named:", "missing:")             # the explanation verdict's lines naming rubric points
WRONG_CAUSE = "the answer names a wrong cause"
HELD_BACK = {"ru": "какие пункты рубрики ответ назвал и какие пропустил, отзыв покажет после срока сдачи",
             "en": "which rubric points the answer named and missed is shown after the due date"}


def redact(record: dict, level: str) -> dict:
    """An explanation verdict as kit.toml [feedback] lets it show: at "measured", no rubric point by name
    (neither named or missed points, nor the wrong cause: other tasks' answers)."""
    if level == "all":
        return record
    measured = [m for m in record.get("measured", []) if m and not m["en"].startswith(RUBRIC_POINT)]
    reason = record.get("reason")
    if reason and reason["en"].startswith(WRONG_CAUSE):
        reason = {"ru": "в ответе названа причина, которую рубрика считает неверной",
                  "en": "the answer names a cause the rubric counts as wrong"}
    return {**record, "reason": reason, "measured": [*measured, HELD_BACK]}


def english_display(record: dict) -> NotebookNode:
    """A verdict's display output in English only (a notebook of the English release)."""
    score, points = record["score"], record["points"]
    rows = [("Why", record.get("reason"))] if record.get("reason") else []
    rows += [("Measured", m) for m in record.get("measured", []) if m]
    rows += [("Look at", record["advice"])] if record.get("advice") else []
    color = "#1a7f37" if record["fraction"] >= 1 else "#b35900" if score > 0 else "#c62828"
    table = "".join(f"<tr><th>{label}</th><td>{html.escape(line['en'])}</td></tr>" for label, line in rows)
    text = [f"Check: {score:g} of {points:g}", *(f"{label}: {line['en']}" for label, line in rows)]
    return new_output("display_data", data={
        "text/plain": "\n".join(text),
        "text/html": f'<div class="nndebug-verdict"><p style="color:{color}"><b>Check: {score:g} of '
                     f'{points:g}</b></p><table>{table}</table></div>'})


def verdict_display(record: dict, lang: str = "ru") -> NotebookNode:
    """A verdict's display output rebuilt from its record (after :func:`redact`), in both languages or, for
    the English release, in English."""
    if lang == "en":
        return english_display(record)
    line = (lambda d: Line(d["ru"], d["en"]) if d else None)  # noqa: E731 - a one-line converter
    verdict = Verdict(record["fraction"], line(record.get("reason")),
                      tuple(line(m) for m in record.get("measured", [])), line(record.get("advice")))
    lines = [f"Проверка / Check: {record['score']:g} из / of {record['points']:g}"]
    if verdict.reason:
        lines.append(f"Причина / Why: {verdict.reason.text()}")
    lines += [f"- {m.text()}" for m in verdict.measured]
    if verdict.advice:
        lines.append(f"Что посмотреть / Look at: {verdict.advice.text()}")
    return new_output("display_data", data={"text/plain": "\n".join(lines),
                                            "text/html": verdict_html(verdict, record["score"],
                                                                      record["points"])})


def answer_note(record: dict, lang: str = "ru") -> str:
    """Markdown shown under a written answer: its score and the rubric points named and missed."""
    if lang == "en":
        lines = [f"**Score of this answer: {record['score']:g} of {record['points']:g}**"]
        said = [record.get("reason"), *record.get("measured", [])]
        lines += [f"- {html.escape(m['en'])}" for m in said if m]
        return "\n".join(lines)
    lines = [f"**Оценка ответа / Score of this answer: {record['score']:g} из / of {record['points']:g}**"]
    reason = record.get("reason")
    if reason:
        lines.append(f"- {html.escape(reason['ru'])} / {html.escape(reason['en'])}")
    lines += [f"- {html.escape(m['ru'])} / {html.escape(m['en'])}" for m in record.get("measured", [])]
    return "\n".join(lines)
