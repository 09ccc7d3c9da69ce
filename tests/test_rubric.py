"""The explanation scorer (nndebug.rubric): every kind of answer is scored as a TA would or routed to a TA,
never confidently wrong; both labelled corpora (the kit's own and the independent one) meet the goal; a broken
rubric names its file and key."""
from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

import pytest
from fix_variants import ENGLISH_ANSWERS, PARTIAL_ANSWERS, SEED_ANSWERS, WRONG_ANSWERS

from nndebug import config
from nndebug.commands import rubric_report
from nndebug.rubric import ExplanationVerdict, RubricError, corpus, judge, points, render_review

CORPUS = corpus.score(corpus.load())
SETS = {name: corpus.score(answers) for name, answers in corpus.load_sets().items()}
# Answers of a blind set a TA scored by a convention the kit's other TAs and its own pinned answers do not
# share: task 3's cause said without naming the tensor ("некоторые веса равны нулю") earns the blind27 TA a
# quarter, the independent TA and the kit (its seed answer, tests/fix_variants.py) the full half. Scored by
# the kit's convention; kept here so that no other confidently wrong answer can hide among them.
CONVENTION_CONFLICTS = {"blind27": {"b27-t3-005", "b27-t3-014"}}
MIN_EXACT = {"kit": 0.95, "independent": 0.90, "blind27": 0.80}


# --- the fixed points the validity tests rely on --------------------------------------------------

@pytest.mark.parametrize("task", config.TASKS)
@pytest.mark.parametrize("answers_by_task", [SEED_ANSWERS, ENGLISH_ANSWERS], ids=["seed-ru", "en"])
def test_right_answers_score_full(task: int, answers_by_task: dict[int, str]) -> None:
    verdict = judge(task, answers_by_task[task])
    assert verdict.fraction == 1.0
    assert points(task, verdict) == config.kit().tasks[task].points_explanation
    if answers_by_task is SEED_ANSWERS and task == 2:
        # "Слишком большой LR и WD": the independent TA gave this answer half (it blames the lr too), the kit
        # full marks; the rubric keeps full marks and lets a TA decide.
        assert verdict.review and "learning rate" in verdict.review[0]
    else:
        assert not verdict.review


def test_the_reference_answers_in_the_sources_score_full() -> None:
    from nndebug.course import assemble
    for task in config.TASKS:
        cells = {c.id: c.source for c in assemble.build(task).cells}
        assert judge(task, cells[f"task{task}_explanation"]).fraction == 1.0


@pytest.mark.parametrize("task", config.TASKS)
@pytest.mark.parametrize("text", ["", "   \n", "YOUR ANSWER HERE", "Не знаю."])
def test_no_answer_scores_zero_with_confidence(task: int, text: str) -> None:
    verdict = judge(task, text)
    assert verdict.fraction == 0 and points(task, verdict) == 0
    assert verdict.review == () and verdict.confidence == 1.0


@pytest.mark.parametrize("task", config.TASKS)
def test_another_tasks_cause_scores_zero(task: int) -> None:
    verdict = judge(task, WRONG_ANSWERS[task])
    assert verdict.wrong is not None and verdict.fraction == 0


@pytest.mark.parametrize("task", config.TASKS)
def test_the_cause_alone_earns_part(task: int) -> None:
    verdict = judge(task, PARTIAL_ANSWERS[task])
    assert 0 < verdict.fraction < 1
    assert len(verdict.named) == 1 and len(verdict.missing) == 1


def test_points_follow_kit_toml() -> None:
    half = ExplanationVerdict(0.5, (), (), None, 1.0, ())
    for task in config.TASKS:
        assert points(task, half) == round(config.kit().tasks[task].points_explanation / 2, 2)


# --- words, not spellings -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Нет перемешивания данных.", "Надо перемешать данные.", "Данные не перемешиваются.",
    "No shuffling of the data.", "The data is never reshuffled.", "Данные надо тасовать.",
    "The samples always come in the same order."])
def test_word_forms_and_paraphrases_name_the_cause(text: str) -> None:
    assert judge(1, text).named == (judge(1, "shuffle=False").named)


@pytest.mark.parametrize("task,text", [
    (1, "Лоадер берёт картинки подряд из файла, где сначала все нули, потом все единицы, и в случайном "
        "порядке их не выдаёт, поэтому сеть забывает прошлые цифры."),
    (2, "Штраф за величину весов в оптимизаторе такой сильный, что параметры всё время сжимаются к нулю."),
    (3, "The scale and shift of the first normalization layer were saved as 0, so the logits never change "
        "with the input image."),
])
def test_a_mechanism_described_without_the_keywords_earns_full(task: int, text: str) -> None:
    assert judge(task, text).fraction == 1.0


# --- negation and scope ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Проблема не в перемешивании данных.", "The problem is NOT the shuffling.",
                                  "Shuffle тут ни при чём.", "Shuffling is fine here."])
def test_a_cause_named_then_denied_does_not_count(text: str) -> None:
    verdict = judge(1, text)
    assert verdict.fraction == 0 and verdict.named == ()


def test_another_tasks_cause_ruled_out_does_not_zero_the_answer() -> None:
    text = ("Это не weight decay (его тут нет) и не learning rate. Ошибка в shuffle=False: данные "
            "отсортированы по классам, и каждый батч состоит из одной цифры.")
    verdict = judge(1, text)
    assert verdict.fraction == 1.0 and verdict.wrong is None and not verdict.review


def test_another_tasks_cause_asserted_zeroes_the_answer() -> None:
    verdict = judge(3, "Слишком большой weight decay, поэтому модель не учится.")
    assert verdict.fraction == 0 and "weight decay" in verdict.wrong


def test_the_bug_described_with_a_negation_counts() -> None:
    # Task 1's cause is itself a negation ("не перемешивает"); task 3's mechanism too ("не зависит").
    assert judge(1, "DataLoader не перемешивает выборку, поэтому батчи из одного класса.").fraction == 1.0
    assert judge(3, "Веса bn1 нулевые, и выход не зависит от входа.").fraction == 1.0
    assert judge(3, "Веса bn1 не нулевые.").fraction == 0


# --- stuffing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("task,text", [
    (1, "shuffle, sorted, one class, batches, forgetting"),
    (2, "- weight decay\n- L2\n- веса к нулю\n- недообучение"),
    (3, "нулевые веса; bn1; одинаковый выход; нет градиента"),
])
def test_a_bare_list_of_terms_never_earns_full_marks(task: int, text: str) -> None:
    assert judge(task, text).fraction < 1


@pytest.mark.parametrize("task", config.TASKS)
def test_many_causes_at_once_score_zero(task: int) -> None:
    text = ("It could be shuffle=False, too much weight decay, a too high learning rate or zeroed BatchNorm "
            "weights in the pretrained model.")
    verdict = judge(task, text)
    assert verdict.fraction == 0 and verdict.wrong


def test_another_tasks_answer_text_scores_zero() -> None:
    from nndebug.course import assemble
    references = {t: {c.id: c.source for c in assemble.build(t).cells}[f"task{t}_explanation"]
                  for t in config.TASKS}
    for task in config.TASKS:
        for other in config.TASKS:
            if other != task:
                assert judge(task, references[other]).fraction == 0, (task, other)
        everything = "\n\n".join(references.values())
        assert judge(task, everything).fraction < 1


def test_pasted_code_earns_nothing() -> None:
    text = "```\ntrain_loader = DataLoader(self.train_dataset, shuffle=False, batch_size=8)\n```\nНе понимаю."
    verdict = judge(1, text)
    assert verdict.fraction == 0 and not verdict.review
    assert judge(1, "`train_loader = DataLoader(ds, shuffle=False)` I don't understand this.").fraction == 0


# --- confidence and review ------------------------------------------------------------------------

def test_a_long_answer_is_routed_only_when_short_of_full_marks_or_in_doubt() -> None:
    # Issue 27: a long, rambling right answer is scored; a long one that misses a point may say it in
    # words the rubric does not know, and goes to a TA.
    padding = " " + " ".join(["The loss curve was flat for a long time."] * 20)
    full = judge(1, ENGLISH_ANSWERS[1] + padding)
    assert full.fraction == 1.0 and not full.review
    part = judge(1, PARTIAL_ANSWERS[1] + padding)
    assert part.fraction == 0.5 and any("long answer" in r for r in part.review) and part.confidence < 1


def test_mixed_right_and_wrong_claims_are_routed_with_at_most_half() -> None:
    verdict = judge(1, "shuffle=False, так что батчи из одного класса. Ещё learning rate слишком большой.")
    assert verdict.fraction == 0.5 and any("mixes right and wrong" in r for r in verdict.review)


def test_negation_near_a_concept_is_routed() -> None:
    verdict = judge(1, "The problem is not shuffling. The loader has shuffle=False: batches are one digit.")
    assert any("negation" in r for r in verdict.review)


def test_one_concept_is_routed_only_beside_a_near_miss_of_the_other() -> None:
    # Most of a mechanism's words, not all ("batches" and "one class" without saying they coincide): a TA
    # reads it. Nothing of the mechanism at all: half, with confidence.
    near = ("The problem is that shuffle is set to False in the DataLoader. Because of that every batch, "
            "I think, and each class of the dataset end up in some strange relation that ruins training.")
    assert any("only one concept" in r for r in judge(1, near).review)
    plain = ("The problem is that shuffle is set to False in the DataLoader. I changed it, and now the "
             "accuracy is 0.98 after ten epochs and the curve in tensorboard looks as it should.")
    assert judge(1, plain).fraction == 0.5 and judge(1, plain).review == ()
    assert judge(1, PARTIAL_ANSWERS[1]).review == ()


def test_no_match_in_a_non_empty_answer_is_routed_when_it_points_somewhere() -> None:
    vague = judge(2, "Что-то не так с параметрами оптимизатора, один из них явно плохой, я его поменял.")
    assert vague.fraction == 0 and any("nothing recognised" in r for r in vague.review)
    # Off the topic: nothing of the task's words, nothing pointed at: 0 with confidence.
    off = judge(2, "Я запустил все ячейки, графики построились, но точность осталась низкой.")
    assert off.fraction == 0 and off.review == ()


def test_render_review_says_how_many_were_routed_and_why() -> None:
    routed = judge(1, "shuffle=False, так что батчи из одного класса. Ещё learning rate слишком большой.")
    confident = judge(1, SEED_ANSWERS[1])
    text = render_review([("alice", 1, "shuffle=False ... learning rate", routed),
                          ("bob", 1, SEED_ANSWERS[1], confident)])
    assert "1 of 2 answers were routed to a TA" in text and "mixes right and wrong claims: 1" in text
    assert "alice" in text and "bob" not in text and "task1_explanation_rubric" in text
    assert "formgrader" in text and "manual grade" in text
    none = render_review([("bob", 1, SEED_ANSWERS[1], confident)])
    assert "0 of 1 answers were routed to a TA" in none and "formgrader" in none


# --- issue 22: the kinds of misses the independent corpus showed -----------------------------------

@pytest.mark.parametrize("task,text", [
    (1, "Problema v tom chto v train DataLoader stoit shuffle=False, a dannye v train.csv idut "
        "po poryadku klassov. Poetomu v kazhdom batche tolko odin klass, set' zabyvaet "
        "predydushchie klassy."),
    (2, "V optimizatore stoit weight_decay=9e-1, eto ochen' bol'shaya regulyarizaciya. "
        "Vesa shodyatsya k nulyu na kazhdom shage."),
    (3, "V pretrained_model.pt nekotorye sloi imeyut vesa, polnost'yu ravnye nulyu. Poetomu vyhod ne zavisit "
        "ot vhoda."),
])
def test_russian_in_latin_letters_is_read(task: int, text: str) -> None:
    verdict = judge(task, text)
    assert verdict.fraction == 1.0 and not verdict.review


@pytest.mark.parametrize("task,text", [
    (1, "короч трейн лоадер без шафла, а датасет отсортирован по классам, в батче одни и те же цифры."),
    (1, "the trian dataloader dosent shufle the data and the labls are sorted, so every batch = one clas."),
    (2, "the wieght decay is 0.9, every step the weigts get multiplyed by 0.91 so they shrink to zero."),
])
def test_slang_and_misspellings_name_the_concepts(task: int, text: str) -> None:
    assert judge(task, text).fraction == 1.0


@pytest.mark.parametrize("task,text", [
    (2, "Some of the weights of the network are zero, so the output doesn't depend on the input and the "
        "gradients can't flow. We need to re-initialise those layers."),
    (2, "В модели часть весов нулевая, поэтому выход одинаковый для всех картинок. Надо найти нулевые слои."),
    (3, "weight_decay is too big, it pulls all the weights to zero every step so the network can't learn."),
    (3, "The weights are all driven to zero during training because of too strong regularization, and the "
        "output becomes constant."),
])
def test_zero_in_another_tasks_sense_earns_nothing(task: int, text: str) -> None:
    # Task 2: weights pulled towards zero by the decay; task 3: tensors equal to zero in the checkpoint.
    assert judge(task, text).fraction == 0


def test_weights_going_to_zero_in_other_words_count_for_task_2() -> None:
    for text in ("wd=0.9 → каждый шаг веса ×0.91, веса → 0, выход константа.",
                 "weight_decay=0.9: the conv/BN/fc weights are near zero after a few hundred steps.",
                 "Слишком большой weight decay: веса почти сразу становятся около нуля."):
        verdict = judge(2, text)
        assert verdict.fraction == 1.0 and verdict.wrong is None, text


def test_a_setting_tried_and_rejected_is_not_asserted() -> None:
    text = ("First I thought the learning rate was too low so I tried 1e-1, didn't help. The csv is sorted "
            "by label and the loader has shuffle=False, so every batch is one digit and the net forgets "
            "the rest.")
    verdict = judge(1, text)
    assert verdict.fraction == 1.0 and verdict.wrong is None and not verdict.review


@pytest.mark.parametrize("text", ["weight decay вроде нормальный, наверное мало эпох.",
                                  "Веса загружаются правильно, нулевых там нет, я проверял."])
def test_a_hedge_or_a_denial_after_the_concept_does_not_name_it(text: str) -> None:
    task = 2 if "decay" in text else 3
    assert judge(task, text).fraction == 0


def test_a_wrong_cause_with_the_symptom_restated_scores_zero() -> None:
    # Every TA of the corpora gives these 0: the effect explains no bug. Issue 27: no routing for it.
    verdict = judge(3, "Learning rate слишком большой, поэтому выход одинаковый для всех картинок.")
    assert verdict.fraction == 0 and verdict.wrong and not verdict.review


def test_underfitting_alone_is_no_mechanism_and_goes_to_a_ta() -> None:
    verdict = judge(2, "Регуляризация задрана до небес (wd=0.9), модель недообучается.")
    assert verdict.fraction == 0.5 and any("related point" in r for r in verdict.review)


def test_pasted_code_with_a_bare_pointer_goes_to_a_ta() -> None:
    code = "```python\nopt = optim.SGD(model.parameters(), lr=10e-2, weight_decay=9e-1)\n```\n"
    verdict = judge(2, code + "вот тут ошибка")
    assert verdict.fraction == 0 and any("pasted code" in r for r in verdict.review)


@pytest.mark.parametrize("task", config.TASKS)
def test_a_common_misdiagnosis_scores_zero_without_a_ta(task: int) -> None:
    text = "The pretrained layers are frozen (requires_grad=False), so only the last one trains."
    verdict = judge(task, text)
    assert verdict.fraction == 0 and "замороженные" in verdict.wrong and not verdict.review


# --- the corpus -----------------------------------------------------------------------------------

def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 150
    langs = {s.answer.lang for s in CORPUS}
    kinds = {s.answer.kind for s in CORPUS}
    assert langs == {"ru", "en"}
    assert {"right", "partial", "wrong", "paraphrase", "stuffed-list", "stuffed-many", "stuffed-other-task",
            "negated", "ruled-out", "off-topic", "empty", "code-paste", "mixed", "long"} <= kinds
    for task in config.TASKS:
        assert sum(s.answer.task == task for s in CORPUS) >= 45


def test_the_independent_corpus_is_its_own_large_varied_set() -> None:
    answers = corpus.load(corpus.INDEPENDENT_DIR)
    assert len(answers) >= 120 and len({a.id for a in answers}) == len(answers)
    assert {a.lang for a in answers} == {"ru", "en"} and {a.task for a in answers} == set(config.TASKS)
    assert {a.intent for a in answers} == {"right", "partial", "wrong"}
    assert {a.score for a in answers} == {0.0, 0.5, 1.0} and all(a.note for a in answers)
    assert not {a.text for a in answers} & {s.answer.text for s in CORPUS}  # held apart from the kit's set


@pytest.mark.parametrize("name", list(corpus.blind_dirs()))
def test_the_pretuning_record_is_kept(name: str) -> None:
    before = corpus.pretuning(corpus.blind_dirs()[name] / corpus.PRETUNING)
    assert set(before) == {"task 1", "task 2", "task 3", "all"}
    assert before["all"].total == len(SETS[name])
    assert before["all"].confidently_wrong > 0  # what tuning was for


@pytest.mark.parametrize("name", list(corpus.blind_dirs()))
def test_no_ta_score_of_an_independent_set_changed_since_the_pretuning_record(name: str) -> None:
    import tomllib
    folder = corpus.blind_dirs()[name]
    with open(folder / corpus.PRETUNING, "rb") as fh:
        recorded = {row["id"]: row["ta"] for row in tomllib.load(fh)["answer"]}
    assert {a.id: a.score for a in corpus.load(folder)} == recorded


@pytest.mark.parametrize("name", list(SETS))
def test_every_corpus_meets_the_goal_task_by_task(name: str) -> None:
    conflicts = CONVENTION_CONFLICTS.get(name, set())
    for task, figures in corpus.per_task(SETS[name]).items():
        wrong = {s.answer.id for s in SETS[name] if s.answer.task == task and s.confidently_wrong}
        assert wrong <= conflicts, (task, wrong)
        assert figures.wrong_full_unrouted == 0
        assert figures.routed <= 0.20, (task, figures.routed)
    assert corpus.figures(SETS[name]).exact >= MIN_EXACT.get(name, 0.80)


@pytest.mark.parametrize("name", list(SETS))
def test_every_kind_in_every_corpus_is_scored_as_a_ta_would_or_routed(name: str) -> None:
    confidently_wrong = defaultdict(list)
    for s in SETS[name]:
        if not s.exact and not s.routed and s.answer.id not in CONVENTION_CONFLICTS.get(name, set()):
            confidently_wrong[s.answer.kind].append(s.answer.id or s.answer.text)
    assert not confidently_wrong


def test_rubric_report_prints_the_figures(capsys) -> None:
    code = rubric_report.run(argparse.Namespace(corpus=corpus.CORPUS_DIR, rubric=None))
    out = capsys.readouterr().out
    assert code == 0
    assert "task 1" in out and "confusion" in out and "answers scored differently" in out and "met" in out


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_rubric_report_prints_each_set_apart_beside_the_pretuning_figures(capsys) -> None:
    code = rubric_report.run(argparse.Namespace(corpus=None, rubric=None))
    out = capsys.readouterr().out
    sets = {part.split(":")[0]: part for part in re.split(r"^== ", out, flags=re.M)[1:]}
    assert {"kit", "independent"} <= set(sets)
    assert "pre-tuning" not in sets["kit"]
    for name in corpus.blind_dirs():
        assert sets[name].count("pre-tuning") == 4 and f"goal for {name}" in sets[name]
        assert "routed to a TA: task 1" in sets[name]  # the routing share, task by task
    missed = [name for name in sets if "NOT met" in sets[name].split(f"goal for {name}, task by task")[-1]]
    assert missed == [name for name in CONVENTION_CONFLICTS if name in sets]
    assert code == (1 if missed else 0)


# --- a broken rubric ------------------------------------------------------------------------------

def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = config.RUBRIC_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "rubric.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,message", [
    ("[[task1.concepts]]", "[[task1.concept]]", r"\[task1\] has unknown key\(s\) 'concept'"),
    ("[task3]", "[task4]", r"\[task4\] has no \[\[task4.concepts\]\]"),
    ("phrases = [\"@wd\"]", "phrase = [\"@wd\"]", r"task1.wrong\[1\] has unknown key\(s\) 'phrase'"),
    ('phrases = ["@wd", "штраф', 'phrases = ["@nosuch", "штраф', r"task2.concepts\[0\].phrases.*'@nosuch'"),
    ("weight = 1\nnegation_is_the_bug", "weight = -1\nnegation_is_the_bug", r"task1.concepts\[0\].weight"),
    ("window = 10", "window = 'ten'", r"\[engine\] window"),
    ("dont_know = [", "dont_knows = [", r"\[language\] has no 'dont_know'"),
    ("[task3]", "[task3", r"not valid TOML"),
    ("\n[[any_task.wrong]]", "\n[any_task.extra]\nx = 1\n[[any_task.wrong]]", r"\[any_task\] may hold only"),
    ("]\nmechanism = true", "]\nmechanism = 'yes'", r"task1.concepts\[1\].mechanism"),
])
def test_a_broken_rubric_names_the_file_and_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(RubricError, match=message) as error:
        judge(1, "shuffle=False", path)
    assert str(path) in str(error.value)


def test_a_missing_rubric_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="cannot read the rubric"):
        judge(1, "shuffle=False", tmp_path / "nope.toml")
