# Two commands set everything up on a fresh machine:
#   make book   build the HTML book into _build/html (the main job)
#   make test   run every test: unit tests, the strict book build, the book
#               executed again under other floating-point settings, spelling,
#               lint and links, the solved exercise notebooks under nbval, and
#               the browser checks
# Both create .venv from requirements.lock when it is missing or out of date;
# a second run installs nothing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MATHJAX_VERSION := 3.2.2
MATHJAX := .mathjax/mathjax/tex-chtml.js
CHROMIUM ?= /usr/bin/chromium
# -W: warnings are errors; -n: broken references are warnings (so errors).
JB_STRICT := -W -n --keep-going
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help book book-student test test-unit test-book test-numerics test-hygiene test-notebooks test-browser lab clean lock preview bench

help:
	@echo "make book    build the HTML book into _build/html"
	@echo "make book-student   the book without solutions, into _build/student/_build/html"
	@echo "make test    run every test (unit, strict book build, numerics, hygiene, notebooks, browser)"
	@echo "make test-numerics  execute the book again under other floating-point settings"
	@echo "make test-hygiene   spelling, lint, and the links of both built editions"
	@echo "make lab     open JupyterLab on exercises/"
	@echo "make clean   remove _build (the execution cache too)"
	@echo "make preview CHAPTER=book/ch07_vanilla_rnn.md   build one chapter quickly"
	@echo "make bench   time the NumPy LSTM against torch.nn.LSTM"

$(INSTALLED): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# MathJax 3 comes from the npm registry once and is copied into the built site,
# so equations typeset for a reader with no network.
$(MATHJAX):
	rm -rf .mathjax && mkdir -p .mathjax/download
	cd .mathjax/download && npm pack --silent mathjax@$(MATHJAX_VERSION) > /dev/null
	tar -xzf .mathjax/download/mathjax-$(MATHJAX_VERSION).tgz -C .mathjax/download
	mv .mathjax/download/package/es5 .mathjax/mathjax
	rm -rf .mathjax/download

book: $(INSTALLED) $(MATHJAX)
	$(VENV)/bin/jupyter-book build . $(JB_STRICT)
	@echo "Open _build/html/index.html"

# The student edition: solutions hidden, its own output folder and execution
# cache (seeded from make book's), so _build/html is left alone.
book-student: $(INSTALLED) $(MATHJAX)
	$(PY) book/_ext/student_edition.py

test: test-unit test-book test-numerics test-hygiene test-notebooks test-browser

test-unit: $(INSTALLED)
	$(PY) -m pytest tests -q --ignore=tests/browser --ignore=tests/built

# The strict build, then the numbers it recorded for the results page,
# checked against the chapters' claims.
test-book: book
	$(PY) -m pytest tests/built -q -p no:cacheprovider

# The whole book executed a second time, strictly, with its own cache and
# output folder (_build/numerics), under other floating-point settings:
# OpenBLAS's Sandybridge kernels, PyTorch's non-vectorised kernels, MKL's
# compatible path, one thread. A claim that holds only on one machine fails here.
test-numerics: $(INSTALLED) $(MATHJAX)
	$(PY) book/_ext/numerics_build.py
	COMPANION_BUILT_RESULTS=_build/numerics/_build/results $(PY) -m pytest tests/built -q -p no:cacheprovider

# Spelling (codespell), lint (ruff; rules in pyproject.toml), and every
# internal link and #anchor of both built editions, offline.
test-hygiene: $(INSTALLED) book book-student
	$(VENV)/bin/codespell book companion exercises README.md
	$(VENV)/bin/ruff check .
	$(PY) -m companion.course.links _build/html _build/student/_build/html

test-notebooks: $(INSTALLED)
	rm -rf _build/solved
	$(PY) -m companion.exercises solve exercises/*.ipynb --out _build/solved
	COMPANION_STRICT=1 $(PY) -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env _build/solved

$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then echo "Chromium is missing: install Debian's 'chromium' package (needs root)"; exit 1; fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null

# Every page of both editions in headless Chromium, offline; the student
# edition is also searched for solution text. Playwright comes from the lock.
test-browser: $(INSTALLED) $(CHROMIUM) book book-student
	@$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet "$$(grep -i '^playwright==' requirements.lock)"
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/browser -q

lab: $(INSTALLED)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=exercises $$([ "$$(id -u)" = 0 ] && echo --allow-root)

clean:
	rm -rf _build

# For authors: execute one chapter and build it into _build/preview/<name>.
preview: $(INSTALLED) $(MATHJAX)
	$(PY) book/_ext/preview_chapter.py $(CHAPTER)

bench: $(INSTALLED)
	$(PY) -m companion.course.bench

# Re-pin every version: a throw-away venv installs the direct needs, and its
# freeze becomes requirements.lock.
lock:
	rm -rf _build/lock-venv && $(PYTHON) -m venv _build/lock-venv
	_build/lock-venv/bin/pip install --quiet torch==2.13.0 ".[book,test,lab]" scikit-learn statsmodels
	{ echo "# Pinned versions of everything the course installs (pip freeze of a working .venv)."; \
	  echo "# Regenerate with: make lock   (torch is the CPU build, pinned to 2.13.0)"; \
	  _build/lock-venv/bin/pip freeze --exclude companion | sed -E 's/^torch==2\.13\.0\+cpu$$/torch==2.13.0/'; } > requirements.lock
	rm -rf _build/lock-venv
