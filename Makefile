# Green Smile: `make run` to try it, `make test` to check it. Each does its own set-up.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app greensmile
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 3
PYTEST_ARGS ?=
# The suite runs on one process per CPU (pytest-xdist); each has a database of its own. TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)

.PHONY: run worker test test-pg serve bench bench-pg install install-dev translations translations-update browser migrate clean vendor lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d greensmile/translations -D messages 2>&1 | grep -v '^compiling' || true

# After changing user-facing text: refresh the catalogue, then translate every new msgid in the Thai .po.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --ignore-dirs=".* __pycache__" --no-location --sort-output \
	  -w 100 --project=greensmile --copyright-holder="Green Smile" -o greensmile/translations/messages.pot .
	$(BIN)/pybabel update -i greensmile/translations/messages.pot -d greensmile/translations -l th -w 100 --no-fuzzy-matching --ignore-obsolete

migrate: install translations
	$(FLASK) db upgrade

run: migrate
	$(FLASK) seed-demo
	@# The worker runs beside the development server and stops with it.
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

# The process that runs jobs; in production run it beside `make serve` (see README, Deployment).
worker: migrate
	$(FLASK) worker

# Headless Chromium and Thai fonts for the browser tests (Debian packages; needs root).
browser:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-thai-tlwg >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium and fonts-thai-tlwg for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null) \
	    || echo "warning: chromium could not be installed; the browser tests will skip"; \
	else echo "note: chromium is missing and this user cannot install it; the browser tests will skip"; fi

lint: install-dev
	$(BIN)/ruff check greensmile tests bench migrations/env.py

test: install-dev translations browser lint
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

test-pg: install-dev translations browser
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# Production-style server: set APP_ENV=production, SECRET_KEY, DATABASE_URL (see README, Deployment).
serve: migrate
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

bench: install-dev translations
	@set -e; table=$$(mktemp); for script in bench/bench_*.py bench/market_day.py; do echo "== $$script"; \
		BENCH_TABLE=$$table $(BIN)/python $$script; done; \
		echo; echo "== each path, its figure and its floor, measured in this run"; \
		$(BIN)/python -m bench.table $$table; rm -f $$table

# The same on PostgreSQL (the local server, as in .ci/run): each script gets a scratch database made afresh.
bench-pg:
	BENCH_DATABASE=postgresql $(MAKE) bench

clean:
	rm -rf $(VENV) *.egg-info

# Front-end libraries: npm installs them, their built files are copied into static/vendor and committed,
# so neither `make run` nor a visitor's browser needs npm or a CDN. axe-core is for the browser tests only
# (tests/e2e/test_phone_layout.py injects it); no page loads it.
vendor:
	npm ci --no-audit --no-fund --ignore-scripts
	rm -rf static/vendor && mkdir -p static/vendor/workbox static/vendor/idb-keyval static/vendor/signature_pad static/vendor/axe-core \
	  static/vendor/leaflet static/vendor/leaflet.markercluster static/vendor/leaflet-geoman
	cp node_modules/workbox-sw/build/workbox-sw.js static/vendor/workbox/
	for m in core routing strategies expiration cacheable-response; do \
	  cp node_modules/workbox-$$m/build/workbox-$$m.prod.js static/vendor/workbox/; done
	cp node_modules/workbox-sw/LICENSE static/vendor/workbox/LICENSE
	cp node_modules/idb-keyval/dist/umd.js node_modules/idb-keyval/LICENCE static/vendor/idb-keyval/
	cp node_modules/signature_pad/dist/signature_pad.umd.min.js node_modules/signature_pad/LICENSE static/vendor/signature_pad/
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE static/vendor/axe-core/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images \
	  node_modules/leaflet/LICENSE static/vendor/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	  node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css node_modules/leaflet.markercluster/MIT-LICENCE.txt \
	  static/vendor/leaflet.markercluster/
	cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js \
	  node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css node_modules/@geoman-io/leaflet-geoman-free/LICENSE \
	  static/vendor/leaflet-geoman/
