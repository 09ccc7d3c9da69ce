"""The student repository's README, in Russian and English: open in Colab, switch on a GPU, hand in.

With per-student trees (variants on) it lists no notebook: it sends each student to the personal link the
instructor sends them, whose folder's own README (``nndebug.variants.publish``) lists their notebooks and
names their files.
"""
from __future__ import annotations

from nndebug import config
from nndebug.course import assemble, colab


def _table(header: str, tasks: str, folder: str = "") -> list[str]:
    lines = [header, "|---|---|---|"]
    for number in config.TASKS:
        notebook = folder + config.notebook(number)
        lines.append(f"| {tasks} {number} | `{colab.student_path(notebook)}` | {colab.badge(notebook)} |")
    return lines


PERSONAL_RU = (
    "**Ваши тетрадки открываются по вашей личной ссылке.** У каждого студента свои ошибки и свои тетрадки. "
    "Ссылку присылает преподаватель (в LMS или письмом): она открывает вашу папку `s/<код>/` этого "
    "репозитория, где README со ссылками на ваши три тетрадки (английские в `en/`) и имена ваших файлов. "
    "Общих тетрадок для сдачи здесь нет. Открывайте только свои ссылки: в других папках `s/` тетрадки "
    "других студентов; сданная чужая тетрадка проверяется по вашим ошибкам (исправление чужих может "
    "получить 0) и показывается преподавателю. Нет ссылки — напишите преподавателю."
)
PERSONAL_EN = (
    "**Your notebooks open from your personal link.** Every student has their own bugs and their own "
    "notebooks. The instructor sends you the link (in the LMS or by e-mail): it opens your folder "
    "`s/<code>/` of this repository, whose README links your three notebooks (the English ones in `en/`) "
    "and names your files. There are no shared notebooks to hand in here. Open only your own links: the "
    "other folders under `s/` hold other students' notebooks; someone else's notebook handed in is graded "
    "against your own bugs (a fix of theirs may score 0) and is shown to the instructor. No link? Write to "
    "the instructor."
)


def student_readme(personal: bool = False) -> str:
    """README.md of the student tree, from kit.toml [course]; ``personal``: each student has their own
    tree (variants on), so the README lists no notebook and sends them to their link."""
    course = config.kit().course
    repo, tag = course.student_repo, course.release_tag
    release = f"https://github.com/{repo}/releases/tag/{tag}"
    names = ", ".join(f"`{colab.student_path(config.notebook(n))}`" for n in config.TASKS)
    english = assemble.ENGLISH_FOLDER
    return "\n".join([
        f"# NN debug ({tag})",
        "",
        "[Русский](#по-русски) · [English](#in-english)",
        "",
        "## По-русски",
        "",
        "В каждой из трёх тетрадок обучение нейросети (ResNet18 на MNIST) идёт не так, как должно. Найдите "
        "ошибку, объясните её и исправьте.",
        "",
        *([PERSONAL_RU] if personal else _table("| задание | файл | открыть |", "Задание")),
        "",
        "1. Откройте " + ("свою тетрадку кнопкой **Open in Colab** в README своей папки" if personal
                          else "тетрадку кнопкой **Open in Colab**") + " (нужен аккаунт Google).",
        "2. Включите GPU: **Runtime → Change runtime type → GPU** (Среда выполнения → Сменить среду "
        "выполнения → Графический процессор).",
        f"3. Запускайте ячейки сверху вниз. Ячейка подготовки скачивает `{colab.DATA_FILE}` (и в задании 3 "
        f"{'модель' if personal else f'`{colab.MODEL_FILE}`'}) из [релиза {tag}]({release}) и проверяет их "
        "SHA-256 (`SHA256SUMS`). Если скачать не выходит, скачайте "
        + ("файлы, названные в README вашей папки," if personal else "файлы") + " со страницы релиза "
        "вручную и положите рядом с тетрадкой (в Colab: панель **Files** слева, кнопка загрузки).",
        "4. Пишите только в ячейки для ответов: текст ответа и код исправления, под строками, которые их "
        "называют. Остальные ячейки не меняйте: при проверке их восстанавливают, и правки там пропадут.",
        "5. **Как сдать:** в Colab **File → Download → Download .ipynb**. Не переименовывайте файлы "
        f"({names}); если Colab назвал файл `Copy of ...`, верните ему исходное имя. Загрузите все три файла "
        f"{course.hand_in_ru}.",
        "",
        "## In English",
        "",
        "In each of the three notebooks a neural network (ResNet18 on MNIST) does not train as it should. "
        f"Find the bug, explain it and fix it. The English notebooks are in `{english}/`; hand in either "
        "language.",
        "",
        *([PERSONAL_EN] if personal else _table("| task | file | open |", "Task", f"{english}/")),
        "",
        "1. Open " + ("your notebook with its **Open in Colab** button in your folder's README" if personal
                      else "a notebook with its **Open in Colab** button") + " (you need a Google account).",
        "2. Switch on a GPU: **Runtime → Change runtime type → GPU**.",
        f"3. Run the cells from top to bottom. The setup cell downloads `{colab.DATA_FILE}` (and, in task 3, "
        f"{'the model' if personal else f'`{colab.MODEL_FILE}`'}) from [release {tag}]({release}) and checks "
        "their SHA-256 (`SHA256SUMS`). If the download fails, download "
        + ("the files your folder's README names" if personal else "the files") + " from the release page "
        "by hand and put them next to the notebook (in Colab: the **Files** panel on the left, the upload "
        "button).",
        "4. Write only in the answer cells: your explanation and your fix, below the lines that name them. "
        "Leave the other cells as they are: they are restored at grading, and changes there are lost.",
        "5. **How to hand in:** in Colab, **File → Download → Download .ipynb**. Keep the file names "
        f"({names}); if Colab named a file `Copy of ...`, give it its name back. Upload all three files "
        f"{course.hand_in_en}.",
        "",
    ])
