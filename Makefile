# fallbackkit — two commands do all set-up:
#   make lab    install everything and open JupyterLab on the start notebook
#   make test   install everything and run every test (unit, notebooks, browser)
# Requires Python >= 3.11 and make. Versions are pinned in constraints.txt.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test install browser gateway promtool bench nbref notebooks exercises nbgrader runs clean help
help:
	@echo "make lab    install and open JupyterLab on notebooks/00_start_here.ipynb"
	@echo "make test   install and run every test"
	@echo "make bench  run the benchmark scripts"
	@echo "make exercises  regenerate exercises/ from the packaged solutions (fallbackkit/data/solutions/)"
	@echo "make runs   run every guided notebook on every scenario; runs/summary.csv and .html"
	@echo "make notebooks  rebuild notebooks/*.ipynb from their text sources in notebooks/src/"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fallbackkit needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,router,proxy]"
	@# JupyterLab defaults for this venv: no news feed, no update checks (nothing leaves the machine)
	@mkdir -p $(VENV)/share/jupyter/lab/settings && cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

install: $(STAMP)

# Chromium from Debian packages, for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Without root or apt-get the browser tests skip.
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

gateway: $(GATEWAY_STAMP)

# promtool (Debian's prometheus package) for tests/test_alerts.py: `promtool check rules` and
# `promtool test rules`. Without root or apt-get the alert tests skip (and fail under CI).
promtool:
	@if command -v promtool >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing promtool (Debian package prometheus) for the alert-rule tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) \
	  || echo "could not install prometheus; alert-rule tests will skip"; \
	else echo "no promtool and no root: alert-rule tests will skip"; fi

# The extension manager stays read-only (it would search PyPI); root (containers) is allowed.
lab: install
	$(BIN)/jupyter lab --LabApp.extension_manager=readonly $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/00_start_here.ipynb

test: install browser gateway promtool nbgrader
	$(BIN)/python -m pytest -p no:cacheprovider --nbval-lax tests notebooks fallbackkit/data/solutions

bench: install
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# The guided notebooks are generated from their text sources (notebooks/src/*.py, jupytext
# percent format): a teacher edits the source, then `make notebooks` writes the .ipynb and
# refreshes the reference outputs nbval checks. `make test` fails when a pair is out of sync.
notebooks: install
	$(BIN)/python tools/notebooks.py build
	$(BIN)/python tools/nbref.py notebooks/*.ipynb

# Refresh the reference outputs that nbval checks (after changing a teaching result on purpose).
nbref: install
	$(BIN)/python tools/nbref.py notebooks/*.ipynb $(wildcard fallbackkit/data/solutions/*.ipynb)

exercises: install
	$(BIN)/fallbackkit exercises build

# The real nbgrader in its own venv (its JupyterLab extensions stay out of the learners' lab).
nbgrader: install
	$(BIN)/python tools/nbgrader_venv.py

runs: install
	$(BIN)/fallbackkit run-all --scenarios all --out runs

clean:
	rm -rf $(VENV) build *.egg-info
