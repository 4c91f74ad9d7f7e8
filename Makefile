PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean wheelhouse test-offline

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -qq -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo's outputs stay in the repository (git-ignored): open them in Excel or WPS afterwards.
DEMO := demo-output

demo: $(STAMP)
	mkdir -p $(DEMO)
	$(BIN)/branchctl rate sample_ledgers/青山乡_分类定级表.xlsx -o $(DEMO)/青山乡_分类定级表.rated.xlsx; test $$? -le 1
	$(BIN)/branchctl validate sample_ledgers --annotate $(DEMO)/退回修改 --report $(DEMO)/校验结果.xlsx --as-of 2025-06-30; test $$? -le 1
	@echo "示例输出在 $(DEMO)/ 文件夹中。"

# Every wheel branchctl needs, for Python 3.11 on Windows (win_amd64) and Linux (x86_64 and
# aarch64), in one folder: copy it to a machine without a network and
# `pip install --no-index --find-links wheelhouse branchctl` (README: 离线安装).
# Linux wheels are chosen for glibc 2.17 (manylinux2014), so they also install on older
# domestic systems (中标麒麟 7 and other CentOS 7 relatives), not only on 2.28 ones (银河麒麟 V10, 统信 UOS).
WHEELHOUSE ?= wheelhouse
WHEEL_PYTHON := 3.11
DOWNLOAD = $(BIN)/pip download --quiet --only-binary=:all: --python-version $(WHEEL_PYTHON) \
	--implementation cp --dest $(WHEELHOUSE)
LINUX = --platform manylinux2014_$(1) --platform manylinux_2_17_$(1)
# pip download judges environment markers by the machine it runs on, not by --platform: what the
# packages require on Windows only (typer: colorama; platform_system == "Windows") is named here.
WINDOWS_ONLY = colorama

wheelhouse: $(STAMP)
	rm -rf $(WHEELHOUSE) && mkdir -p $(WHEELHOUSE)
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir $(WHEELHOUSE) .
	$(DOWNLOAD) --platform win_amd64 $(WHEELHOUSE)/branchctl-*.whl $(WINDOWS_ONLY)
	$(DOWNLOAD) $(call LINUX,x86_64) $(WHEELHOUSE)/branchctl-*.whl
	$(DOWNLOAD) $(call LINUX,aarch64) $(WHEELHOUSE)/branchctl-*.whl
	@echo "已收集 $$(ls $(WHEELHOUSE) | wc -l) 个安装包到 $(WHEELHOUSE)/"

lint: $(STAMP)
	$(BIN)/ruff check branchctl tests benchmarks scripts sample_ledgers
	$(BIN)/ruff format --check branchctl tests benchmarks scripts sample_ledgers
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/pytest --cov --cov-report=term:skip-covered --cov-fail-under=90

# Builds the wheelhouse (needs the package index) and installs from it with no index at all.
test-offline: $(STAMP)
	$(BIN)/pytest -m slow tests/test_offline_install.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_rate.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache $(DEMO) $(WHEELHOUSE)
