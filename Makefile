# fallbackkit — two commands do all set-up:
#   make lab    install everything and open JupyterLab on the start notebook
#   make test   install everything and run every test (unit, notebooks, browser)
# Requires Python >= 3.11 and make. Versions are pinned in constraints.txt.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Maintainer scripts run against THIS checkout's package, whatever the venv's editable install
# points at (a git worktree sharing a venv would otherwise import another checkout's code).
TOOL   := PYTHONPATH=$(CURDIR) $(BIN)/python
FK     := PYTHONPATH=$(CURDIR) $(BIN)/fallbackkit
# Inputs of the regenerating targets; override on the command line (make nbref NOTEBOOKS=notebooks/02_*.ipynb).
NOTEBOOKS ?= notebooks/*.ipynb
SOLUTIONS ?= $(wildcard fallbackkit/data/solutions/*.ipynb)
BENCH     ?= benchmarks/*.py
SCENARIOS ?= all
LLMPERF   ?= ../shared/data/llmperf
INCIDENTS ?= ../shared/data/llm-incidents/incident_stages.csv

.PHONY: lab test install browser gateway promtool bench nbref notebooks notebooks-check solutions exercises \
        incidents profiles fuzz-long lint nbgrader runs clean help

# `make help` lists every target that has a `## ` line directly above it.
## list the make targets (this text)
help:
	@awk '/^## /{h=substr($$0,4); next} /^[a-zA-Z0-9_-]+:/{if(h!=""){split($$0,t,":"); printf "  make %-16s %s\n", t[1], h}} {h=""}' $(firstword $(MAKEFILE_LIST))

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fallbackkit needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,router,proxy]"
	@# JupyterLab defaults for this venv: no news feed, no update checks (nothing leaves the machine)
	@mkdir -p $(VENV)/share/jupyter/lab/settings && cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

## create .venv and install the kit with its test, router and proxy extras (pinned)
install: $(STAMP)

# Chromium from Debian packages, for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Without root or apt-get the browser tests skip.
## install Debian Chromium for the browser tests (root and apt-get only)
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Chromium from Debian packages for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium; browser tests will skip"; \
	else echo "no /usr/bin/chromium and no root: browser tests will skip"; fi

# The real Portkey gateway for tests/test_gateway_portkey.py: npm packages pinned by
# gateway/package-lock.json, installed with `npm ci` only when node_modules is missing or older
# than the lock file (npm ci writes node_modules/.package-lock.json). Node.js from Debian if absent.
GATEWAY_STAMP := gateway/node_modules/.package-lock.json
$(GATEWAY_STAMP): gateway/package.json gateway/package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Node.js from Debian packages for the Portkey gateway tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) || true; fi
	@if command -v npm >/dev/null; then cd gateway && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "no npm: the Portkey gateway tests will skip (and fail under CI)"; fi

## install the Portkey gateway (npm ci, pinned by gateway/package-lock.json)
gateway: $(GATEWAY_STAMP)

# promtool (Debian's prometheus package) for tests/test_alerts.py: `promtool check rules` and
# `promtool test rules`. Without root or apt-get the alert tests skip (and fail under CI).
## install promtool (Debian's prometheus) for the alert-rule tests
promtool:
	@if command -v promtool >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing promtool (Debian package prometheus) for the alert-rule tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) \
	  || echo "could not install prometheus; alert-rule tests will skip"; \
	else echo "no promtool and no root: alert-rule tests will skip"; fi

# The extension manager stays read-only (it would search PyPI); root (containers) is allowed.
## install and open JupyterLab on notebooks/00_start_here.ipynb
lab: install
	$(BIN)/jupyter lab --LabApp.extension_manager=readonly $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/00_start_here.ipynb

## install and run every test (unit, notebooks, browser)
test: install browser gateway promtool nbgrader
	$(BIN)/python -m pytest -p no:cacheprovider --nbval-lax tests notebooks fallbackkit/data/solutions

## run the benchmark scripts; they print figures and ratios (BENCH=benchmarks/bench_x.py for one)
bench: install
	@for f in $(BENCH); do echo "== $$f"; $(TOOL) $$f || exit 1; done

# The guided notebooks are generated from their text sources (notebooks/src/*.py, jupytext
# percent format): a teacher edits the source, then `make notebooks` writes the .ipynb and
# refreshes the reference outputs nbval checks. `make test` fails when a pair is out of sync.
## rebuild notebooks/*.ipynb from notebooks/src/*.py and refresh their reference outputs
notebooks: install
	$(TOOL) tools/notebooks.py build
	$(TOOL) tools/nbref.py $(NOTEBOOKS)

## check every notebook matches its text source (tools/notebooks.py check; writes nothing)
notebooks-check: install
	$(TOOL) tools/notebooks.py check

# Refresh the reference outputs that nbval checks (after changing a teaching result on purpose).
## refresh the reference outputs nbval checks (NOTEBOOKS=... SOLUTIONS= for fewer)
nbref: install
	$(TOOL) tools/nbref.py $(NOTEBOOKS) $(SOLUTIONS)

# The solution notebooks are the single source of the exercises: tools/make_solution_notebooks.py
# writes them (cells from tools/teaching.py, notebook plumbing from tools/nb.py), then
# `make exercises` derives the learners' copies from them.
## regenerate the solution notebooks in fallbackkit/data/solutions/ (tools/make_solution_notebooks.py)
solutions: install
	$(TOOL) tools/make_solution_notebooks.py

## regenerate exercises/ from the packaged solutions (fallbackkit/data/solutions/)
exercises: install
	$(FK) exercises build

## rebundle fallbackkit/data/incidents/ from the public incident CSV (INCIDENTS=path/to/incident_stages.csv)
incidents: install
	$(TOOL) tools/bundle_incidents.py $(INCIDENTS)

## regenerate fallbackkit/data/profiles/ from the LLMPerf leaderboard data (LLMPERF=path/to/llmperf)
profiles: install
	$(TOOL) tools/make_profiles.py $(LLMPERF) fallbackkit/data/profiles

## run the fuzz tests twenty times longer, at random (pytest --fuzz-long)
fuzz-long: install
	$(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz_designs.py tests/test_fuzz_cli.py --fuzz-long

## lint: the pyflakes rules tests/test_lint.py enforces (ruff check --select F)
lint: install
	$(BIN)/ruff check --select F fallbackkit tests tools benchmarks

# The real nbgrader in its own venv (its JupyterLab extensions stay out of the learners' lab).
## make .venv-nbgrader: the real nbgrader beside the kit (tools/nbgrader_venv.py)
nbgrader: install
	$(BIN)/python tools/nbgrader_venv.py

## run every guided notebook on every scenario: runs/summary.csv and .html (SCENARIOS=rag-search NOTEBOOKS=...)
runs: install
	$(FK) run-all --scenarios $(SCENARIOS) --notebooks $(NOTEBOOKS) --out runs

## remove the venv and build leftovers
clean:
	rm -rf $(VENV) build *.egg-info
