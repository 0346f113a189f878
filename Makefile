# Everything a fresh machine needs: `make demo` and `make test` build .venv and start what tests need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_DIR := .cache/node
AZURITE := $(NODE_DIR)/node_modules/.bin/azurite

.PHONY: install demo test lint format bench clean java chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,spark]'
	touch $(STAMP)

install: $(STAMP)

$(AZURITE):
	mkdir -p $(NODE_DIR)
	cd $(NODE_DIR) && npm install --silent --no-audit --no-fund --prefix . azurite@3 >/dev/null

demo: $(STAMP)
	$(BIN)/standby demo

# pyspark (the `spark` extra) runs on Java 17+: Debian's, installed only when missing or older.
JAVA_OK = java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'
java:
	@$(JAVA_OK) || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	@$(JAVA_OK) || { echo "Java 17+ is needed for pyspark; set JAVA_HOME or PATH to one." >&2; exit 1; }

# Debian's chromium for the drill report's HTML test (headless); installed once, as root in CI.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); log=$$(mktemp); \
	  { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install \
	    -y -qq --no-install-recommends chromium; } >$$log 2>&1 || { cat $$log; exit 1; }; \
	  rm -f $$log; }

# Test servers (moto, Azurite) are started by the pytest fixtures in tests/conftest.py.
# mypy checks src/standby strictly (configured in pyproject.toml).
test: $(STAMP) $(AZURITE) java chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	STANDBY_AZURITE=$(abspath $(AZURITE)) $(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP) java
	$(BIN)/pip install -q -e '.[test,spark,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .cache standby-demo .pytest_cache
