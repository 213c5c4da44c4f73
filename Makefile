# The README's two commands: `make book` and `make test`. Both set everything up
# on a fresh machine (a virtual environment in .venv) and reuse it afterwards.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install book test chapters clean

# pip installs without byte-compiling, and compileall then compiles every module on
# both cores: a fresh install took 61 + 24 s so, against about 140 s with pip compiling
# file by file. The modules must be compiled here: where PYTHONDONTWRITEBYTECODE is set,
# every process would compile torch & co. from source again (about 13 s each).
# (compileall exits 1 on a few Python 3.12-only files of torch's own tests, which pip
# skips too.)
SITE = $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

install:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m compileall -q -j 0 "$(SITE)" > /dev/null 2>&1 || true

book: install
	$(BIN)/jupyter-book build -W -n --keep-going .

# Two workers, one thread each: both cores busy, none oversubscribed (OpenMP's spinning
# threads slow k-means many times over when two processes share two cores; numba's,
# left by UMAP, made a CAE training after it 15 times slower). Whole files
# to a worker (--dist loadfile), so a module's fixtures are made once, in the order
# conftest.py gives, the longest first (xdist's own reorder, by test count, would put the
# notebooks, one test each, last).
test: install
	OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=10

# Re-execute the chapters in full mode and store their outputs (hours for some).
chapters: install
	$(BIN)/python tools/execute_chapters.py

clean:
	rm -rf _build
