# ModelDesk: `make run` to start on the embedded default, `make test` to run everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Where the PostgreSQL run of the suite points (CI here has a trust-auth server with database `test`).
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run setup install test test-sqlite test-postgres lint format browser-deps messages clean

run: setup
	$(PY) -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) $(if $(RELOAD),--reload --reload-dir $(CURDIR) --reload-exclude '.venv/*')

## setup: everything `make run` does before serving. Each step is a no-op when already done.
setup: install
	$(PY) -m config.devenv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py load_providers
	$(PY) manage.py ensure_admin

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## browser-deps: Debian's chromium (and CJK fonts for screenshots), installed once when missing.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian chromium and CJK fonts ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium is missing and cannot be installed here; browser tests will skip and say why."; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install browser-deps lint test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

## test-postgres: the same suite on PostgreSQL. Required in CI; elsewhere it runs when a server answers.
test-postgres: install
	@if [ "$$CI" = "true" ] || $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=2).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -p no:randomly; \
	else echo "test-postgres: skipped, no PostgreSQL at $(PG_TEST_URL) (set CI=true to require it)"; fi

## messages: rebuild the zh-hans catalogs after changing translatable strings (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete -i .venv -i tests -i bench -i docs \
	  -i staticfiles -i test-artifacts -i '*.egg-info'
	$(PY) manage.py compilemessages -i .venv


clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
