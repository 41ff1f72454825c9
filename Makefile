# Two entry points that work on a fresh clone; each installs what it needs into .venv.
#   make demo   - boot the bundled world on loopback and audit it
#   make test   - lint, then the whole test suite (installs system packages when it can)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint format system-deps clean

$(BIN)/launchready: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

demo: $(BIN)/launchready
	$(BIN)/launchready demo $(ARGS)

system-deps:
	@scripts/install-system-deps.sh

lint: $(BIN)/launchready
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: $(BIN)/launchready system-deps lint
	$(BIN)/pytest $(ARGS)

format: $(BIN)/launchready
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
