# DX Tracker — developer commands. `make run` and `make test` are the two that matter.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format messages compile-messages bench clean backup restore load faults

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) compile-messages

compile-messages: $(STAMP)
	$(BIN)/pybabel compile -d locale -D django --statistics 2>&1 | tail -n 2

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo "DX Tracker at http://127.0.0.1:8000/ (demo logins above)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Needs system gettext (xgettext); only for developers changing strings.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=bench

bench: install
	$(BIN)/python bench/rollup.py
	$(BIN)/python bench/pages.py

# The database (pg_dump custom format, or SQLite's online backup) and the media files in one
# archive with a manifest of checksums (ops/backup.py). BACKUP_DIR defaults to backups/.
backup: install
	$(BIN)/python ops/backup.py backup $(if $(BACKUP_DIR),--output $(BACKUP_DIR))

# Stop web, worker and beat first. Refuses a database with tables unless FORCE=1.
restore: install
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=backups/dx-backup-....tar [FORCE=1]"; exit 2; }
	$(BIN)/python ops/backup.py restore $(ARCHIVE) $(if $(FORCE),--force)

# Load and faults on the production shape on this machine (need PostgreSQL with dx_bench, Redis).
load: install
	$(BIN)/python bench/load.py $(LOAD_ARGS)

faults: install
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media
