# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: install run test bench check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is nodig (zet PYTHON=python3.11).")'
	@command -v npm >/dev/null || { echo "Node.js met npm is nodig voor Bootstrap (npm ci)."; exit 1; }

$(VENV)/.installed: pyproject.toml
	$(MAKE) check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

# Serve the app with demo data on SQLite; Celery tasks run eagerly, email goes to the console.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite; DATABASE_URL picks PostgreSQL (CI), SQLite otherwise.
test: install
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(PY) -m pytest

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3

# Speed and memory on 1,000 organisations x 10 editions, on PostgreSQL (not part of `make test`).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mensenhandelmonitor_bench
bench: install
	@command -v wrk >/dev/null || echo "Tip: apt-get install wrk for the load test."
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -tc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 || \
		psql "$(dir $(BENCH_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench
