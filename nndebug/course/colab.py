"""Kit-rendered cells: the "Open in Colab" badge, the setup cell and the TensorBoard cell.

The badges open the notebooks from the public student repository (kit.toml [course] ``student_repo`` at
``release_tag``); the setup cell downloads the data and the model from that repository's release assets
unless kit.toml [downloads] names other URLs or Google Drive ids, and checks the SHA-256 that
``published.json`` records for that release (``make publish`` writes it, then rebuilds the release).
"""
from __future__ import annotations

from collections.abc import Mapping

from nndebug import config
from nndebug.course import record

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
DATA_URL_ENV = "NN_DEBUG_DATA_URL"
MODEL_URL_ENV = "NN_DEBUG_MODEL_URL"
DATA_FILE = "mnist_data.zip"
MODEL_FILE = "pretrained_model.pt"
# file name -> (kit.toml [downloads] key prefix, environment variable that overrides its URL)
DOWNLOADS = {DATA_FILE: ("data", DATA_URL_ENV), MODEL_FILE: ("model", MODEL_URL_ENV)}


def student_path(notebook: str) -> str:
    """The notebook's path in the student repository (the tree ``make publish`` writes)."""
    return f"{notebook}.ipynb"


def badge(notebook: str) -> str:
    """Markdown for the "Open in Colab" badge: the notebook in the student repository at the release tag."""
    course = config.kit().course
    url = (f"https://colab.research.google.com/github/{course.student_repo}/blob/"
           f"{course.release_tag}/{student_path(notebook)}")
    return f"[![Open In Colab]({BADGE_IMAGE})]({url})"


def release_asset_url(name: str) -> str:
    """Where the student repository's GitHub release serves one of the published files."""
    course = config.kit().course
    return f"https://github.com/{course.student_repo}/releases/download/{course.release_tag}/{name}"


def source_of(name: str) -> tuple[str, str]:
    """(URL, Google Drive id) the setup cell fetches ``name`` from: kit.toml [downloads] ``*_url``, else its
    ``*_drive_id``, else the student repository's release asset."""
    prefix, _ = DOWNLOADS[name]
    downloads = config.kit().downloads
    url, drive_id = getattr(downloads, f"{prefix}_url"), getattr(downloads, f"{prefix}_drive_id")
    if url or drive_id:
        return url, "" if url else drive_id
    return release_asset_url(name), ""


def download_link(name: str) -> str:
    """A link a person can open to download ``name`` by hand."""
    url, drive_id = source_of(name)
    return url or f"https://drive.google.com/uc?id={drive_id}"


SETUP_FUNCTIONS = '''

class SetupError(Exception):
    def _render_traceback_(self):  # Jupyter показывает только сообщение / Jupyter shows only the message
        return [str(self)]


def link(name):
    url, drive_id, _ = FILES[name]
    return url or f'https://drive.google.com/uc?id={drive_id}'


def fetch(name):
    url, drive_id, _ = FILES[name]
    try:
        if url:
            urllib.request.urlretrieve(url, name + '.part')
        else:
            import gdown
            gdown.download(id=drive_id, output=name + '.part', quiet=True)
        os.replace(name + '.part', name)
    except Exception as error:
        Path(name + '.part').unlink(missing_ok=True)
        raise SetupError(
            f'Не удалось скачать {name} ({error}). Скачайте файл вручную: {link(name)}, положите его рядом '
            f'с тетрадкой и запустите эту ячейку снова.\\n'
            f'Could not download {name} ({error}). Download it by hand from {link(name)}, put it next to '
            f'the notebook and run this cell again.') from None


def check(name):
    expected = FILES[name][2]
    if not expected:
        return
    digest = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    if digest != expected:
        raise SetupError(
            f'{name} не тот файл, что выдан к заданию (SHA-256 {digest[:12]}… вместо {expected[:12]}…). '
            f'Удалите {name} и запустите эту ячейку снова; если файл опять не тот, скачайте его: '
            f'{link(name)} или напишите преподавателю.\\n'
            f'{name} is not the file handed out with this task (SHA-256 {digest[:12]}… instead of '
            f'{expected[:12]}…). Delete {name} and run this cell again; if it still differs, download it '
            f'from {link(name)} or tell your instructor.')


def archive_ok(name):
    try:
        with zipfile.ZipFile(name) as archive:
            return archive.testzip() is None
    except zipfile.BadZipFile:
        return False


if not Path('mnist_data').is_dir():
    if not Path('mnist_data.zip').exists():
        fetch('mnist_data.zip')
    if not archive_ok('mnist_data.zip'):  # недокачанный архив: качаем заново / a broken archive: fetch again
        os.remove('mnist_data.zip')
        fetch('mnist_data.zip')
        if not archive_ok('mnist_data.zip'):
            raise SetupError(
                f'Архив mnist_data.zip повреждён и после повторного скачивания. Скачайте его вручную: '
                f'{link("mnist_data.zip")}, положите рядом с тетрадкой и запустите эту ячейку снова.\\n'
                f'mnist_data.zip is broken, even downloaded again. Download it by hand from '
                f'{link("mnist_data.zip")}, put it next to the notebook and run this cell again.')
    check('mnist_data.zip')
    with zipfile.ZipFile('mnist_data.zip') as archive:
        archive.extractall('.')
'''


def published_hashes() -> dict[str, str]:
    """{file name: SHA-256} of the files published for kit.toml's student_repo and release_tag
    (``published.json``, written by ``make publish``); empty when nothing is published for them."""
    made, course = record.read_record(), config.kit().course
    if made is None or (made.student_repo, made.release_tag) != (course.student_repo,
                                                                 course.release_tag):
        return {}
    return dict(made.sha256)


def setup_cell(with_model: bool, hashes: Mapping[str, str] | None = None) -> str:
    """The setup cell: fetch, check and unzip the data (and the model) unless present, then seed every RNG.

    ``hashes`` ({file name: SHA-256}, default: :func:`published_hashes`) are checked after a download and
    on every run for the model; without them the cell checks no hash. Errors stop the cell with one short
    paragraph in Russian and English.
    """
    hashes = published_hashes() if hashes is None else hashes
    seed = config.kit().notebooks.seed
    names = [DATA_FILE, MODEL_FILE] if with_model else [DATA_FILE]
    what = ("данные и предобученную модель", "the data and the pretrained model") if with_model else \
        ("данные", "the data")
    lines = [
        f"# Подготовка: кладёт рядом с тетрадкой {what[0]} и проверяет их (что уже есть, не качает).",
        f"# Setup: puts {what[1]} next to the notebook and checks them (what is there stays).",
        "import hashlib",
        "import os",
        "import random",
        "import urllib.request",
        "import zipfile",
        "",
        "# файл: (ссылка, id на Google Drive, SHA-256 выданного файла) / file: (URL, Drive id, SHA-256)",
        "FILES = {",
    ]
    for name in names:
        url, drive_id = source_of(name)
        _, env = DOWNLOADS[name]
        lines += [f"    {name!r}: (", f"        os.environ.get({env!r}, {url!r}),",
                  f"        {drive_id!r},", f"        {hashes.get(name, '')!r},", "    ),"]
    lines += ["}"]
    lines += SETUP_FUNCTIONS.rstrip("\n").split("\n")
    if with_model:
        lines += [
            f"if not Path({MODEL_FILE!r}).exists():",
            f"    fetch({MODEL_FILE!r})",
            f"check({MODEL_FILE!r})",
        ]
    lines += [
        "",
        "# Одинаковый результат при каждом запуске тетрадки сверху вниз.",
        "# The same result on every run of the notebook from top to bottom.",
        f"random.seed({seed})",
        f"torch.manual_seed({seed})",
        f"np.random.seed({seed})",
    ]
    return "\n".join(lines)
