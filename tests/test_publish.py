"""`make publish`: the student tree and assets, the leak scan, the publish record and, up to the network
boundary, a published notebook's setup cell fetching the files from a server on 127.0.0.1."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import compute_checksum

from nndebug import config
from nndebug.course import colab, record
from nndebug.publish import scan, tree
from nndebug.release import build as release

NOTEBOOKS = release.notebook_names()
TASK3 = config.notebook(3) + ".ipynb"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102 - keep pytest's output clean
        pass


class Server:
    """A static file server on 127.0.0.1 (never another address) for one folder."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tree.Published:
    """`make publish` with the course root (record, source/, release/) in a temporary folder."""
    base = tmp_path_factory.mktemp("publish")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(record, "RECORD_FILE", base / "published.json")
        return tree.publish(base / "dist", release_root=base)


def publish_in(root: Path, monkeypatch, **kwargs) -> tree.Published:
    monkeypatch.setattr(record, "RECORD_FILE", root / "published.json")
    return tree.publish(root / "dist", release_root=root, **kwargs)


@pytest.fixture(scope="module")
def served(published: tree.Published) -> Iterator[Server]:
    server = Server(published.student.parent)
    yield server
    server.stop()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cells_by_id(path: Path) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]}


def grading_code() -> list[Path]:
    """The hidden checks' code: nndebug/grading (and nndebug/verify, where it is)."""
    return sorted(p for name in ("grading", "verify") for p in (config.ROOT / "nndebug" / name).glob("*.py")
                  if p.stat().st_size > 500)


def point_at(monkeypatch, data_url: str, model_url: str) -> None:
    monkeypatch.setenv(colab.DATA_URL_ENV, data_url)
    monkeypatch.setenv(colab.MODEL_URL_ENV, model_url)


def run_setup(notebook: Path, work: Path, monkeypatch) -> dict:
    """Execute the published notebook's imports and setup cells in ``work``, in this process."""
    monkeypatch.chdir(work)
    namespace: dict = {}
    cells = cells_by_id(notebook)
    for cell_id in ("imports", "setup"):
        exec("".join(cells[cell_id]["source"]), namespace)  # noqa: S102 - the kit's own cells
    return namespace


# --- the tree ------------------------------------------------------------------------------------------

@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_student_tree_holds_only_what_students_get(published: tree.Published) -> None:
    tree_files = sorted(p.relative_to(published.student).as_posix() for p in published.student.rglob("*")
                        if p.is_file())
    assert tree_files == sorted(["README.md", "SHA256SUMS", *NOTEBOOKS, *(f"en/{n}" for n in NOTEBOOKS)])
    assert sorted(p.name for p in published.assets.iterdir()) == ["mnist_data.zip", "pretrained_model.pt"]
    assert (published.assets / "mnist_data.zip").read_bytes() == config.MNIST_ZIP.read_bytes()
    assert sha256(published.assets / "pretrained_model.pt") == sha256(config.MODEL_FILE)
    sums = dict(reversed(line.split("  ")) for line in
                (published.student / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {*tree_files, "mnist_data.zip", "pretrained_model.pt"} - {"SHA256SUMS"}
    for name, digest in sums.items():
        folder = published.assets if name in published.record.sha256 else published.student
        assert sha256(folder / name) == digest, name
    env = (published.student.parent / "publish.env").read_text()
    assert f"STUDENT_REPO={config.kit().course.student_repo}" in env


def test_record_holds_the_published_hashes(published: tree.Published, tmp_path: Path) -> None:
    made = record.read_record(published.student.parent.parent / "published.json")
    assert made == published.record
    assert "variant_models" not in (published.student.parent.parent / "published.json").read_text()
    assert made.sha256 == {"mnist_data.zip": sha256(config.MNIST_ZIP),
                           "pretrained_model.pt": sha256(config.MODEL_FILE)}
    course = config.kit().course
    assert (made.student_repo, made.release_tag) == (course.student_repo, course.release_tag)


def test_published_notebooks_are_the_release_rebuilt_with_the_hashes(published) -> None:
    course = config.kit().course
    root = published.student.parent.parent
    for name in NOTEBOOKS:
        built = root / "release" / config.assignment() / name
        assert (published.student / name).read_bytes() == built.read_bytes()
        english = root / "release" / f"{config.assignment()}_en" / name
        assert (published.student / "en" / name).read_bytes() == english.read_bytes()
        assert f"/blob/{course.release_tag}/en/{name}" in english.read_text(encoding="utf-8")
        # the gradebook's copy of the setup cell (source/) is the one students get
        assert cells_by_id(root / "source" / config.assignment() / name)["setup"]["source"] == \
            cells_by_id(built)["setup"]["source"]
        cells = cells_by_id(published.student / name)
        setup = "".join(cells["setup"]["source"])
        assert published.record.sha256["mnist_data.zip"] in setup
        assert (published.record.sha256["pretrained_model.pt"] in setup) == (name == TASK3)
        cell = nbformat.from_dict({**cells["setup"], "source": setup})
        assert cell.metadata.nbgrader["checksum"] == compute_checksum(cell)  # nbgrader sees it unchanged
        badge = "".join(next(iter(cells.values()))["source"])
        assert (f"https://colab.research.google.com/github/{course.student_repo}/blob/"
                f"{course.release_tag}/{name}") in badge
        assert "drive.google.com/file" not in (published.student / name).read_text(encoding="utf-8")
        # everything but the setup cell is the release notebook as committed
        released = cells_by_id(config.RELEASE_DIR / config.assignment() / name)
        assert {k: v for k, v in cells.items() if k != "setup"} == \
               {k: v for k, v in released.items() if k != "setup"}


def test_student_readme_says_how_to_open_and_hand_in(published: tree.Published) -> None:
    text = (published.student / "README.md").read_text(encoding="utf-8")
    course = config.kit().course
    for needle in ("Open in Colab", "Change runtime type", "Download .ipynb", "Как сдать", "How to hand in",
                   course.hand_in_ru, course.hand_in_en,
                   f"https://github.com/{course.student_repo}/releases/tag/{course.release_tag}",
                   *NOTEBOOKS):
        assert needle in text, needle


# --- the leak scan ------------------------------------------------------------------------------------

def test_dist_holds_no_solution_hidden_test_grading_code_or_rubric(published: tree.Published) -> None:
    assert scan.scan(published.student.parent) == []


def test_scan_finds_what_only_the_instructor_may_have(published: tree.Published, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(published.student.parent, dist)
    planted = {
        "solution.ipynb": config.SOURCE_DIR / config.assignment() / NOTEBOOKS[1],
        "rubric.txt": config.RUBRIC_FILE,
        "kit.txt": config.settings_file(),
        "grading.txt": grading_code()[-1],
    }
    for name, source in planted.items():
        shutil.copyfile(source, dist / "student" / name)
    leaks = "\n".join(scan.scan(dist))
    assert "student/solution.ipynb: holds 'BEGIN SOLUTION'" in leaks
    assert "student/solution.ipynb: holds 'BEGIN HIDDEN TESTS'" in leaks
    for name in planted:
        assert f"student/{name}:" in leaks, name

def test_scan_finds_one_line_of_grading_code_without_any_marker(published, tmp_path: Path) -> None:
    secret = scan.secret_lines(scan.release_folders())
    code = [line.strip() for path in grading_code() for line in path.read_text(encoding="utf-8").splitlines()]
    planted_line = max((s for s in code if s in secret and "nndebug" not in s), key=len)
    dist = tmp_path / "dist"
    shutil.copytree(published.student, dist / "student")
    with open(dist / "student" / "README.md", "a", encoding="utf-8") as fh:
        fh.write(f"\n    {planted_line}\n")
    assert [leak.split(":")[0] for leak in scan.scan(dist)] == ["student/README.md"]


def reuse_release(published: tree.Published, monkeypatch) -> list[Path]:
    """Stand in for release.build (nbgrader, ~10 s): hand back the fixture's folders; log each call."""
    calls: list[Path] = []
    root = published.student.parent.parent

    def build(release_root: Path) -> tuple[Path, Path, Path]:
        calls.append(release_root)
        return (root / "source" / config.assignment(), root / "release" / config.assignment(),
                root / "release" / f"{config.assignment()}_en")

    monkeypatch.setattr(tree.release, "build", build)
    return calls


def test_publish_refuses_a_leak_and_puts_the_previous_state_back(published, tmp_path, monkeypatch) -> None:
    builds = reuse_release(published, monkeypatch)
    monkeypatch.setattr(scan, "MARKERS", (*scan.MARKERS, "Open In Colab"))  # as if the badge leaked
    with pytest.raises(record.PublishError, match="only the instructor"):
        publish_in(tmp_path, monkeypatch)
    assert not (tmp_path / "dist" / "student").exists() and not (tmp_path / "published.json").exists()
    assert builds == [tmp_path, tmp_path]  # built with the new record, then again without it


def test_same_tag_with_other_files_is_refused(published, tmp_path: Path, monkeypatch) -> None:
    builds = reuse_release(published, monkeypatch)
    shutil.copyfile(published.student.parent.parent / "published.json", tmp_path / "published.json")
    rebuilt = tmp_path / "rebuilt.pt"
    rebuilt.write_bytes(b"retrained")
    with pytest.raises(record.PublishError, match="new release_tag"):
        publish_in(tmp_path, monkeypatch, model=rebuilt)
    assert record.read_record(tmp_path / "published.json") == published.record and builds == []
    publish_in(tmp_path, monkeypatch, model=rebuilt, force=True)
    assert record.read_record(tmp_path / "published.json").sha256["pretrained_model.pt"] == sha256(rebuilt)


def test_a_record_for_another_tag_puts_no_hash_in_the_release(published, monkeypatch) -> None:
    monkeypatch.setattr(record, "RECORD_FILE", published.student.parent.parent / "published.json")
    assert colab.published_hashes() == published.record.sha256
    assert published.record.sha256["pretrained_model.pt"] in colab.setup_cell(with_model=True)
    course = dataclasses.replace(config.kit().course, release_tag="v-next")
    with config.use(dataclasses.replace(config.kit(), course=course)):
        assert colab.published_hashes() == {}


def test_missing_inputs_are_named_with_their_make_target(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(record.PublishError, match=r"nothing.pt \(`make model`\)"):
        publish_in(tmp_path, monkeypatch, model=tmp_path / "nothing.pt")


# --- grading with the published model -----------------------------------------------------------------

def test_grading_refuses_a_model_that_is_not_the_published_one(published, tmp_path: Path) -> None:
    record_file = published.student.parent.parent / "published.json"
    record.check_published_inputs(config.MODEL_FILE, record_file)           # the published one: fine
    record.check_published_inputs(tmp_path / "x.pt", tmp_path / "none.json")  # nothing published: fine
    other = tmp_path / "pretrained_model.pt"
    other.write_bytes(b"a rebuilt model")
    with pytest.raises(record.PublishError) as info:
        record.check_published_inputs(other, record_file)
    message = str(info.value)
    assert sha256(other) in message and published.record.sha256["pretrained_model.pt"] in message
    assert record.FETCH_COMMAND in message and "release_tag" in message
    with pytest.raises(record.PublishError, match="missing"):
        record.check_published_inputs(tmp_path / "gone.pt", record_file)
    assert "WARNING" in record.status_line(other, record_file)
    assert "is the published model" in record.status_line(config.MODEL_FILE, record_file)


def test_fetch_model_downloads_and_checks_the_published_file(published, served, tmp_path, monkeypatch):
    record_file = published.student.parent.parent / "published.json"
    dest = tmp_path / "data" / "pretrained_model.pt"
    monkeypatch.setenv(colab.MODEL_URL_ENV, f"{served.url}/assets/pretrained_model.pt")
    record.fetch_published("pretrained_model.pt", dest, record_file)
    assert sha256(dest) == published.record.sha256["pretrained_model.pt"]
    dest.write_bytes(b"a model rebuilt here")
    monkeypatch.setenv(colab.MODEL_URL_ENV, f"{served.url}/student/README.md")  # not the model
    with pytest.raises(record.PublishError, match="not the published"):
        record.fetch_published("pretrained_model.pt", dest, record_file)
    assert dest.read_bytes() == b"a model rebuilt here"  # replaced only by a verified file
    assert not dest.with_name(dest.name + ".part").exists()


def test_a_missing_model_is_offered_from_dist_assets_and_copied_offline(published, tmp_path, monkeypatch):
    record_file = published.student.parent.parent / "published.json"
    monkeypatch.setattr(record, "ASSETS_DIR", published.assets)
    monkeypatch.delenv(colab.MODEL_URL_ENV, raising=False)
    with pytest.raises(record.PublishError, match="The published file is here already") as info:
        record.check_published_inputs(tmp_path / "gone.pt", record_file)
    assert str(published.assets / "pretrained_model.pt") in str(info.value)
    dest = tmp_path / "data" / "pretrained_model.pt"
    monkeypatch.setattr(record.urllib.request, "urlretrieve", None)      # no network: a call would fail
    record.fetch_published("pretrained_model.pt", dest, record_file)
    assert sha256(dest) == published.record.sha256["pretrained_model.pt"]


# --- the published notebook, run against a server on 127.0.0.1 ----------------------------------------

def execute(cells: list[str], work: Path) -> nbformat.NotebookNode:
    """Run ``cells`` in a Jupyter kernel in ``work``; errors stay in the outputs."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    return notebook


def errors(cell: nbformat.NotebookNode) -> list[dict]:
    return [o for o in cell.outputs if o["output_type"] == "error"]


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_published_notebook_fetches_verifies_and_reads_the_files(published, served, tmp_path, monkeypatch):
    point_at(monkeypatch, f"{served.url}/assets/mnist_data.zip", f"{served.url}/assets/pretrained_model.pt")
    cells = cells_by_id(published.student / TASK3)
    given = ["".join(cells[i]["source"]) for i in ("imports", "setup", "mnist_dataset", "resnet18")]
    check = ("mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',\n"
             "                        description_csv_path='./mnist_data/val.csv')\n"
             "model = ResNet18()\n"
             "model.load_state_dict(torch.load('pretrained_model.pt', map_location='cpu'))\n"
             "print('read', len(mnist_val), mnist_val[0]['sample'].shape)")
    tamper = "Path('pretrained_model.pt').write_bytes(b'not the published model')"
    done = execute([*given, check, tamper, given[1]], tmp_path)
    assert [errors(c) for c in done.cells[:-1]] == [[]] * (len(done.cells) - 1)
    printed = "".join(o.get("text", "") for o in done.cells[4].outputs if o.get("name") == "stdout")
    assert printed.startswith("read "), done.cells[4].outputs
    assert sha256(tmp_path / "mnist_data.zip") == published.record.sha256["mnist_data.zip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist_data", "mnist_data.zip",
                                                          "pretrained_model.pt"]
    # the setup cell run again beside a tampered model: the hash message, and nothing else
    [error] = errors(done.cells[-1])
    assert error["ename"] == "SetupError"
    shown = "\n".join(error["traceback"])
    assert shown == error["evalue"]  # Jupyter shows the message only, no Python traceback
    assert "pretrained_model.pt не тот файл" in shown and "pretrained_model.pt is not the file" in shown
    assert published.record.sha256["pretrained_model.pt"][:12] in shown
    assert hashlib.sha256(b"not the published model").hexdigest()[:12] in shown


def test_tampered_download_stops_the_setup_cell_with_the_hash_message(published, served, tmp_path,
                                                                       monkeypatch) -> None:
    bad = tmp_path / "served"
    bad.mkdir()
    (bad / "pretrained_model.pt").write_bytes(b"not the published model")
    tampered = Server(bad)
    work = tmp_path / "work"
    (work / "mnist_data").mkdir(parents=True)  # the data is there: only the model is fetched
    try:
        point_at(monkeypatch, f"{served.url}/assets/mnist_data.zip", f"{tampered.url}/pretrained_model.pt")
        with pytest.raises(Exception) as info:
            run_setup(published.student / TASK3, work, monkeypatch)
    finally:
        tampered.stop()
    assert type(info.value).__name__ == "SetupError"
    message = str(info.value)
    assert "pretrained_model.pt не тот файл" in message and "pretrained_model.pt is not the file" in message
    assert published.record.sha256["pretrained_model.pt"][:12] in message
    assert f"{tampered.url}/pretrained_model.pt" in message and len(message.splitlines()) == 2


def test_truncated_zip_is_removed_and_fetched_again(published, served, tmp_path, monkeypatch) -> None:
    point_at(monkeypatch, f"{served.url}/assets/mnist_data.zip", f"{served.url}/assets/pretrained_model.pt")
    full = (published.assets / "mnist_data.zip").read_bytes()
    (tmp_path / "mnist_data.zip").write_bytes(full[: len(full) // 2])  # an interrupted download
    run_setup(published.student / NOTEBOOKS[0], tmp_path, monkeypatch)
    assert sha256(tmp_path / "mnist_data.zip") == published.record.sha256["mnist_data.zip"]
    assert (tmp_path / "mnist_data" / "train.csv").exists()


def test_a_server_with_a_broken_archive_gives_the_archive_message(published, tmp_path, monkeypatch) -> None:
    served = tmp_path / "served"
    served.mkdir()
    full = (published.assets / "mnist_data.zip").read_bytes()
    (served / "mnist_data.zip").write_bytes(full[: len(full) // 3])
    server = Server(served)
    work = tmp_path / "work"
    work.mkdir()
    try:
        point_at(monkeypatch, f"{server.url}/mnist_data.zip", f"{server.url}/pretrained_model.pt")
        with pytest.raises(Exception) as info:
            run_setup(published.student / NOTEBOOKS[0], work, monkeypatch)
    finally:
        server.stop()
    assert type(info.value).__name__ == "SetupError"
    assert "повреждён" in str(info.value) and "is broken" in str(info.value)
    assert f"{server.url}/mnist_data.zip" in str(info.value)


def test_offline_gives_the_short_download_message(published, tmp_path, monkeypatch) -> None:
    server = Server(tmp_path)
    url = f"{server.url}/mnist_data.zip"
    server.stop()  # nothing listens there any more
    work = tmp_path / "work"
    work.mkdir()
    point_at(monkeypatch, url, url)
    with pytest.raises(Exception) as info:
        run_setup(published.student / NOTEBOOKS[1], work, monkeypatch)
    message = str(info.value)
    assert type(info.value).__name__ == "SetupError"
    assert message.startswith("Не удалось скачать mnist_data.zip")
    assert "Could not download mnist_data.zip" in message
    assert url in message and "рядом с тетрадкой" in message and "next to the notebook" in message
    assert len(message.splitlines()) == 2 and list(work.iterdir()) == []  # no partial file left behind


def test_release_notebooks_check_no_hash_but_fetch_from_the_student_release() -> None:
    course = config.kit().course
    for name in NOTEBOOKS:
        setup = "".join(cells_by_id(config.RELEASE_DIR / config.assignment() / name)["setup"]["source"])
        assert (f"https://github.com/{course.student_repo}/releases/download/{course.release_tag}/"
                "mnist_data.zip") in setup
        assert "drive.google.com/file" not in setup and "FILES = {" in setup


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_the_publish_verb_writes_dist_and_the_record(tmp_path: Path, monkeypatch, capsys) -> None:
    from nndebug.__main__ import main
    monkeypatch.setattr(record, "RECORD_FILE", tmp_path / "published.json")
    assert main(["publish", "--status"]) == 0
    assert "nothing published yet" in capsys.readouterr().out
    assert main(["publish", "--dist", str(tmp_path / "dist"), "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Rebuilding a model changes its hash" in out and "STUDENT" not in out
    assert "send students the student repository's link" in out  # variants off: one link for all
    assert (tmp_path / "dist" / "student" / "README.md").exists() and (tmp_path / "published.json").exists()
    assert main(["publish", "--status"]) == 0
    assert "is the published model" in capsys.readouterr().out
    assert main(["publish", "--fetch-model"]) == 0  # already the published one: kept, nothing fetched


# --- every model published: the seed's and each variant's --------------------------------------------

def test_record_holds_every_model_and_published_model_fetches_them_all(published, tmp_path, monkeypatch):
    from nndebug.commands import publish as publish_verb
    from nndebug.variants import families, models

    reuse_release(published, monkeypatch)
    variants = {}
    for variant in families.family(3)[1:]:
        fake = tmp_path / "built" / variant.key / "pretrained_model.pt"
        fake.parent.mkdir(parents=True)
        fake.write_bytes(f"the model of {variant.key}".encode())
        variants[variant.key] = (f"pretrained_model_{sha256(fake)[:12]}.pt", fake)
    (tmp_path / "course").mkdir()
    done = publish_in(tmp_path / "course", monkeypatch, variant_models=variants)
    made = record.read_record(tmp_path / "course" / "published.json")
    assert made == done.record and made.variant_models == {k: n for k, (n, _) in variants.items()}
    assert set(made.sha256) == {"mnist_data.zip", "pretrained_model.pt", *made.variant_models.values()}
    assert sorted(p.name for p in done.assets.iterdir()) == sorted(made.sha256)
    sums = (done.student / tree.SUMS_FILE).read_text()
    for asset, fake in variants.values():
        assert made.sha256[asset] == sha256(fake) and f"{sha256(fake)}  {asset}" in sums
    lines = "\n".join(publish_verb.summary(done))
    assert all(name in lines for name in made.sha256) and "task3v1" in lines
    # `make published-model`: every model from the release (a server on 127.0.0.1), hash checked
    server = Server(done.assets)
    try:
        made = dataclasses.replace(made, urls={n: f"{server.url}/{n}" for n in made.sha256})
        record.write_record(made, record.RECORD_FILE)
        monkeypatch.setattr(record, "ASSETS_DIR", tmp_path / "no-copy-here")   # over the network
        monkeypatch.setenv(colab.MODEL_URL_ENV, f"{server.url}/pretrained_model.pt")
        monkeypatch.setattr(config, "MODEL_FILE", tmp_path / "data" / "pretrained_model.pt")
        monkeypatch.setattr(models, "VARIANTS_DIR", tmp_path / "data" / "pretrained")
        fetched = publish_verb.fetch_models()
        assert [sha256(p) for p in fetched] == [made.sha256[n] for _, n in record.published_models(made)]
        for variant in families.family(3)[1:]:
            assert models.model_file(variant) in fetched
            assert models.stale(variant) == [] and models.not_published(variant) == ""  # no manifest needed
        one = families.family(3)[1]
        models.model_file(one).write_bytes(b"rebuilt here")
        assert "make published-model" in models.not_published(one) and models.stale(one)
        (done.assets / made.variant_models[one.key]).write_bytes(b"replaced after publishing")
        with pytest.raises(record.PublishError, match="not the published"):
            publish_verb.fetch_models()
        assert models.model_file(one).read_bytes() == b"rebuilt here"   # replaced only by a verified file
    finally:
        server.stop()
