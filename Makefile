# The commands a new user types. Everything installs from this repository's own files.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP_NODE := node_modules/.install-stamp
STAMP_VENV := $(VENV)/.install-stamp
DATE ?= $(shell date -u +%F)

.PHONY: install build run test test-unit test-all lint typecheck bench clean venv up down logs

install: $(STAMP_NODE) $(STAMP_VENV)

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

venv: $(STAMP_VENV)
$(STAMP_VENV): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

build: $(STAMP_NODE)
	npm run --silent build

# The main job on the embedded defaults: local store in ./data, DuckDB, synthetic data.
run: build
	node dist/src/cli/main.js run Report --date $(DATE)

typecheck: $(STAMP_NODE)
	npm run --silent typecheck

lint: $(STAMP_NODE)
	npm run --silent lint

# Fast tier: unit + embedded, no services.
test-unit: $(STAMP_NODE)
	npm test --silent

# Every tier: static checks, unit, embedded, integration (real S3 server, Spark, MLflow), e2e.
test: install build typecheck lint
	npm run --silent test:all

bench: build $(STAMP_VENV)
	node dist/bench/run-all.js

clean:
	rm -rf dist data test-artifacts

up:
	docker compose -f docker/compose.yaml --env-file .env up -d
down:
	docker compose -f docker/compose.yaml --env-file .env down
logs:
	docker compose -f docker/compose.yaml --env-file .env logs -f
