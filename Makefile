# salesops workbench. Every target sets up .venv (and reinstalls when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.salesops-installed
DEMO   := data/demo/opportunities.csv
JOBS   ?= 2

.PHONY: report test lab demo-data bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# bytecode once: this machine sets PYTHONDONTWRITEBYTECODE, which makes every import slow
	@$(BIN)/python -m compileall -q -j 0 salesops_lib $(VENV)/lib > /dev/null 2>&1 || true
	@touch $(STAMP)

$(DEMO): $(STAMP) salesops_lib/synth.py
	$(BIN)/salesops demo-data data/demo

demo-data: $(STAMP)
	$(BIN)/salesops demo-data data/demo

report: $(DEMO)
	$(BIN)/salesops report

test: $(DEMO)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -q

# the repository root, so notebooks/, data/ and salesops.toml are all in reach; root needs --allow-root
lab: $(DEMO)
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/forecast.py
	$(BIN)/python benchmarks/quota_spread.py
	$(BIN)/python benchmarks/kpis.py
	$(BIN)/python benchmarks/postgres_load.py
	$(BIN)/python benchmarks/scale.py

lint: $(STAMP)
	$(BIN)/ruff check salesops_lib tests benchmarks
	$(BIN)/ruff format --check salesops_lib tests benchmarks
	$(BIN)/mypy salesops_lib

clean:
	rm -rf reports .pytest_cache .ruff_cache .mypy_cache
