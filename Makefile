# aegmm-lessons: make lab (start the course), make test (check it), make notebooks
# (re-execute and store outputs), make bench (measure it).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BROWSER_STAMP := $(VENV)/.browser-installed-stamp
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
SANITIZE := tests/nbval_sanitize.cfg

# The same settings for JupyterLab, nbval and `make notebooks`, so that stored
# outputs reproduce: TensorFlow quiet on stderr, no oneDNN custom ops (a source
# of cross-machine float differences), deterministic ops and hashing.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export TF_DETERMINISTIC_OPS := 1
export PYTHONHASHSEED := 0

# Open a browser only where there is a screen.
ifeq ($(shell uname -s),Darwin)
LAB_BROWSER :=
else
LAB_BROWSER := $(if $(DISPLAY),,--no-browser)
endif
# Containers and CI machines often run as root, which Jupyter refuses by default.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test test-portability test-browser notebooks bench install

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_BROWSER) $(LAB_ROOT)

# Two pytest workers; --dist loadscope keeps each notebook's cells together, in order.
test: $(STAMP)
	$(BIN)/ruff check aegmm_lessons tests benchmarks tools notebooks
	$(BIN)/python -m pytest -n 2 --dist loadscope tests notebooks --ignore=tests/browser --nbval --nbval-current-env \
		--nbval-sanitize-with $(SANITIZE) --nbval-cell-timeout=600

# Strict nbval over every notebook under four configurations that stand in for
# other machines (OpenBLAS kernel, BLAS/OpenMP threads, TensorFlow threads).
test-portability: $(STAMP)
	$(BIN)/python tools/portability.py

notebooks: $(STAMP)
	@for nb in $(NOTEBOOKS); do \
		echo "executing $$nb"; \
		$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.kernel_name=python3 \
			--ExecutePreprocessor.timeout=600 \
			--ExecutePreprocessor.record_timing=False \
			"$$nb" || exit 1; \
		$(BIN)/python tools/relative_tracebacks.py "$$nb" || exit 1; \
	done

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Every notebook run through JupyterLab's UI in headless Chromium (Debian's
# `chromium` package; Playwright downloads no browser). Not part of `make test`.
test-browser: $(BROWSER_STAMP)
	AEGMM_BROWSER_TESTS=required $(BIN)/python -m pytest tests/browser

install: $(STAMP)

# Reinstall when the pins change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,browser]"
	touch $(BROWSER_STAMP)
