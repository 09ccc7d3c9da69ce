"""The CI workflows: valid GitHub Actions YAML whose steps are make targets or the standard actions."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nndebug import config

WORKFLOWS = config.ROOT / ".github" / "workflows"
ACTIONS = ("actions/checkout@", "actions/setup-python@", "actions/upload-artifact@",
           "actions/download-artifact@")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict) -> dict:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True


def make_targets() -> set[str]:
    text = (config.ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, flags=re.M))


@pytest.mark.parametrize("name", ["ci.yml", "autograde.yml"])
def test_steps_are_make_targets_or_standard_actions(name):
    targets = make_targets()
    for job in load(name)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert step["uses"].startswith(ACTIONS), step
                continue
            words = step["run"].split()
            assert words[0] == "make" and words[1] in targets, step


def test_ci_runs_make_test_on_push_and_pull_request():
    workflow = load("ci.yml")
    assert {"push", "pull_request"} <= set(triggers(workflow))
    runs = [s.get("run", "") for s in workflow["jobs"]["test"]["steps"]]
    assert "make test" in runs


def test_autograde_shards_and_merges():
    workflow = load("autograde.yml")
    on = triggers(workflow)
    # submissions live in a private repository, not in this one (submitted/ is git-ignored)
    assert "push" not in on and "submissions_repo" in on["workflow_dispatch"]["inputs"]
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    shards = grade["strategy"]["matrix"]["shard"]
    assert len(shards) >= 2
    assert any("make autograde SHARD=${{ matrix.shard }}/" in s.get("run", "") for s in grade["steps"])
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in grade["steps"])
    assert merge["needs"] == "grade"
    assert [s.get("run") for s in merge["steps"] if "run" in s] == ["make merge"]


def test_every_shard_checks_out_the_submissions_into_submitted():
    grade = load("autograde.yml")["jobs"]["grade"]
    checkouts = [s for s in grade["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    submissions = [s for s in checkouts if s.get("with", {}).get("path") == "submitted"]
    assert len(submissions) == 1
    assert submissions[0]["with"]["repository"] == "${{ inputs.submissions_repo }}"
    assert "secrets.SUBMISSIONS_TOKEN" in submissions[0]["with"]["token"]
    assert "/submitted/" in (config.ROOT / ".gitignore").read_text().split()


def step_using(job: dict, action: str) -> dict:
    return next(s for s in job["steps"] if s.get("uses", "").startswith(action))


def test_shards_grade_with_inputs_built_once():
    jobs = load("autograde.yml")["jobs"]
    assert "make grading-inputs" in [s.get("run") for s in jobs["inputs"]["steps"]]
    uploaded = step_using(jobs["inputs"], "actions/upload-artifact@")
    assert jobs["grade"]["needs"] == "inputs"
    download = step_using(jobs["grade"], "actions/download-artifact@")
    assert download["with"] == {"name": uploaded["with"]["name"], "path": "data"}
    # the artifact holds what ensure_inputs looks for, so no shard rebuilds the model
    paths = uploaded["with"]["path"].split()
    assert {"data/grading/", "data/pretrained_model.pt"} <= set(paths)


def test_workflows_match_the_github_schema():
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(checker).exists():
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema)")
    files = [str(p) for p in sorted(WORKFLOWS.glob("*.yml"))]
    out = subprocess.run([checker, "--builtin-schema", "vendor.github-workflows", *files],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_publish_builds_pushes_the_student_tree_and_releases_the_assets():
    workflow = load("publish.yml")
    assert set(triggers(workflow)) == {"workflow_dispatch"}
    [job] = workflow["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    assert runs.count("make publish") == 1 and "publish" in make_targets()
    assert job["env"]["GH_TOKEN"] == "${{ secrets.STUDENT_REPO_TOKEN }}"
    script = "\n".join(runs)
    assert "dist/publish.env" in script and "cp -a ../dist/student/." in script
    assert 'git push --quiet origin "HEAD:${STUDENT_BRANCH}"' in script
    assert "gh release create \"$RELEASE_TAG\" dist/assets/*" in script
    assert "gh release upload \"$RELEASE_TAG\" dist/assets/*" in script
    assert "git add published.json source/ release/" in script
    # the secret is named where an instructor reads how to publish
    assert "STUDENT_REPO_TOKEN" in (config.ROOT / "README.md").read_text(encoding="utf-8")
    for step in job["steps"]:
        if "uses" in step:
            assert step["uses"].startswith(ACTIONS), step


def secret_step(job: dict) -> tuple[int, dict]:
    """(index, step) of the job's step that writes the course secret from the repository secrets."""
    found = [(i, s) for i, s in enumerate(job["steps"]) if s.get("run", "").startswith("make ci-secrets")]
    assert len(found) == 1, job["steps"]
    return found[0]


def test_publish_takes_the_course_secret_and_roster_from_repository_secrets():
    [job] = load("publish.yml")["jobs"].values()
    index, step = secret_step(job)
    assert step["run"] == "make ci-secrets FOR=publish" and "ci-secrets" in make_targets()
    assert step["env"] == {"COURSE_SECRET": "${{ secrets.COURSE_SECRET }}",
                           "ROSTER_CSV": "${{ secrets.ROSTER_CSV }}"}
    runs = [s.get("run", "") for s in job["steps"]]
    assert index < runs.index("make publish")          # refused before anything is built or pushed
    assert job["env"]["NN_DEBUG_NO_NEW_SECRET"] == "1"  # make publish never creates a throwaway secret
    # the personal links come back in the run's artifact (dist/), never pushed or committed
    script = "\n".join(runs)
    assert "git add published.json source/ release/" in script and "links" not in script


def test_autograde_shards_take_the_course_secret_and_every_model():
    jobs = load("autograde.yml")["jobs"]
    index, step = secret_step(jobs["grade"])
    assert step["run"] == "make ci-secrets FOR=autograde"
    assert step["env"]["COURSE_SECRET"] == "${{ secrets.COURSE_SECRET }}"
    assert step["env"]["NN_DEBUG_NO_NEW_SECRET"] == "1" and "ROSTER_CSV" not in step["env"]
    runs = [s.get("run", "") for s in jobs["grade"]["steps"]]
    assert index < next(i for i, r in enumerate(runs) if r.startswith("make autograde"))
    uploaded = step_using(jobs["inputs"], "actions/upload-artifact@")
    assert "data/pretrained/" in uploaded["with"]["path"].split()  # the variants' task-3 models


def test_ci_docs_name_the_secrets_and_how_to_set_them():
    text = (config.ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for needle in ("COURSE_SECRET", "ROSTER_CSV", "gh secret set COURSE_SECRET < course_secret.key",
                   "gh secret set ROSTER_CSV < roster.csv", "make ci-secrets"):
        assert needle in text, needle
