# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: install run test bench check-python clean lock build-steps

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is nodig (zet PYTHON=python3.11).")'
	@command -v npm >/dev/null || { echo "Node.js met npm is nodig voor Bootstrap (npm ci)."; exit 1; }

# Python packages come only from the hashed lock (requirements/test.txt: the app's dependencies plus
# the test extra); the project itself is then installed without resolving anything.
$(VENV)/.installed: pyproject.toml requirements/test.txt
	$(MAKE) check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements/test.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# A node_modules that is a symbolic link (a shared copy, e.g. in a git worktree) is left alone:
# `npm ci` would empty the directory it points to.
node_modules/.installed: package.json package-lock.json
	@if [ -L node_modules ]; then echo "node_modules is a link to a shared copy: npm ci skipped."; \
	else npm ci --no-audit --no-fund && touch $@; fi

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

# Re-resolve every Python dependency (newest versions pyproject.toml allows) and rewrite both locks:
# requirements/test.txt (make, CI) and requirements/production.txt (the image; the same pins, no test
# tools). Commit both files. `make lock UPGRADE=` keeps current pins and only adds what is new.
UPGRADE ?= --upgrade
LOCK_FLAGS = --universal --python-version 3.11 --generate-hashes --quiet $(UPGRADE)
lock: $(VENV)/bin/uv
	$(VENV)/bin/uv pip compile pyproject.toml requirements/build.in --extra test $(LOCK_FLAGS) -o requirements/test.txt
	$(VENV)/bin/uv pip compile pyproject.toml requirements/build.in $(LOCK_FLAGS) \
		--constraint requirements/test.txt -o requirements/production.txt

# uv only resolves the lock; installing needs nothing but pip.
$(VENV)/bin/uv:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv

# The image's build-time steps (docker/build-steps.sh) without Docker: the build context copied to
# IMAGE_DIR (what /app is in the image), then the steps with exactly the Dockerfile's environment.
IMAGE_DIR ?= /tmp/mensenhandelmonitor-image
build-steps: install
	$(PY) docker/imitate.py build $(IMAGE_DIR)

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3

# Speed and memory on 1,000 organisations x 10 editions, on PostgreSQL (not part of `make test`).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mensenhandelmonitor_bench
# BENCH_ARGS, e.g. "--only pages --organisations 100" for a quick run; the report goes to bench-report.md.
BENCH_ARGS ?=
bench: install
	@command -v wrk >/dev/null || echo "Tip: apt-get install wrk for the load test."
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -tc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 || \
		psql "$(dir $(BENCH_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench $(BENCH_ARGS)
