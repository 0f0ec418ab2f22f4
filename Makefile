# The two commands of the README: `make run` and `make test`. Each sets up .venv from the lock first: exactly the
# versions (and file hashes) in requirements-test.txt, which `make lock` refreshes from pyproject.toml.
VENV ?= .venv
PYTHON ?= python3
INSTALLED := $(VENV)/.installed
PIP = $(VENV)/bin/pip install --quiet --disable-pip-version-check

.PHONY: setup run test lint chromium bench lock

$(INSTALLED): requirements-test.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements-test.txt
	$(PIP) --no-deps -e .
	touch $(INSTALLED)

# After changing a dependency in pyproject.toml: resolve again on PyPI and commit both lock files.
lock:
	scripts/lock

setup: $(INSTALLED)

# With Slack settings (environment or .env) run the bot for real; without them, the local sandbox.
run: setup
	@if [ -n "$$SLACK_BOT_TOKEN" ] || grep -qs '^SLACK_BOT_TOKEN=.' .env; then \
		$(VENV)/bin/mldesign db upgrade && exec $(VENV)/bin/mldesign serve; \
	else \
		exec $(VENV)/bin/mldesign sandbox; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The browser tests drive Debian's Chromium (never a downloaded browser), with Debian's emoji font so the
# sandbox page shows the bot's emoji instead of empty boxes.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; } || { \
		echo "installing Chromium and its emoji font from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }

# Tests run two at a time (pytest-xdist): most of them wait on the bot and fake Slack processes they start.
TEST_PROCESSES ?= 2

test: lint chromium
	$(VENV)/bin/pytest -n $(TEST_PROCESSES)

# Benchmarks (not part of the tests): wrk from Debian's packages, PostgreSQL for the nudge dispatch at scale,
# then the figures written into docs/benchmarks.md.
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing wrk from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	scripts/ensure-postgres
	$(VENV)/bin/python -m benchmarks
