# Digest: `make run` to use it, `make test` to check it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-nodeps.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench-extraction bench-summarization bench-pipeline bench-web clean

$(STAMP): requirements.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	chmod 600 var/secret_key

# Development mode: DEBUG on, a generated secret kept in var/secret_key.
run: install var/secret_key
	DEBUG=1 SECRET_KEY="$$(cat var/secret_key)" $(BIN)/python manage.py migrate --noinput
	DEBUG=1 SECRET_KEY="$$(cat var/secret_key)" $(BIN)/python manage.py ensure_admin
	DEBUG=1 SECRET_KEY="$$(cat var/secret_key)" HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py rundigest

# The whole suite, against DATABASE_URL/REDIS_URL when set, else SQLite and the private Redis.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

bench-extraction: install
	SECRET_KEY=bench $(BIN)/python -m bench.extraction

bench-summarization: install
	SECRET_KEY=bench $(BIN)/python -m bench.summarization

bench-pipeline: install
	$(BIN)/python -m bench.pipeline

bench-web: install
	SECRET_KEY=bench $(BIN)/python -m bench.web

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
