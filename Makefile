# Two entry points that work on a fresh clone; each installs what it needs into .venv.
#   make demo   - boot the bundled world on loopback and audit it
#   make test   - lint, then the whole test suite (installs system packages when it can)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint format system-deps clean

# The demo needs only the runtime dependencies; the tests add the test and perf extras.
$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# The demo portal is meant to fail its gate (exit 1); any other failure still stops make.
demo: $(VENV)/.runtime
	$(BIN)/launchready demo $(ARGS) || test $$? -eq 1

system-deps:
	@scripts/install-system-deps.sh

lint: $(VENV)/.test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: $(VENV)/.test system-deps lint
	$(BIN)/pytest $(ARGS)

format: $(VENV)/.test
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
