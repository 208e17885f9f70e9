# Parcours — set-up and day-to-day commands. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://parcours:parcours@127.0.0.1:5432/parcours
DEMO_DB := var/demo.sqlite3
# The demo (synthetic data only) runs over plain HTTP and without the second factor, which the pages
# announce with a banner: docs/security.md. Everything else keeps the production defaults.
DEMO_ENV := DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) PARCOURS_SECRET_KEY_FILE=$(CURDIR)/var/secret_key \
	PARCOURS_DATA_KEYS_FILE=$(CURDIR)/var/data_keys \
	PARCOURS_ALLOWED_HOSTS=127.0.0.1,localhost PARCOURS_SECURE_COOKIES=0 PARCOURS_HSTS_SECONDS=0 \
	PARCOURS_REQUIRE_2FA=0

.PHONY: demo test test-sqlite test-postgresql install services quality serve-demo clean

# axe-core for the accessibility checks of the browser tests (package.json, read from node_modules).
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "npm manque : installation…"; SUDO=""; [ "$$(id -u)" = "0" ] || SUDO="sudo"; \
		($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm) >/dev/null; }
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

# Every target that needs the virtualenv (tests included) gets axe-core too.
$(STAMP): pyproject.toml | $(NODE_STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "python3-venv manque : installation…"; \
		(apt-get update -qq && apt-get install -y -qq python3-venv) >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	@chmod 600 var/secret_key

# The key that encrypts the free text and documents (docs/security.md); made once, never replaced.
var/data_keys: | $(STAMP)
	@mkdir -p var
	@(umask 077 && $(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" \
		> var/data_keys)

## Install, load the demo data on SQLite, print one login per role, serve http://127.0.0.1:8000
demo: $(STAMP) var/secret_key var/data_keys
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(DEMO_ENV) $(BIN)/parcours migrate --noinput -v 0
	$(DEMO_ENV) $(BIN)/parcours collectstatic --noinput -v 0
	$(DEMO_ENV) $(BIN)/parcours demo-data --scale small --seed 1
	@$(MAKE) --no-print-directory serve-demo

serve-demo: $(STAMP) var/secret_key var/data_keys
	@echo "Parcours répond sur http://127.0.0.1:8000 (Ctrl+C pour arrêter)."
	@$(DEMO_ENV) $(BIN)/parcours db_worker --queue-name default >var/worker.log 2>&1 & \
		worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(DEMO_ENV) $(BIN)/gunicorn parcours.wsgi --bind 127.0.0.1:8000 --workers 2 --access-logfile - \
		--capture-output

services:
	@bash scripts/services.sh

## The whole test suite, on SQLite and on PostgreSQL: the two passes run side by side (one per core),
## each with its own media folder and Redis database; each pass's output is shown once it ends.
test: $(STAMP) services
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

test-sqlite: $(STAMP)
	@echo "== Tests sur SQLite =="
	env -u DATABASE_URL PARCOURS_TEST_MEDIA=test-media-sqlite PARCOURS_TEST_REDIS_DB=15 $(BIN)/pytest $(PYTEST_ARGS)

test-postgresql: $(STAMP)
	@echo "== Tests sur PostgreSQL =="
	DATABASE_URL=$(PG_TEST_URL) PARCOURS_TEST_MEDIA=test-media-postgresql PARCOURS_TEST_REDIS_DB=14 \
		$(BIN)/pytest $(PYTEST_ARGS)

quality: $(STAMP)
	$(BIN)/ruff check parcours tests bench
	$(BIN)/ruff format --check parcours tests bench
	PARCOURS_DEBUG=1 $(BIN)/parcours makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/static var/test-media
