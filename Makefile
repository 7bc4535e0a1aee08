# `make run`: install, migrate, load the demo network into an empty database, serve on :5000.
# `make test`: install, then run the whole suite (SQLite and, where reachable, PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install translations browser js lint bench

run: install translations
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo --if-empty
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

test: install translations browser js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: install
	$(BIN)/python -c "from booking.i18n import compile_translations; compile_translations()"

# Debian's Chromium and its driver for the end-to-end tests; never a downloaded browser.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Mozilla's ical.js (Thunderbird's calendar engine) reads the feeds in the tests; Debian's Node if none.
js:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; }
	@[ tests/js/node_modules/.package-lock.json -nt tests/js/package-lock.json ] || \
		npm ci --prefix tests/js --no-audit --no-fund

# Not a test: fills a PostgreSQL database with 1,000 resources and 1,000,000 bookings and measures
# the booking engine (numbers in docs/performance.md). BENCH_DATABASE_URL names the server.
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/booking_bench
bench: install
	$(BIN)/python -m bench.run --database-url $(BENCH_DATABASE_URL)
