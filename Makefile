# Digest: `make run` to use it, `make test` to check it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# A stamp per set of requirement files: a changed file reinstalls at the next make. The runtime stamp's
# rule removes every stamp (the dev one too), the dev stamp's rule only the dev ones.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-nodeps.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-nodeps.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev secret-key run serve test test-fast lint screenshots bench-extraction bench-summarization bench-sentences bench-metadata bench-pipeline bench-web bench-api bench-limits bench-transfer bench-readers clean

$(STAMP): requirements.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Tests, lint and benchmarks (requirements-dev.txt) on top of what Digest needs to run.
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $(DEV_STAMP)

# What Digest needs to run; no test or lint tools.
install: $(STAMP)

install-dev: $(DEV_STAMP)

# Where the database, the private broker's socket and the generated secret live: DIGEST_DATA_DIR, or var/
# as in config/settings.py. A packaged install points it outside the checkout, which may be read-only.
DIGEST_DATA_DIR := $(or $(DIGEST_DATA_DIR),$(CURDIR)/var)
# The secret of make run and make serve, unless SECRET_KEY or SECRET_KEY_FILE is given: made once, mode 600
# (config/secretfile.py), and passed as a file so that it is not in every process's environment.
SECRET_FILE := $(DIGEST_DATA_DIR)/secret_key
GIVEN_SECRET := $(SECRET_KEY)$(SECRET_KEY_FILE)
SECRET = $(if $(GIVEN_SECRET),,SECRET_KEY_FILE="$(SECRET_FILE)")

# The system Python, as the virtualenv may not exist yet; -I keeps config/ off the import path.
secret-key:
	$(if $(GIVEN_SECRET),,$(PYTHON) -I config/secretfile.py "$(SECRET_FILE)")

# Development mode: DEBUG on, the generated secret.
run: install secret-key
	DEBUG=1 $(SECRET) $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(SECRET) $(BIN)/python manage.py ensure_admin
	DEBUG=1 $(SECRET) HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py rundigest

# Production mode (README, "Production"): gunicorn, DEBUG off, hashed static files, a worker with beat.
# ALLOWED_HOSTS must be set.
serve: install secret-key
	$(SECRET) $(BIN)/python manage.py migrate --noinput
	$(SECRET) $(BIN)/python manage.py ensure_admin
	$(SECRET) HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py rundigest --production

# The whole suite, against DATABASE_URL/REDIS_URL when set, else SQLite and the private Redis: first
# the fast tests in TEST_PROCESSES processes (pytest-xdist), then the end-to-end and browser tests
# (SLOW_TESTS, a marker expression) one after another in one process: they share one Celery worker,
# one live server and the per-site limits in the broker's Redis. Exit status 5 is "nothing selected".
TEST_PROCESSES ?= 2
SLOW_TESTS ?= e2e or browser
test: test-fast
	$(BIN)/python -m pytest -p no:xdist -m "$(SLOW_TESTS)" $(PYTEST_ARGS) || [ $$? -eq 5 ]

# The fast subset alone (no worker process, server or browser).
test-fast: install-dev
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist worksteal -m "not e2e and not browser" $(PYTEST_ARGS) || [ $$? -eq 5 ]

# mypy loads config.settings (django-stubs), which needs a SECRET_KEY.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SECRET_KEY=lint $(BIN)/mypy .
	$(BIN)/hadolint Dockerfile

# Refresh the README's pictures: the browser tests save their screenshots in docs/screenshots/
# (otherwise they go to a temporary folder).
screenshots: install-dev
	DIGEST_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots DIGEST_REQUIRE_BROWSER=1 \
		$(BIN)/python -m pytest -m browser -p no:cacheprovider tests/test_browser.py tests/test_browser_reading.py tests/test_browser_looks.py tests/test_browser_transfer.py

bench-extraction: install-dev
	SECRET_KEY=bench $(BIN)/python -m bench.extraction

bench-summarization: install-dev
	SECRET_KEY=bench $(BIN)/python -m bench.summarization

# Default summary sentences of the shared pages that are no sentences (bench/README.md, "Summary sentences").
bench-sentences: install-dev
	$(BIN)/python -m bench.summary_sentences

# Title, authors and date against our annotation of the shared pages, beside trafilatura, htmldate, newspaper3k.
bench-metadata: install-dev
	$(BIN)/python -m bench.metadata

bench-pipeline: install-dev
	$(BIN)/python -m bench.pipeline

bench-web: install-dev
	SECRET_KEY=bench $(BIN)/python -m bench.web

# The wallabag API's server time against a plain view and the list page (Django REST framework, django-oauth-toolkit).
bench-api: install-dev
	SECRET_KEY=bench $(BIN)/python -m bench.api
# Imports of 10,000 rows, the list page beside one, exports of 100,000 articles (BENCH_ARGS: --help).
bench-transfer: install-dev
	$(BIN)/python -m bench.transfer $(BENCH_ARGS)
# 20 readers on the production server's list page, with the workers idle and then busy.
bench-readers: install-dev
	$(BIN)/python -m bench.readers

# The summarizer on the longest texts it can be given (one 50,000-word line, the caps); no Django.
bench-limits: install-dev
	$(BIN)/python -m bench.limits

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
