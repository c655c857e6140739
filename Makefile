# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test demo lint bench clean

$(STAMP): pyproject.toml constraints-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,plot,jax,torch,dask]' -c constraints-dev.txt
	@touch $(STAMP)

test: $(STAMP)
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest -n 2 -q

demo: $(STAMP)
	MPLBACKEND=Agg $(PY) -m saddlecheck demo

lint: $(STAMP)
	$(PY) -m ruff check saddlecheck tests proofs benchmarks examples
	$(PY) -m ruff format --check saddlecheck tests proofs benchmarks examples

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis build *.egg-info
