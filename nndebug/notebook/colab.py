"""Kit-rendered cells: the "Open in Colab" badge, the setup cell and the TensorBoard cell.

Repository, branch, Drive ids and URLs come from kit.toml ([course], [downloads], [notebooks]).
"""
from __future__ import annotations

from nndebug import config

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
DATA_URL_ENV = "NN_DEBUG_DATA_URL"
MODEL_URL_ENV = "NN_DEBUG_MODEL_URL"


def release_path(notebook: str) -> str:
    """The notebook's path in the course repository."""
    return f"release/{config.assignment()}/{notebook}.ipynb"


def badge(notebook: str) -> str:
    """Markdown for the "Open in Colab" badge of one release notebook."""
    course = config.settings()["course"]
    url = (f"https://colab.research.google.com/github/{course['github_repo']}/blob/"
           f"{course['github_branch']}/{release_path(notebook)}")
    return f"[![Open In Colab]({BADGE_IMAGE})]({url})"


def setup_cell(with_model: bool) -> str:
    """The setup cell: fetch and unzip the data (and the model) unless present, then seed every RNG."""
    downloads = config.settings()["downloads"]
    seed = int(config.settings()["notebooks"]["seed"])
    what = "данные и предобученную модель" if with_model else "данные"
    lines = [
        f"# Подготовка: кладёт рядом с тетрадкой {what}. В Colab всё скачивается (gdown с Google Drive",
        f"# или по прямой ссылке из {DATA_URL_ENV} / {MODEL_URL_ENV}); что уже лежит на месте, не качается.",
        "import os",
        "import random",
        "import urllib.request",
        "import zipfile",
        "",
        f"DATA_DRIVE_ID = {downloads['data_drive_id']!r}",
        f"DATA_URL = os.environ.get({DATA_URL_ENV!r}, {downloads['data_url']!r})",
    ]
    if with_model:
        lines += [
            f"MODEL_DRIVE_ID = {downloads['model_drive_id']!r}",
            f"MODEL_URL = os.environ.get({MODEL_URL_ENV!r}, {downloads['model_url']!r})",
        ]
    lines += [
        "",
        "",
        "def fetch(target: str, drive_id: str, url: str):",
        "    if url:",
        "        urllib.request.urlretrieve(url, target)",
        "    else:",
        "        import gdown",
        "        gdown.download(id=drive_id, output=target, quiet=True)",
        "",
        "",
        "if not Path('mnist_data').is_dir():",
        "    if not Path('mnist_data.zip').exists():",
        "        fetch('mnist_data.zip', DATA_DRIVE_ID, DATA_URL)",
        "    with zipfile.ZipFile('mnist_data.zip') as archive:",
        "        archive.extractall('.')",
    ]
    if with_model:
        lines += [
            "if not Path('pretrained_model.pt').exists():",
            "    fetch('pretrained_model.pt', MODEL_DRIVE_ID, MODEL_URL)",
        ]
    lines += [
        "",
        "# Одинаковый результат при каждом запуске тетрадки сверху вниз.",
        f"random.seed({seed})",
        f"torch.manual_seed({seed})",
        f"np.random.seed({seed})",
    ]
    return "\n".join(lines)


def tensorboard_cell() -> str:
    """TensorBoard in Colab; outside Colab (the autograder, a headless run) the cell does nothing."""
    return "\n".join([
        "# Графики обучения. В Colab откроется TensorBoard; вне Colab ячейка ничего не делает.",
        "import sys",
        "",
        "if 'google.colab' in sys.modules:",
        "    get_ipython().run_line_magic('load_ext', 'tensorboard')",
        "    get_ipython().run_line_magic('tensorboard', '--logdir ./tboard_logs/')",
    ])
