"""The English half of the feedback is English: rubric points carry English names (rubric.toml name_en)."""
from __future__ import annotations

import re

import pytest

from nndebug import config
from nndebug.rubric import spec
from nndebug.verify import explanation

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_every_rubric_point_has_an_english_name() -> None:
    rubric = spec.load()
    for number, task in rubric.tasks.items():
        for point in (*task.concepts, *task.wrong, *task.related):
            assert point.name_en and not CYRILLIC.search(point.name_en), (number, point.name)


@pytest.mark.parametrize("task, text", [(1, "Не знаю, может learning rate маленький."),
                                        (2, "Причина в weight decay."), (3, "Мало эпох обучения.")])
def test_the_english_lines_of_an_explanation_verdict_have_no_russian(task: int, text: str) -> None:
    verdict, found = explanation.verdict(task, text)
    lines = [verdict.reason, *verdict.measured] if verdict.reason else list(verdict.measured)
    assert lines and found.missing
    for line in lines:
        assert not CYRILLIC.search(line.en), line.en
    assert config.RUBRIC_FILE.is_file()
