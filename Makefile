# The two commands of the README: `make report` (the main job) and `make test`.
# Each runs scripts/setup.sh first when the environment is missing or out of date.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: setup check-setup report report-full gradcheck test test-all bench pdf clean

$(STAMP): setup.cfg pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

## Every file the PDF build, the browser and the graph tests use comes from setup.sh's packages or their Depends.
check-setup: $(STAMP)
	$(PY) scripts/check_setup.py

## The main job: every sheet task on both backends (quick sizes, offline data) -> one HTML page.
report: $(STAMP)
	$(PY) -m experiments reproduce --quick --out $(OUT)/reproduce

## Every task at the sheets' sizes on both backends (hours on a CPU) -> the same page. Resumable:
## a task whose metrics.json (of a full run) is already in the folder is not run again.
report-full: $(STAMP)
	$(PY) -m experiments reproduce --out $(OUT)/reproduce-full

## The gradient-check report of every registered op (finite differences and torch).
gradcheck: $(STAMP)
	$(PY) -m tinygrad_edu.gradcheck --out $(OUT)/gradcheck.md

## The test suite (the default, fast run; `make test-all` adds the slow tests).
test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

test-all: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider --runslow

pdf: $(STAMP)
	$(MAKE) -C derivations

## The benchmark: every library (tinygrad_edu, torch, DeZero, MyGrad, tinygrad) on the four workloads,
## time and peak memory; scripts/setup_bench.sh installs the `bench` extra and clang first.
## Some machines here pin OpenBLAS to older kernels (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, for old
## OpenBLAS builds); the benchmark unsets both, in this command alone, so NumPy runs the kernels its
## OpenBLAS picks for the processor, as on a user's machine. The table's header names them.
bench: $(STAMP)
	bash scripts/setup_bench.sh
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(PY) -m benchmarks.bench_peers

clean:
	rm -rf $(VENV) $(OUT) *.egg-info
