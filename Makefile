# Everything a fresh machine needs: `make demo` and `make test` build .venv and start what tests need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_DIR := .cache/node
AZURITE := $(NODE_DIR)/node_modules/.bin/azurite

.PHONY: install demo test lint format bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(AZURITE):
	mkdir -p $(NODE_DIR)
	cd $(NODE_DIR) && npm install --silent --no-audit --no-fund --prefix . azurite@3 >/dev/null

demo: $(STAMP)
	$(BIN)/standby demo

# Debian's chromium for the drill report's HTML test (headless); installed once, as root in CI.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); log=$$(mktemp); \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install \
	    -y -qq --no-install-recommends chromium; } >$$log 2>&1 || { cat $$log; exit 1; }; \
	  rm -f $$log; }

# Test servers (moto, Azurite) are started by the pytest fixtures in tests/conftest.py.
test: $(STAMP) $(AZURITE) chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	STANDBY_AZURITE=$(abspath $(AZURITE)) $(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .cache standby-demo .pytest_cache
