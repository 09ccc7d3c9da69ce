"""What the released notebooks say: the visible checks say what they check and what they do not, and no
cell a student reads (text, test cells, comments) states an answer."""
from __future__ import annotations

import json

import pytest

from nndebug import config
from nndebug.course import nbcells
from nndebug.release import build as release

FOLDERS = [config.RELEASE_DIR / config.assignment(), config.RELEASE_DIR / release.english_folder()]
# Answers (or their halves) that once stood in test-cell comments and checks of the release.
ANSWERS = ("перемешиваться заново", "разные классы", "стягиваются к нулю", "нулевых весов нет",
           "all-zero weights", "all zero", "shuffle=True", "weight_decay=0", "bn1", "weights do not shrink",
           "равные нулю")


def cells(folder, name):
    return json.loads((folder / name).read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("folder", FOLDERS, ids=["ru", "en"])
@pytest.mark.parametrize("name", release.notebook_names())
def test_no_cell_a_student_reads_states_an_answer(folder, name):
    for cell in cells(folder, name):
        given_code = cell["cell_type"] == "code" and nbcells.is_given(cell)
        if given_code:          # the seed's own code (the bug is in it by design)
            continue
        text = "".join(cell["source"])
        for answer in ANSWERS:
            assert answer not in text, f"{folder.name}/{name} cell {cell.get('id')}: {answer!r}"


@pytest.mark.parametrize("name", release.notebook_names())
def test_the_visible_check_says_it_checks_learning_and_the_grader_checks_the_cause(name):
    for folder in FOLDERS:
        visible = next(c for c in cells(folder, name) if nbcells.grade_id(c).endswith("_fix_visible"))
        text = "".join(visible["source"])
        assert "It checks one thing: the network learns" in text
        assert "Grading also checks that the cause of the bug itself is gone" in text
        russian = "При оценке проверяется ещё и то, что устранена сама причина ошибки"
        assert (russian in text) == (folder.name == config.assignment()), folder.name
