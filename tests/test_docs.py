"""The manual (README.md, docs/, mkdocs.yml) against the kit: every internal link and #anchor resolves, every
page is in the site's nav, every `make <target>` it names is a Makefile target, every kit.toml setting it
names as [section] `key` exists, and `mkdocs build --strict` passes. Fast: reads text, trains nothing.

Anchors are the ids MkDocs gives headings (Python-Markdown's toc, as configured in mkdocs.yml); README.md and
the pages are read on GitHub too, so an anchor must also be the id GitHub gives the same heading.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import html
import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import pytest

from nndebug import config, settings

ROOT = config.ROOT
DOCS = ROOT / "docs"
README_LIMIT = 15 * 1024  # bytes: README.md is the landing page, the manual is behind it
MARKDOWN_EXTENSIONS = ["toc", "tables", "fenced_code", "sane_lists"]  # as mkdocs.yml's markdown_extensions

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[ \t]*$", re.M | re.S)
CODE_SPAN = r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)"
# A kit.toml mention in prose: [section] (not a link's text, not [[table]]), then `key` or .key after it.
SECTION = r"(?<![\[\]!\w`])\[([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\](?![\[\](:])"
KEY_AFTER = re.compile(r"\s*`([a-z_*][a-z0-9_*]*)|\.([a-z_][a-z0-9_]*)")
MENTION = re.compile(f"{CODE_SPAN}|{SECTION}", re.S)
TABLE_IN_CODE = re.compile(r"\[\[?([a-z][\w.]*)\]\]?\s*([a-z_][a-z0-9_]*)?")


def pages(root: Path = ROOT) -> list[Path]:
    """README.md and every Markdown page of the manual, generated ones included."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def render(path: Path) -> str:
    return markdown.markdown(path.read_text(encoding="utf-8"), extensions=MARKDOWN_EXTENSIONS)


def github_slug(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The ids of a page's headings, as MkDocs makes them, that GitHub makes the same."""
    ids, github, seen = set(), set(), {}
    for _level, ident, inner in re.findall(r'<h([1-6]) id="([^"]+)">(.*?)</h\1>', render(path), re.S):
        ids.add(ident)
        slug = github_slug(html.unescape(re.sub(r"<[^>]+>", "", inner)))
        github.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return ids & github


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """Each link or image of ``page`` (rendered, so code is not read) whose file or #anchor is not there."""
    problems = []
    for target in re.findall(r'<(?:a|img)\b[^>]*?\b(?:href|src)="([^"]*)"', render(page)):
        parts = urlsplit(html.unescape(target))
        if parts.scheme or parts.netloc:
            continue  # external
        where = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        name = f"{page.relative_to(root)}: {target}"
        if not where.is_file():
            problems.append(f"{name}: no such file")
            continue
        if page.is_relative_to(root / "docs") and not where.is_relative_to((root / "docs").resolve()):
            problems.append(f"{name}: outside docs/, which the site cannot link to")
        if parts.fragment and (where.suffix != ".md" or unquote(parts.fragment) not in anchors(where)):
            problems.append(f"{name}: no heading with this anchor in {where.relative_to(root.resolve())}")
    return problems


def make_targets(makefile: Path) -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", makefile.read_text(encoding="utf-8"), re.M))


def named_make_targets(page: Path) -> set[str]:
    """The targets of every `make ...` in inline code and every make line of a code block."""
    text = page.read_text(encoding="utf-8")
    commands = [line for block in FENCE.finditer(text) for line in block.group(0).splitlines()]
    commands += [m.group(2) for m in re.finditer(CODE_SPAN, FENCE.sub("", text), re.S)]
    targets = set()
    for command in commands:
        try:
            words = shlex.split(command.split("#")[0])
        except ValueError:  # an unbalanced quote
            words = command.split("#")[0].split()
        if words[:1] == ["make"]:
            targets |= {w for w in words[1:] if re.fullmatch(r"[A-Za-z][\w.-]*", w)}
    return targets


def kit_names() -> dict[str, set[str]]:
    """Every kit.toml section and its settings: nndebug/settings.py's, and kit.toml's own."""
    sections = {name: {f.name for f in dataclasses.fields(cls)} for name, cls in settings.SECTIONS.items()}
    sections["tasks"] = {f.name for f in dataclasses.fields(settings.Task)}
    sections["late.extensions"] = set()  # student_id = hours
    kit = tomllib.loads((ROOT / "kit.toml").read_text(encoding="utf-8"))
    for name, table in kit.items():
        if name == "tasks":
            for task in table.values():
                sections["tasks"] |= set(task)
        elif isinstance(table, dict):
            sections.setdefault(name, set()).update(k for k, v in table.items() if not isinstance(v, dict))
    return sections


def rubric_tables() -> dict[str, set[str]]:
    """The tables of notebooks/rubric.toml (a table quoted in code, e.g. `[groups]`, may be the rubric's)."""
    rubric = tomllib.loads((ROOT / "notebooks" / "rubric.toml").read_text(encoding="utf-8"))
    tables = {}
    for name, table in rubric.items():
        tables[name] = set(table) if isinstance(table, dict) else set()
        for sub, value in (table.items() if isinstance(table, dict) else ()):
            if isinstance(value, list) and value and isinstance(value[0], dict):
                tables[f"{name}.{sub}"] = set().union(*value)
    return tables


def unknown_settings(page: Path, kit: dict[str, set[str]], rubric: dict[str, set[str]]) -> list[str]:
    """kit.toml settings the page names as [section] `key` (or [section], or [section].key) that do not exist;
    and [tables] quoted in code that are neither kit.toml's nor the rubric's."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))

    def known(tables: dict[str, set[str]], section: str, key: str | None) -> bool:
        section = re.sub(r"^tasks\.(N|\d+)$", "tasks", section)
        return section in tables and (key is None or any(fnmatch.fnmatch(k, key) for k in tables[section]))

    problems = []
    for m in MENTION.finditer(text):
        if m.group(3):  # [section] in prose: kit.toml's
            after = KEY_AFTER.match(text, m.end())
            key = (after.group(1) or after.group(2)) if after else None
            if not known(kit, m.group(3), key):
                problems.append(f"{page.name}: kit.toml [{m.group(3)}]{f' {key}' if key else ''}")
        elif table := TABLE_IN_CODE.match(m.group(2).strip()):
            section, key = table.groups()
            if not (known(kit, section, key) or known(rubric, section, key)):
                problems.append(f"{page.name}: `{m.group(2).strip()}` is in neither kit.toml nor rubric.toml")
    return problems


def nav_pages(mkdocs_yml: Path) -> list[str]:
    text = mkdocs_yml.read_text(encoding="utf-8")
    return re.findall(r"^\s*-\s*(?:[^\n]*?:\s*)?([\w./-]+\.md)\s*$", text, re.M)


# --- the manual as it is ---

def test_readme_is_a_landing_page():
    size = (ROOT / "README.md").stat().st_size
    assert size <= README_LIMIT, f"README.md is {size} bytes: move detail into docs/ (at most {README_LIMIT})"
    assert (DOCS / "student_notebook.png").is_file()
    assert 'src="docs/student_notebook.png"' in render(ROOT / "README.md")  # what a student sees


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_and_anchors_resolve(page):
    assert broken_links(page) == []


def test_every_page_is_in_the_nav():
    nav = nav_pages(ROOT / "mkdocs.yml")
    assert nav and len(nav) == len(set(nav))
    assert [p for p in nav if not (DOCS / p).is_file()] == []
    assert sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")) == sorted(nav)


def test_make_targets_named_exist():
    targets = make_targets(ROOT / "Makefile")
    named = {page.name: named_make_targets(page) - targets for page in pages()}
    assert {page: missing for page, missing in named.items() if missing} == {}
    assert "docs" in targets and len(set().union(*map(named_make_targets, pages()))) > 20


def test_kit_settings_named_exist():
    kit, rubric = kit_names(), rubric_tables()
    assert [problem for page in pages() for problem in unknown_settings(page, kit, rubric)] == []


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (make venv)")
def test_the_site_builds_without_a_warning(tmp_path):
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
               "-d", str(tmp_path / "site")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "WARNING" not in done.stderr, done.stderr[-3000:]
    assert (tmp_path / "site" / "grading" / "index.html").is_file()


# --- the checks themselves catch what they are for ---

def test_the_checks_catch_broken_links_targets_and_settings(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A page\n\n## The grading run (`make autograde`)\n", encoding="utf-8")
    (docs / "b.md").write_text(
        "# B\n\n[ok](a.md#the-grading-run-make-autograde) [ok](#b) [anchor](a.md#the-grading-run)\n"
        "[file](c.md) [up](../README.md) ![img](x.png) [web](https://example.org/#x)\n\n"
        "Run `make autograde`, `make fidelity ARGS=\"--variants fixed\"` and `make autogarde FORCE=1`.\n\n"
        "```bash\nmake lint   # and\nmake tset\n```\n\n"
        "kit.toml [grading] `skip_cells`, [tasks.N] `grading_*_per_class`, [grading] `skip_cell`, [gradng],\n"
        "[late.extensions], [fidelity].cpu_val_images, [link](a.md), `[groups]`, `[language] tried`,\n"
        "`[language] tryed`, `[nosuch]`.\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("# R\n\n[a](docs/a.md#the-grading-run-make-autograde)\n", encoding="utf-8")
    assert broken_links(readme, tmp_path) == []
    problems = broken_links(docs / "b.md", tmp_path)
    assert [p.split(": ")[1] for p in problems] == [
        "a.md#the-grading-run", "c.md", "../README.md", "x.png"], problems
    assert named_make_targets(docs / "b.md") - make_targets(ROOT / "Makefile") == {"autogarde", "tset"}
    unknown = unknown_settings(docs / "b.md", kit_names(), rubric_tables())
    assert unknown == ["b.md: kit.toml [grading] skip_cell", "b.md: kit.toml [gradng]",
                       "b.md: `[language] tryed` is in neither kit.toml nor rubric.toml",
                       "b.md: `[nosuch]` is in neither kit.toml nor rubric.toml"], unknown


def test_anchors_are_mkdocs_and_github_ids(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("# Title\n\n## Verdicts: computed where `code` never ran\n\n## Twice\n\n## Twice\n\n"
                    "## A -- dash\n", encoding="utf-8")
    # MkDocs: twice_1 and a-dash; GitHub: twice-1 and a----dash: only the headings both agree on count
    assert anchors(page) == {"title", "verdicts-computed-where-code-never-ran", "twice"}
