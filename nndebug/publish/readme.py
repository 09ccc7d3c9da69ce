"""The student repository's README, in Russian and English: open in Colab, switch on a GPU, hand in."""
from __future__ import annotations

from nndebug import config
from nndebug.course import assemble, colab


def _table(header: str, tasks: str, folder: str = "") -> list[str]:
    lines = [header, "|---|---|---|"]
    for number in config.TASKS:
        notebook = folder + config.notebook(number)
        lines.append(f"| {tasks} {number} | `{colab.student_path(notebook)}` | {colab.badge(notebook)} |")
    return lines


def student_readme() -> str:
    """README.md of the student tree, from kit.toml [course]."""
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
        *_table("| задание | файл | открыть |", "Задание"),
        "",
        "1. Откройте тетрадку кнопкой **Open in Colab** (нужен аккаунт Google).",
        "2. Включите GPU: **Runtime → Change runtime type → GPU** (Среда выполнения → Сменить среду "
        "выполнения → Графический процессор).",
        f"3. Запускайте ячейки сверху вниз. Ячейка подготовки скачивает `{colab.DATA_FILE}` (и в задании 3 "
        f"`{colab.MODEL_FILE}`) из [релиза {tag}]({release}) и проверяет их SHA-256 (`SHA256SUMS`). Если "
        "скачать не выходит, скачайте файлы со страницы релиза вручную и положите рядом с тетрадкой "
        "(в Colab: панель **Files** слева, кнопка загрузки).",
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
        *_table("| task | file | open |", "Task", f"{assemble.ENGLISH_FOLDER}/"),
        "",
        "1. Open a notebook with its **Open in Colab** button (you need a Google account).",
        "2. Switch on a GPU: **Runtime → Change runtime type → GPU**.",
        f"3. Run the cells from top to bottom. The setup cell downloads `{colab.DATA_FILE}` (and, in task 3, "
        f"`{colab.MODEL_FILE}`) from [release {tag}]({release}) and checks their SHA-256 (`SHA256SUMS`). "
        "If the download fails, download the files from the release page by hand and put them next to the "
        "notebook (in Colab: the **Files** panel on the left, the upload button).",
        "4. Write only in the answer cells: your explanation and your fix, below the lines that name them. "
        "Leave the other cells as they are: they are restored at grading, and changes there are lost.",
        "5. **How to hand in:** in Colab, **File → Download → Download .ipynb**. Keep the file names "
        f"({names}); if Colab named a file `Copy of ...`, give it its name back. Upload all three files "
        f"{course.hand_in_en}.",
        "",
    ])
