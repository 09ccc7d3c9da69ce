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

# What `make autograde` stages beside the notebooks: built once in CI and shared by the shards.
grading-inputs: subset model

release: venv
	$(PY) -m nndebug release

samples: release
	$(PY) -m nndebug samples

autograde: venv
	$(PY) -m nndebug autograde $(if $(SHARD),--shard $(SHARD)) $(if $(STUDENT),--student $(STUDENT)) \
		$(if $(FORCE),--force) $(if $(NO_SANDBOX),--no-sandbox)

merge: venv
	$(PY) -m nndebug merge

bench: subset
	$(PY) -m nndebug bench

fidelity: data model
	$(PY) -m nndebug fidelity $(FIDELITY_ARGS)

demo: data subset model release samples
	$(MAKE) autograde
	$(PY) -m nndebug summary

lint: venv
	$(PY) -m ruff check .

test: venv lint
	$(PY) -m pytest -q --durations=25

clean:
	rm -rf data autograded feedback submitted grades.csv gradebook.db

# The grading sandbox: bwrap (Debian/Ubuntu package bubblewrap); setpriv and prlimit come with util-linux.
.PHONY: sandbox-deps
sandbox-deps:
	command -v bwrap >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q bubblewrap)
