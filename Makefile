# JXC: `make run` sets up and serves; `make test` sets up and runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HTMX_VERSION := $(shell $(if $(wildcard $(PY)),$(PY),python3) -c "import json;print(json.load(open('package.json'))['dependencies']['htmx.org'])")
HTMX := static/vendor/htmx-$(HTMX_VERSION).min.js
# axe-core: the accessibility checker the browser tests inject into pages (never loaded by the app's own pages).
AXE_VERSION := $(shell $(if $(wildcard $(PY)),$(PY),python3) -c "import json;print(json.load(open('package.json'))['dependencies']['axe-core'])")
AXE := static/vendor/axe-core-$(AXE_VERSION).min.js
VENDOR := $(if $(wildcard $(PY)),$(PY),python3) app/vendor.py
SCANNER_VENDOR := $(shell $(VENDOR) scanner-files)
APT_RUN := libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei postgresql-client
APT_TEST := chromium poppler-utils

.PHONY: bytecode run test bench bench-reports bench-books bench-stocktake bench-writes static translations messages system-deps system-deps-test db clean

# DEMO=0 leaves an empty database empty: the browser then shows the first-run setup screen (app/setup).
DEMO ?= 1
run: $(VENV)/.installed static translations system-deps bytecode db
	@$(FLASK) books backfill
	@if [ "$(DEMO)" != "0" ]; then $(FLASK) demo --if-empty; fi
	@echo
	@if [ "$(DEMO)" != "0" ]; then echo "JXC is at http://127.0.0.1:5000  (demo logins: boss / sales1 / sales2 / warehouse / buyer / finance, password demo1234)"; \
	  else echo "JXC is at http://127.0.0.1:5000  (an empty database opens the setup screen)"; fi
	@# The task queue's consumer (the morning reorder job) runs beside the server and stops with it.
	@$(VENV)/bin/huey_consumer app.tasks.huey --quiet & consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port 5000

# Two workers (pytest-xdist), a test file per worker at a time; PYTEST_ARGS="-n 0" runs them in one process.
# PYTEST_EXTRA adds to them (.ci/run's PostgreSQL pass leaves out what the engine does not change).
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder --durations=25
test: $(VENV)/.installed static translations system-deps system-deps-test bytecode
	$(VENV)/bin/pytest $(PYTEST_ARGS) $(PYTEST_EXTRA)

bench: $(VENV)/.installed static translations
	$(PY) bench/run.py
	$(PY) bench/sales_flow.py
	$(PY) bench/stocktake.py
	$(PY) bench/reports.py
	$(PY) bench/writes.py

# The dashboard and every report against 1,000,000 sales lines (made once, then kept: see bench/reports.py);
# SQLite by default, PostgreSQL with DATABASE_URL (its public schema is rebuilt when the data is missing).
bench-reports: $(VENV)/.installed static translations
	$(PY) bench/reports.py $(BENCH_REPORTS_ARGS)

# The books' statements (利润表, 资产负债表, 科目余额表, 总账, 明细账, cash) against the same shop with a voucher per
# document (bench/books_data.py adds them once): figures, then each screen's p50/p95 (see bench/books.py).
bench-books: $(VENV)/.installed static translations
	$(PY) bench/books.py $(BENCH_REPORTS_ARGS)

# 32 scanners on one stocktake over the API, closed loop then open loop at 520 scans/s (bench/README.md);
# PostgreSQL with BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1 (a fresh database is made and dropped).
bench-stocktake: $(VENV)/.installed static translations
	$(PY) bench/stocktake.py

# What a write costs (server CPU per request: 10- and 50-line sales orders, confirm, adjustment, scan, against
# Flask + one raw sqlite3 transaction), worker memory after a day's load, cold start (bench/README.md, issue 19);
# PostgreSQL with BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1 (a fresh database is made and dropped).
bench-writes: $(VENV)/.installed static translations
	$(PY) bench/writes.py

$(VENV)/.installed: pyproject.toml
	@test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	@touch $@

# Front-end libraries come from npm, pinned in package.json (+ package-lock.json), copied into static/vendor
# with their versions in the paths. npm writes node_modules/.package-lock.json on every install.
static: $(HTMX) $(AXE) $(SCANNER_VENDOR)
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed: apt-get install npm (or install Node.js 20+)"; exit 1; }
	npm ci --no-audit --no-fund --silent
$(HTMX): node_modules/.package-lock.json
	@mkdir -p static/vendor
	rm -f static/vendor/htmx-*.min.js
	cp node_modules/htmx.org/dist/htmx.min.js $@
$(AXE): node_modules/.package-lock.json
	@mkdir -p static/vendor
	rm -f static/vendor/axe-core-*.min.js
	cp node_modules/axe-core/axe.min.js $@
# The camera scanner's decoder (barcode-detector ES modules + its own zxing-wasm's reader .wasm): app/vendor.py
# names the files and copies them, so the Makefile and the app cannot disagree.
$(SCANNER_VENDOR) &: node_modules/.package-lock.json app/vendor.py
	$(VENDOR) copy-scanner

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -d app/translations

db: $(VENV)/.installed
	@$(FLASK) db upgrade

# System libraries: installed with apt-get when missing and we are root; otherwise we say what to install.
system-deps:
	@./.ci/ensure-apt $(APT_RUN)
system-deps-test:
	@./.ci/ensure-apt $(APT_TEST)

clean:
	rm -rf $(VENV) node_modules static/vendor

# Re-extract translatable strings and merge them into the Chinese catalog (then translate the new ones).
# pgettext and its lazy form carry a message context (msgctxt): an English word with several meanings
# gets one entry per meaning (docs/glossary.md). tests/test_translations.py extracts with the same keywords.
BABEL_KEYWORDS = -k _l -k lazy_gettext -k pgettext:1c,2 -k npgettext:1c,2,3 -k lazy_pgettext:1c,2
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs=.venv --ignore-dirs=node_modules -o /tmp/jxc-messages.pot .
	$(VENV)/bin/pybabel update -i /tmp/jxc-messages.pot -d app/translations --no-fuzzy-matching

# Lighthouse 12, mobile, on the demo company's sign-in, sales home, a draft order and the stocktake screen: prints
# each page's performance and accessibility scores (targets 95 and 100; bench/lighthouse.py). Lighthouse is pinned
# in bench/lighthouse/package-lock.json, apart from the app's own front-end libraries.
.PHONY: lighthouse
LIGHTHOUSE := bench/lighthouse/node_modules/.bin/lighthouse
lighthouse: $(VENV)/.installed static translations system-deps system-deps-test $(LIGHTHOUSE)
	$(PY) bench/lighthouse.py
$(LIGHTHOUSE): bench/lighthouse/package.json bench/lighthouse/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed: apt-get install npm (or install Node.js 20+)"; exit 1; }
	npm ci --prefix bench/lighthouse --no-audit --no-fund --silent
	@touch $@

# With PYTHONDONTWRITEBYTECODE set (as on these machines) every process compiled the app's ~270 modules again,
# some 0.8 s a start: the servers and commands the tests start, and the server itself. Compiled once here.
bytecode:
	@$(PY) -m compileall -q -j 0 app wsgi.py gunicorn.conf.py >/dev/null
