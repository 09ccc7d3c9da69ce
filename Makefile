# The NN-debug course kit. `make demo` builds everything; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARD ?=
# MNIST's IDX files. Default: the shared copy of the 10,000 test digits beside the repo, when there is one;
# without it the build holds val digits out of the embedded 5,000 (README: where MNIST comes from).
MNIST_DIR ?= $(if $(wildcard ../shared/data/mnist/t10k-labels-idx1-ubyte.gz),../shared/data/mnist)
export MNIST_DIR

.PHONY: venv data subset model grading-inputs release samples autograde merge bench fidelity demo test lint clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	echo "$(CURDIR)" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/nndebug.pth"
	touch $@

venv: $(STAMP)

data: venv
	$(PY) -m nndebug data

subset: data
	$(PY) -m nndebug subset

model: data
	$(PY) -m nndebug model
	$(PY) -m nndebug.variants models
	@$(PY) -m nndebug publish --status

# What `make autograde` stages beside the notebooks: built once in CI and shared by the shards.
# Once a release is published (published.json), the model is the published one, fetched, never retrained.
grading-inputs: subset $(if $(wildcard published.json),published-model,model)

release: venv
	$(PY) -m nndebug release

# The student repository's tree (dist/student/) and its release assets (dist/assets/); records published.json.
# With variants on, also what to send each student: dist/moodle_links.zip, dist/links.csv, dist/links/.
.PHONY: publish published-model
publish: data model release
	$(PY) -m nndebug publish

# CI only: the course secret and roster.csv from the repository secrets COURSE_SECRET and ROSTER_CSV
# (docs/ci.md); with variants on, refuses without them (FOR=publish also needs the roster).
.PHONY: ci-secrets
ci-secrets: venv
	$(PY) -m nndebug.variants ci-secrets --for $(or $(FOR),autograde)

# Grade with the models students got: download every published model (pretrained_model.pt, and each variant's
# into data/pretrained/<task3vK>/) into data/, hashes checked.
published-model: venv
	$(PY) -m nndebug publish --fetch-model

# make demo's own course, demo/ (never the class's submitted/): the two samples, graded there.
DEMO_DIR := demo
samples: release
	$(PY) -m nndebug samples --course $(DEMO_DIR)

# docs/student_notebook.png: task 1's release notebook answered with the reference, executed on the grading
# data, rendered to HTML and photographed with headless chromium (Debian package chromium).
.PHONY: screenshot
screenshot: subset model release
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } \
		>/dev/null 2>&1; } || true
	$(PY) -m nndebug.tools.screenshot --out docs/student_notebook.png

autograde: venv
	$(PY) -m nndebug autograde $(if $(SHARD),--shard $(SHARD)) $(if $(STUDENT),--student $(STUDENT)) \
		$(if $(FORCE),--force) $(if $(NO_SANDBOX),--no-sandbox)

merge: venv
	$(PY) -m nndebug merge

bench: subset
	$(PY) -m nndebug bench

fidelity: data model
	$(PY) -m nndebug fidelity $(FIDELITY_ARGS)
	@if $(PY) -c 'import sys; from nndebug.variants.assign import enabled; sys.exit(not enabled())'; then \
		$(PY) -m nndebug.variants fidelity; fi

demo: data subset model release samples
	$(MAKE) demo-grade
	$(PY) -m nndebug summary --root $(DEMO_DIR)

# autograded/similarity.md and .html: answers shared within the class or with the public ones (seed,
# reference, kit.toml [similarity] archive); for a person to judge. `make autograde` writes them too.
.PHONY: similarity
similarity: venv
	$(PY) -m nndebug similarity

# The demo's grading, in demo/ (its own submitted/, autograded/, gradebook.db). bwrap missing: installed as
# .ci/run does, where the machine allows it (root, apt-get).
# Still no working sandbox: only the kit's own samples are graded, unsandboxed; never anyone else's work.
DEMO_STUDENTS := demo_reference demo_untouched
.PHONY: demo-grade
demo-grade: venv
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -q bubblewrap || { apt-get update -q && apt-get install -y -q bubblewrap; }; } \
		>/dev/null 2>&1; } || true
	@if $(PY) -c 'from nndebug.autograde.sandbox import check_sandbox; check_sandbox()' >/dev/null 2>&1; then \
		$(PY) -m nndebug autograde --root $(DEMO_DIR); \
	else \
		echo "demo: no working bwrap sandbox on this machine: grading only the kit's own samples" \
			"($(DEMO_STUDENTS)) without it; for anyone else's work install bubblewrap (make sandbox-deps)"; \
		$(PY) -m nndebug autograde --root $(DEMO_DIR) --no-sandbox $(addprefix --student ,$(DEMO_STUDENTS)); \
	fi

lint: venv
	$(PY) -m ruff check .

test: venv lint
	$(PY) -m pytest -q --durations=25

# The whole independent fix corpus (46 fixes, each replayed): `make test` grades a sample of 12.
.PHONY: test-corpus
test-corpus: venv
	NN_DEBUG_CORPUS_FULL=1 $(PY) -m pytest -q tests/test_fix_corpus.py --durations=10

# Every red-team route, the open ones too (strict xfails that `make test` skips: each trains a child and a
# replay to confirm a hole already known; the day a rule closes one, it fails here as XPASS).
.PHONY: test-redteam
test-redteam: venv
	NN_DEBUG_REDTEAM_OPEN=1 $(PY) -m pytest -q tests/test_redteam.py --durations=10

# Everything but the tests that run notebooks or train (marked slow): minutes, for the edit-test loop.
.PHONY: test-fast
test-fast: venv lint
	$(PY) -m pytest -q -m "not slow" --durations=10

# `make clean` removes only what the kit builds (data/); it never touches submitted/, collect/, roster.csv,
# outbound/ or any grade. Deleting graded or collected work takes CONFIRM=1.
.PHONY: collect return clean-grades clean-submissions
clean:
	rm -rf data
	@echo "clean: removed data/. Kept submitted/, collect/, roster.csv, outbound/ and the grades" \
		"(make clean-grades CONFIRM=1, make clean-submissions CONFIRM=1 delete those)."

clean-grades:
	@test "$(CONFIRM)" = 1 || { echo "clean-grades deletes every grade and feedback (gradebook.db," \
		"grades.csv, autograded/, feedback/, outbound/, .grading/, shards/): make clean-grades CONFIRM=1"; exit 2; }
	rm -rf autograded feedback grades.csv gradebook.db outbound .grading shards

clean-submissions:
	@test "$(CONFIRM)" = 1 || { echo "clean-submissions deletes every collected submission (submitted/," \
		"collect/): make clean-submissions CONFIRM=1"; exit 2; }
	rm -rf submitted collect

# What students handed in (a Moodle/Canvas zip or a folder of Colab downloads) -> submitted/ (roster.csv).
collect: venv
	@test -n "$(FROM)" || { echo "collect: name the input: make collect FROM=submissions.zip (or a folder)"; \
		exit 2; }
	$(PY) -m nndebug collect --from "$(FROM)"

# grades.csv and feedback/ -> outbound/: Moodle and Canvas grade imports, feedback zips.
return: venv
	$(PY) -m nndebug return

# The manual (mkdocs.yml, docs/) as a site in site/: mkdocs build --strict, so any warning fails the build.
.PHONY: docs
docs: venv
	$(PY) -m mkdocs build --strict

# The explanation rubric against the TA scores of tests/rubric_corpus/ (README: explanations).
.PHONY: rubric-report
rubric-report: venv
	$(PY) -m nndebug rubric-report

# The TA's manual scores on routed explanations (formgrader, gradebook.db) kept with the answers in
# tests/rubric_corpus/ta/<term>.toml for `make rubric-report` to measure (TERM_NAME=... names the term).
.PHONY: ta-decisions
ta-decisions: venv
	$(PY) -m nndebug ta-decisions $(if $(TERM_NAME),--term $(TERM_NAME))

# The grading sandbox: bwrap (Debian/Ubuntu package bubblewrap); setpriv and prlimit come with util-linux.
.PHONY: sandbox-deps test-deps
sandbox-deps:
	command -v bwrap >/dev/null 2>&1 || (apt-get install -y -q bubblewrap >/dev/null 2>&1 || \
		(apt-get update -q && apt-get install -y -q bubblewrap))

# What the whole test suite needs beyond the venv: the sandbox and headless chromium (feedback pages).
test-deps: sandbox-deps
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q chromium))
