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

.PHONY: run test test-sqlite test-postgres lint bench clean

$(STAMP): requirements.txt requirements-dev.txt build-constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check pip==26.3
	# XStatic-Bootstrap ships only an sdist whose setup needs pkg_resources (setuptools < 81).
	$(PIP) install --quiet --build-constraint build-constraints.txt -r requirements-dev.txt
	touch $(STAMP)

var:
	mkdir -p var/broker/queue var/broker/processed var/mail

# The app, a Celery worker with beat, on SQLite and the filesystem broker; Ctrl-C stops them all.
run: $(STAMP) var
	@export DEBUG=true EMAIL_URL="filemail://$(CURDIR)/var/mail" WHITENOISE_USE_FINDERS=true; \
	$(PY) manage.py migrate --noinput && \
	trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A tracker worker -B --loglevel=INFO --concurrency=2 \
		--schedule var/celerybeat-schedule & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) & \
	sleep 2; echo; echo "  Open http://127.0.0.1:$(PORT)/ and sign up. Email is written to var/mail/."; \
	echo "  Ctrl-C stops the web server, the worker and beat."; echo; \
	wait

# The whole suite the way CI runs it: on SQLite, then everything on PostgreSQL and Redis.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	DEBUG=true $(PY) -m pytest -q -m "not integration and not faults and not e2e"

test-postgres: $(STAMP)
	DEBUG=true DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(REDIS_URL_TEST) $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
