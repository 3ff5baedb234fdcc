# Deep learning for object tracking — course commands.
#   make lab     set up (first time only) and open the course in JupyterLab at notebook 00
#   make test    set up (first time only) and run every test: unit tests + nbval over all notebooks
#   make bench   execute every notebook in a fresh kernel; wall time and peak memory per notebook
#   make notebooks  rebuild and re-execute the notebooks from notebooks/src/*.py
# Everything lives in a virtual environment in .venv/, made from requirements.txt (exact pins).

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.course-installed
PORT   ?= 8888
# JupyterLab refuses to run as root unless told; containers and CI run as root.
ROOT_FLAG = $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test unit nbval bench notebooks student venv clean-venv check gpu

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v=sys.version_info; sys.exit(0 if (3,11)<=v[:2]<=(3,13) else "Python 3.11-3.13 is needed (3.11 is the tested one), found %d.%d" % v[:2])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --port=$(PORT) $(ROOT_FLAG) --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/00_welcome_and_setup.ipynb

test: $(STAMP)
	$(PY) -m pytest tests --nbval notebooks --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -q

unit: $(STAMP)
	$(PY) -m pytest tests -q

nbval: $(STAMP)
	$(PY) -m pytest --nbval notebooks --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -q

bench: $(STAMP)
	$(PY) bench/run.py

notebooks: $(STAMP)
	$(PY) tools/build_notebooks.py $(NB)

check:
	$(PYTHON) ../shared/tools/check_notebooks.py notebooks

clean-venv:
	rm -rf $(VENV)

# For a learner with an NVIDIA GPU on Linux: swap the CPU build of TensorFlow for the CUDA one
# (same version; the CUDA libraries come as pip packages). `make lab` afterwards uses it.
gpu: $(STAMP)
	$(PY) -m pip uninstall --yes tensorflow-cpu
	$(PY) -m pip install "tensorflow[and-cuda]==$$(sed -n 's/^tensorflow-cpu==//p' requirements.txt)"

# The student edition: notebooks with solution cells replaced by "your turn" stubs, in student/.
student: $(STAMP)
	$(PY) tools/make_student.py student
