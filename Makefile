# Two entry points for a fresh machine: `make demo` (set up, migrate a fixture, verify it)
# and `make test` (set up, run every test). Both create .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/nnmigrate: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned to the CPU wheel: a plain `torch` requirement pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[verify,dev]'
	touch $@

setup: $(BIN)/nnmigrate

demo: setup
	$(BIN)/nnmigrate migrate fixtures/pytorch/cifar_cnn.py --to tensorflow --symbol CifarCNN -o build/demo/cifar_cnn_tf.py
	$(BIN)/nnmigrate verify fixtures/pytorch/cifar_cnn.py build/demo/cifar_cnn_tf.py --symbol CifarCNN --input 'float32[2,3,32,32]'

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider
	# the VS Code extension: unit, contract (real server) and end-to-end (code-server + chromium) tests
	NNMIGRATE_PYTHON=$(CURDIR)/$(BIN)/python bash client-vscode/scripts/test-all.sh

.PHONY: setup demo test
