"""``autograded/similarity.md`` and ``similarity.html``: the pairs ranked by strength, what they share.

The markdown lists every flagged pair with its answers' figures and the shared passages; the HTML page
shows each flagged pair's answers side by side with the shared spans highlighted. Both say that a person
decides and that no grade was changed.
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from nndebug.similarity.compare import Pair, PartMatch

CONTEXT = 10  # the strongest pairs under the threshold, shown for calibration
EXCERPT = 160


@dataclass(frozen=True)
class Summary:
    """What was compared."""

    students: int
    sources: tuple[str, ...]
    threshold: float
    archive: str  # the archive folder as kit.toml names it ('' when none)
    unreadable: tuple[str, ...] = ()


def label(match: PartMatch) -> str:
    task, part = match.key
    return f"task {task} {part}"


def evidence_unit(match: PartMatch) -> str:
    return "rare word pairs" if match.key[1] == "explanation" else "rare code fingerprints"


def excerpts(text: str, spans: list[tuple[int, int]], limit: int = 3) -> list[str]:
    """The longest shared passages of ``text``, one line each, cut to EXCERPT characters."""
    longest = sorted(spans, key=lambda s: s[0] - s[1])[:limit]
    out = []
    for start, end in sorted(longest):
        passage = " ".join(text[start:end].split())
        out.append(passage if len(passage) <= EXCERPT else passage[:EXCERPT - 1] + "…")
    return out


def header(summary: Summary) -> list[str]:
    archive = f"`{summary.archive}`" if summary.archive else "none (kit.toml [similarity] `archive`)"
    return [
        "# Similarity: answers that look copied",
        "",
        "**For a person to judge. Nothing here changes a grade.** A flagged pair shares rare text or code "
        "in the same answers: read both and decide (shared phrasing of the task, a common idiom or a study "
        "group may explain it).",
        "",
        f"- Compared: {summary.students} student(s), task by task (explanations as lemmatised word pairs, "
        "fixes as code fingerprints with comments and names dropped), with each other and with the known "
        f"sources: {', '.join(summary.sources) or 'none'}; archive: {archive}.",
        "- Not evidence: the release notebooks' text and code (task text, captions, stubs, given cells) "
        "and what half the class or more writes; the rarer a shared passage, the more it weighs.",
        f"- Strength 0-1 (README: Similarity). Flagged: strength >= {summary.threshold:g} "
        "(kit.toml [similarity] `threshold`).",
    ]


def render_markdown(pairs: list[Pair], summary: Summary) -> str:
    flagged = [p for p in pairs if p.strength >= summary.threshold]
    lines = header(summary)
    empty = " The report is empty." if not flagged else ""
    lines += ["", f"**{len(flagged)} pair(s) flagged.**{empty}", ""]
    for rank, pair in enumerate(flagged, start=1):
        lines += [f"## {rank}. {pair.a.name} and {pair.b.name}: strength {pair.strength:.2f}", "",
                  "| answer | cover | shared evidence |", "|---|---|---|"]
        lines += [f"| {label(m)} | {m.overlap.cover:.2f} | {m.overlap.evidence:.1f} {evidence_unit(m)} |"
                  for m in pair.parts]
        lines.append("")
        for match in pair.parts:
            if match.strength < 0.1:
                continue
            lines.append(f"Shared in {label(match)}:")
            lines += [f"- {pair.a.name}: «{e}»" for e in excerpts(match.text_a, match.spans_a)]
            lines += [f"- {pair.b.name}: «{e}»" for e in excerpts(match.text_b, match.spans_b)]
            lines.append("")
    below = [p for p in pairs if p.strength < summary.threshold][:CONTEXT]
    if below:
        lines += ["## Under the threshold (the strongest, for calibration)", "",
                  "| pair | strength | answers |", "|---|---|---|"]
        lines += [f"| {p.a.name} and {p.b.name} | {p.strength:.2f} | "
                  f"{', '.join(f'{label(m)} {m.strength:.2f}' for m in p.parts if m.strength >= 0.01)} |"
                  for p in below]
    if summary.unreadable:
        lines += ["", "## Notebooks that could not be read (not compared)", ""]
        lines += [f"- `{path}`" for path in summary.unreadable]
    return "\n".join(lines) + "\n"


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` as HTML with ``spans`` in <mark>."""
    out, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        out += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; max-width: 1400px; color: #222; }
.note { background: #fff4d6; padding: .6em 1em; border-left: 4px solid #e0a800; }
.pair { border-top: 2px solid #ccc; margin-top: 1.5em; }
table.side { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.side td, table.side th { border: 1px solid #ddd; vertical-align: top; padding: .4em; }
pre { white-space: pre-wrap; word-wrap: break-word; margin: 0; font-size: 13px; }
mark { background: #ffb3b3; }
.figures { color: #555; font-size: 90%; }
"""


def render_html(pairs: list[Pair], summary: Summary) -> str:
    flagged = [p for p in pairs if p.strength >= summary.threshold]
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Similarity report</title>", f"<style>{STYLE}</style></head><body>",
             "<h1>Similarity: answers that look copied</h1>",
             '<p class="note"><b>For a person to judge. Nothing here changes a grade.</b> Shared passages '
             "are highlighted; the task text, the captions, the stubs, the given code and what half the "
             "class writes are not counted.</p>",
             f"<p>{summary.students} student(s) compared, task by task, with each other and with: "
             f"{html.escape(', '.join(summary.sources) or 'no known source')}. Flagged: strength &ge; "
             f"{summary.threshold:g}. <b>{len(flagged)} pair(s) flagged.</b></p>"]
    for rank, pair in enumerate(flagged, start=1):
        parts.append(f'<div class="pair" id="pair-{rank}"><h2>{rank}. {html.escape(pair.a.name)} and '
                     f"{html.escape(pair.b.name)}: strength {pair.strength:.2f}</h2>")
        for match in pair.parts:
            parts.append(f'<h3>{label(match)} <span class="figures">cover {match.overlap.cover:.2f}, '
                         f"{match.overlap.evidence:.1f} {evidence_unit(match)}</span></h3>")
            parts.append('<table class="side"><tr>'
                         f"<th>{html.escape(pair.a.name)}</th><th>{html.escape(pair.b.name)}</th></tr><tr>"
                         f"<td><pre>{highlight(match.text_a, match.spans_a)}</pre></td>"
                         f"<td><pre>{highlight(match.text_b, match.spans_b)}</pre></td></tr></table>")
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
