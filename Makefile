# `make run`: install, migrate, load the demo network into an empty database, serve on :5000
# (PORT=5001 for another port) with the scheduler beside it (mails to the log, reminders, expiry).
# `make test`: install, then run the whole suite (SQLite and, where reachable, PostgreSQL).
# The Italian catalogues need no step of their own: the app compiles them when it starts
# (booking/i18n.py), and a built package carries them compiled (setup.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-dates install browser js faketime lint bench

PORT ?= 5000
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo --if-empty
	@$(BIN)/flask --app wsgi scheduler & scheduler=$$!; \
		trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

# The suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: install browser js
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The tests of everything that reckons with dates, again with the machine's clock moved (Debian's
# faketime) into summer time 2027 and onto a leap day: no test may depend on the day it runs.
DATE_TESTS := tests/services/test_calendar.py tests/web/test_feeds.py tests/web/test_week_calendar.py \
	tests/services/test_recurrence.py tests/api/test_booking_series_api.py tests/api/test_booking_ics.py \
	tests/services/test_availability.py tests/jobs
test-dates: install js faketime
	@for moment in "2027-07-15 10:00:00" "2028-02-29 12:00:00"; do \
		faketime "$$moment" $(BIN)/python -c "import datetime, sys; sys.exit(datetime.date.today().isoformat() != '$$moment'[:10])" || \
			{ echo "faketime did not move the clock to $$moment"; exit 1; }; \
		echo "== date tests at $$moment"; \
		faketime "$$moment" $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS) $(DATE_TESTS) || exit 1; \
	done

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian's Chromium and its driver for the end-to-end tests; never a downloaded browser.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

faketime:
	@command -v faketime >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq faketime; }

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
