"""``feedback/<student>/<assignment>/index.html``: one page per student with the total, each task's scores,
the training plots and links to the three notebooks' feedback. Self-contained (images inlined)."""
from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from nndebug import config
from nndebug.autograde.feedback_language import submission_language
from nndebug.autograde.state import STATE_FILE

STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
.full{color:#1a7f37}.part{color:#b35900}.zero{color:#c62828}img{max-width:100%;border:1px solid #eee}"""


def _grades(db_url: str, assignment: str, student: str) -> dict[str, dict[str, tuple[float, float]]]:
    """{notebook: {grade_id: (score, max)}} from the gradebook (manual overrides included)."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except Exception:  # noqa: BLE001 - no submission: an empty page says so
            return out
        for notebook in submission.notebooks:
            out[notebook.name] = {g.name: (float(g.score or 0), float(g.max_score or 0))
                                  for g in notebook.grades}
    return out


def _plot(autograded: Path) -> str | None:
    """The base64 PNG of the training plot in an autograded notebook's test outputs."""
    if not autograded.is_file():
        return None
    for cell in nbformat.read(str(autograded), as_version=4).cells:
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                return png if isinstance(png, str) else "".join(png)
    return None


def _cls(score: float, top: float) -> str:
    return "full" if top and score >= top else "part" if score > 0 else "zero"


def _late_penalty(db_url: str, assignment: str, student: str) -> float:
    """Points taken off for lateness (kit.toml [late]), over the student's notebooks."""
    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except Exception:  # noqa: BLE001 - no submission: nothing taken off
            return 0.0
        return float(sum(nb.late_submission_penalty or 0 for nb in submission.notebooks))


def _say(lang: str, ru: str, en: str) -> str:
    """A phrase in the page's language: English only for an English student, else both."""
    return en if lang == "en" else f"{ru} / {en}"


def counted_note(counted: dict | None, lang: str) -> str:
    """What kit.toml [late] counts = "best" means for this student's grade (empty for "latest")."""
    if not counted or counted.get("how") != "best":
        return ""
    when, score = html.escape(str(counted.get("timestamp") or "?")), f"{counted.get('score', 0):g}"
    if counted.get("latest"):
        en = f"Your best graded submission counts; so far it is this one ({score} points)."
        ru = f"Засчитывается лучшая проверенная сдача; пока это эта ({score} балла)."
    else:
        en = (f"Your best submission, of {when}, counts: {score} points. This page shows your latest "
              "submission.")
        ru = f"Засчитывается ваша лучшая сдача, от {when}: {score} балла. На этой странице последняя сдача."
    return f'<p class="counted"><b>{_say(lang, ru, en)}</b></p>'


def render(student: str, grades: dict[str, dict[str, tuple[float, float]]], plots: dict[str, str | None],
           feedback_names: set[str], late_penalty: float = 0.0, lang: str = "ru",
           counted: dict | None = None) -> str:
    """The page's HTML: bilingual, or English only for a student who handed in the English release."""
    raw = sum(s for nb in grades.values() for s, _ in nb.values())
    total = raw - late_penalty
    top = sum(m for nb in grades.values() for _, m in nb.values())
    late_ru = "за опоздание / for lateness" if lang != "en" else "for lateness"
    late = (f" ({round(raw, 4):g} − {round(late_penalty, 4):g} {late_ru}: see each "
            "notebook's feedback)" if late_penalty else "")
    rows, sections = [], []
    for number in config.TASKS:
        notebook = config.notebook(number)
        cells = grades.get(notebook, {})
        fix = [v for k, v in cells.items() if k.startswith(f"task{number}_fix")]
        expl = [v for k, v in cells.items() if k.startswith(f"task{number}_explanation")]
        fs, fm = sum(s for s, _ in fix), sum(m for _, m in fix)
        es, em = sum(s for s, _ in expl), sum(m for _, m in expl)
        link = (f'<a href="{html.escape(notebook)}.html">{html.escape(notebook)}</a>'
                if notebook in feedback_names else
                f"{html.escape(notebook)} ({_say(lang, 'нет отзыва', 'no feedback')})")
        rows.append(f'<tr><td>{number}</td><td>{link}</td><td class="{_cls(fs, fm)}">{fs:g} / {fm:g}</td>'
                    f'<td class="{_cls(es, em)}">{es:g} / {em:g}</td></tr>')
        if plots.get(notebook):
            sections.append(f'<h2>{_say(lang, f"Задание {number}", f"Task {number}")}</h2>'
                            f'<img alt="training curves, task {number}" '
                            f'src="data:image/png;base64,{plots[notebook]}">')
    total_word = "Total" if lang == "en" else "Итого / Total"
    of = "of" if lang == "en" else "из / of"
    heads = [_say(lang, ru, en) for ru, en in (("Задание", "Task"), ("Тетрадка", "Notebook"),
                                                ("Исправление", "Fix"), ("Объяснение", "Explanation"))]
    guide = _say(lang, "Разбор каждого задания (что измерено при проверке, почему, что посмотреть) в отзыве "
                       "по тетрадке.",
                 "Each notebook's feedback says what the grader measured, why, and where to look next.")
    return (f"<!DOCTYPE html><html lang=\"{'en' if lang == 'en' else 'ru'}\"><head><meta charset=\"utf-8\">"
            f"<title>NN debug: {html.escape(student)}</title><style>{STYLE}</style></head><body>"
            f"<h1>NN debug: {html.escape(student)}</h1>"
            f'<p class="{_cls(total, top)}"><b>{total_word}: {round(total, 4):g} {of} '
            f'{round(top, 4):g}</b>{late}</p>{counted_note(counted, lang)}'
            "<table><tr>" + "".join(f"<th>{h}</th>" for h in heads) + f"</tr>{''.join(rows)}</table>"
            f"<p>{guide}</p>"
            f"{''.join(sections)}</body></html>")


def page_language(root: Path, assignment: str, student: str, notebooks: list[str]) -> str:
    """'en' when the student handed in the English release (feedback_language), else 'ru' (both shown)."""
    said = [submission_language(root, assignment, student, nb) for nb in notebooks]
    return "en" if said and said.count("en") > said.count("ru") else "ru"


def counted_record(root: Path, student: str) -> dict | None:
    """Which submission counts for the student (kit.toml [late] counts), as the autograde state keeps it."""
    path = root / "autograded" / STATE_FILE
    try:
        return json.loads(path.read_text()).get(student, {}).get("counted")
    except (OSError, ValueError):
        return None


def write_index(root: Path, assignment: str, student: str) -> Path:
    """Write the student's index page beside their feedback files."""
    folder = root / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    grades = _grades(f"sqlite:///{root / 'gradebook.db'}", assignment, student)
    plots = {nb: _plot(root / "autograded" / student / assignment / f"{nb}.ipynb") for nb in grades}
    names = {p.stem for p in folder.glob("*.html") if p.name != "index.html"}
    out = folder / "index.html"
    penalty = _late_penalty(f"sqlite:///{root / 'gradebook.db'}", assignment, student)
    lang = page_language(root, assignment, student, [config.notebook(t) for t in config.TASKS])
    out.write_text(render(student, grades, plots, names, penalty, lang, counted_record(root, student)),
                   encoding="utf-8")
    return out
