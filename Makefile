.PHONY: install install-test serve test check lint typecheck imports format

VENV := .venv/bin

install:
	scripts/install

install-test:
	scripts/install --test

serve: install
	$(VENV)/yarrow serve

# Every test: static checks, then the whole suite against real services on this machine.
test: install-test
	$(MAKE) check
	$(VENV)/python -m pytest

check: lint typecheck imports

lint:
	$(VENV)/ruff check src tests benchmarks
	$(VENV)/ruff format --check src tests benchmarks

typecheck:
	$(VENV)/mypy

imports:
	$(VENV)/lint-imports

format:
	$(VENV)/ruff format src tests benchmarks
	$(VENV)/ruff check --fix src tests benchmarks
