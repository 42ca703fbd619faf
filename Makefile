# The two commands of the quick start: `make serve` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS_STAMP := tests/js/node_modules/.installed
# The browser tests drive Debian's chromium (Playwright's own browser download cannot be used).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	touch $(JS_STAMP)

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	  || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/kinflow serve

test: $(STAMP) $(JS_STAMP) $(CHROMIUM)
	$(BIN)/pytest $(PYTEST_ARGS)

# The benchmarks (bench/*.py); they need wrk (apt-get install wrk).
bench: $(STAMP) $(JS_STAMP)
	$(BIN)/python bench/records.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/auth.py
	$(BIN)/python bench/groups.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/permissions.py

clean:
	rm -rf $(VENV) tests/js/node_modules
