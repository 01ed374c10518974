# Descent: `make run` serves the playground, `make test` runs every test (browser included),
# `make serve WORKERS=N` serves it with N app processes behind nginx, saved runs in PostgreSQL.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
CHROMIUM ?= /usr/bin/chromium
WORKERS ?= 2

.PHONY: run serve test test-fast lint bench browser services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	$(BIN)/python -m engine.warm  # compile the Numba kernels once (cached on disk): no request waits for it
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	@touch $@

## run: create the venv, install, and serve on http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT)

$(VENV)/.installed-serve: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[postgres]"
	@touch $@

## serve: WORKERS app processes behind nginx on http://$(HOST):$(PORT), saved runs in PostgreSQL (deploy/)
serve: $(VENV)/.installed-serve services
	$(BIN)/python deploy/serve.py --workers $(WORKERS) --host $(HOST) --port $(PORT)

## services: nginx and PostgreSQL (Debian packages) for `make serve` and the deployment tests
services:
	@missing=""; \
	{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || missing="$$missing nginx"; \
	{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then \
		echo "deployment tests use the system's nginx and PostgreSQL"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "missing:$$missing (apt-get install$$missing as root; their tests are skipped until then)"; \
	fi

## browser: a headless Chromium for the browser tests (the system's if there is one)
browser: $(VENV)/.installed-test
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "browser tests use $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| $(BIN)/playwright install chromium; \
	else \
		$(BIN)/playwright install chromium; \
	fi

# Two workers, a test file each at a time (a file's browser tests share one server and page set-up).
PYTEST_WORKERS ?= 2

## test: install test needs (headless Chromium included) and run lint + every test
test: $(VENV)/.installed-test browser services
	$(BIN)/ruff check .
	$(BIN)/mypy app engine descent
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

## test-fast: everything but the browser tests
test-fast: $(VENV)/.installed-test services
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --ignore=tests/browser

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy app engine descent

## bench: the speed figures quoted in the README
bench: $(VENV)/.installed-test
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
