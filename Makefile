# Putright: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-fast lint bench fuzz install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

# Sets everything up on SQLite, loads the demo organisation once, then runs a local mail sink
# (aiosmtpd writing to var/mail), the task worker(s), the sweep scheduler and the web server under one
# supervisor (putright/supervise.py): it restarts a process that dies, and Ctrl-C or SIGTERM stops them all.
run: install
	DEBUG=1 $(PY) manage.py migrate --no-input -v0
	DEBUG=1 $(PY) manage.py customers_join_duplicates
	DEBUG=1 $(PY) manage.py demo_load --reset-if-empty
	@echo ""; \
	  echo "  Putright is running at http://127.0.0.1:$(PORT)/"; \
	  echo "  Staff sign in with the logins listed above (agent / putright-agent, supervisor, manager, admin…)"; \
	  echo "  Customers report at http://127.0.0.1:$(PORT)/report/ · emails land in var/mail"; \
	  echo "  Ctrl-C stops everything."; \
	  echo ""
# exec: the supervisor itself is make's child, so a signal to make's process group reaches it directly.
	@DEBUG=1 exec $(PY) -m putright.supervise --port $(PORT)

# The whole suite: lint, the import contracts (the house), migrations in step with models, unit + integration +
# browser tests, two test processes at a time (a module's tests stay in one process: they share fixtures).
# On PostgreSQL: DATABASE_URL=postgres://user:pass@127.0.0.1:5432/db make test
PYTEST := $(VENV)/bin/pytest -p no:cacheprovider -n 2 --dist loadfile
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict putright/engines
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run -v1
	$(PYTEST) --durations=25

# The quick loop while working: everything but the browser tests and the slow ones that load the whole demo.
test-fast: install
	$(PYTEST) -m "not browser and not slow"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

bench: install
	$(PY) bench/bench_cases.py

# A big schemathesis run over the API (every operation, every check, every phase) against a running Putright
# (`make run` in another terminal): prints the test cases run and every failure; exit 1 on any.
# More: make fuzz FUZZ_ARGS="--examples 200 --seed 3"
fuzz: install
	$(PY) bench/fuzz_api.py --url http://127.0.0.1:$(PORT) $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) var artifacts .pytest_cache .hypothesis
