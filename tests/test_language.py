"""The English notebooks' code: the bilingual code of the sources with its Russian taken out (issue #20:
English releases in English throughout), still valid Python, and nothing left untranslated."""
from __future__ import annotations

import ast
import json
import re

import pytest

from nndebug import config
from nndebug.course import language
from nndebug.release import build

BILINGUAL = '''\
# Подготовка данных.
# Data setup.
x = 1  # один / one
# файл / file
if x:
    raise SystemExit(
        f'Не удалось: {x}. '
        f'Could not: {x}.') from None
'''


def test_english_takes_the_russian_out_and_keeps_python() -> None:
    english = language.english(BILINGUAL)
    assert english == ("# Data setup.\nx = 1  # one\n# file\nif x:\n    raise SystemExit(\n"
                       "        f'Could not: {x}.') from None\n")
    ast.parse(english)
    assert language.untranslated(BILINGUAL) == []
    assert language.english("x = 1\n# plain English\n") == "x = 1\n# plain English\n"


@pytest.mark.parametrize("code, says", [
    ("# Только по-русски.\nx = 1\n", "no English line after it"),
    ("print('только по-русски')\n", "no English beside it"),
    ("x = 1  # только по-русски\n", "no English beside it"),
    ("f(\n    'по-русски '\n)\n", "no English line after it"),
])
def test_russian_without_its_english_is_named(code: str, says: str) -> None:
    problems = language.untranslated(code)
    assert problems and says in problems[0]


def test_the_english_release_code_is_english_and_valid_python() -> None:
    for name in build.notebook_names():
        ru = json.loads((config.RELEASE_DIR / config.assignment() / name).read_text(encoding="utf-8"))
        en = json.loads((config.RELEASE_DIR / build.english_folder() / name).read_text(encoding="utf-8"))
        for ru_cell, en_cell in zip(ru["cells"], en["cells"], strict=True):
            if en_cell["cell_type"] != "code":
                continue
            code = "".join(en_cell["source"])
            assert not language.CYRILLIC.search(code), (name, en_cell["id"])
            assert code == language.english("".join(ru_cell["source"])), (name, en_cell["id"])
            ast.parse(re.sub(r"(?m)^\s*[%!].*$", "", code))


def test_a_russian_line_left_in_the_release_code_fails_the_release_check(tmp_path) -> None:
    import shutil

    ru_dir, en_dir = tmp_path / "ru", tmp_path / "en"
    shutil.copytree(config.RELEASE_DIR / config.assignment(), ru_dir)
    shutil.copytree(config.RELEASE_DIR / build.english_folder(), en_dir)
    assert build.verify_english(ru_dir, en_dir) == []
    name = build.notebook_names()[0]
    nb = json.loads((ru_dir / name).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    cell["source"] = "# Забытый комментарий.\n" + "".join(cell["source"])
    (ru_dir / name).write_text(json.dumps(nb), encoding="utf-8")
    problems = build.verify_english(ru_dir, en_dir)
    assert any("no English line after it" in p for p in problems), problems
