# Two commands do all the set-up on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/tracker
REDIS_URL_TEST ?= redis://127.0.0.1:6379/15
PORT ?= 8000
# make run's broker queue, email and beat schedule.
RUN_DIR ?= var

.PHONY: run test test-sqlite test-postgres system-deps lint bench clean axe screenshots

$(STAMP): requirements.txt requirements-dev.txt build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check pip==26.3
	# XStatic-Bootstrap ships only an sdist whose setup needs pkg_resources (setuptools < 81).
	$(PIP) install --quiet --build-constraint build-constraints.txt -r requirements-dev.txt
	touch $(STAMP)

# The app on SQLite and kombu's filesystem broker: bin/devserver.py migrates, then runs the web
# server, a Celery worker and Celery beat, and stops them all on Ctrl-C. It reads no .env.
run: $(STAMP)
	@$(PY) bin/devserver.py --port $(PORT) --var $(RUN_DIR)

# Debian packages the tests drive: Chromium (browser tier), docker-compose (validates
# docker-compose.yml without an engine), redis-server (the fault tier starts its own) and khal
# (a calendar client that imports every .ics the reminders send, tests/messaging).
# Installed only where missing, with one apt-get update. If that fails the run goes on and those
# tiers fail with a message saying how to install them.
system-deps:
	@browser=""; tools=""; \
	test -x /usr/bin/chromium || browser="chromium"; \
	command -v docker-compose >/dev/null 2>&1 || tools="docker-compose"; \
	command -v redis-server >/dev/null 2>&1 || test -x /usr/bin/redis-server || tools="$$tools redis-server"; \
	command -v khal >/dev/null 2>&1 || tools="$$tools khal"; \
	command -v npm >/dev/null 2>&1 || tools="$$tools npm"; \
	if [ -n "$$browser$$tools" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		apt="DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q"; \
		echo "Installing $$browser $$tools with apt-get"; \
		{ $$sudo apt-get update -q \
		  && { [ -z "$$browser" ] || eval "$$apt chromium"; } \
		  && { [ -z "$$tools" ] || eval "$$apt --no-install-recommends $$tools"; }; } \
		|| echo "WARNING: could not install $$browser $$tools;" \
			"install with: apt-get update && apt-get install -y $$browser $$tools" >&2; \
	fi

# The whole suite the way CI runs it: on SQLite, then everything on PostgreSQL and Redis.
test: $(STAMP) system-deps
	$(VENV)/bin/ruff check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP) system-deps
	DEBUG=true $(PY) -m pytest -q -m "not integration and not faults and not e2e"

test-postgres: $(STAMP) system-deps axe
	DEBUG=true DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(REDIS_URL_TEST) $(PY) -m pytest -q

# axe-core for the browser tier's accessibility checks (tests/e2e/test_accessibility.py), the
# version pinned in tests/e2e/axe/package-lock.json; installed only when missing.
axe: system-deps
	@test -f tests/e2e/axe/node_modules/axe-core/axe.min.js \
		|| npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent \
		|| echo "WARNING: could not install axe-core; the accessibility tests will say how" >&2

# docs/screenshots/*.png: the main pages (the incident page in each phase) at 1280 and 375 px,
# taken by Playwright from the browser tier's data. Commit them when the pages change.
screenshots: $(STAMP) system-deps
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots DEBUG=true $(PY) -m pytest -q -p no:cacheprovider \
		tests/e2e/test_screenshots.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	DEBUG=true $(PY) -m pytest -q tests/test_layers.py

# Benchmarks, not tests: on the PostgreSQL and Redis of test-postgres; each prints its figures.
# bench/web.py loads the pages with Debian's wrk (installed here when missing; without it the
# script falls back to its own Python client).
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		{ $$sudo apt-get update -q && $$sudo apt-get install -y -q wrk; } >/dev/null 2>&1 \
		|| echo "WARNING: could not install wrk; bench/web.py uses its Python client" >&2; }
	$(PY) bench/web.py
	@command -v valgrind >/dev/null 2>&1 || { sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		{ $$sudo apt-get update -q && $$sudo apt-get install -y -q valgrind; } >/dev/null 2>&1 \
		|| echo "WARNING: could not install valgrind; bench/instructions.py is skipped" >&2; }
	if command -v valgrind >/dev/null 2>&1; then $(PY) bench/instructions.py; fi
	TEST_REDIS_URL=$(REDIS_URL_TEST) $(PY) bench/reminders.py
	TEST_REDIS_URL=$(REDIS_URL_TEST) $(PY) bench/reminders.py --concurrency 2
	$(PY) bench/dispatch_scale.py

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
