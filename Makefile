# alumnipulse — `make run` and `make test` do their own set-up on a fresh machine.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin

DATA        ?= $(CURDIR)/.data
BIN         := $(CURDIR)/bin/alumnipulse
CH_PORT     ?= 19000
VERSION     := $(shell git describe --always --dirty 2>/dev/null || echo dev)

export ALUMNIPULSE_CLICKHOUSE_ADDR ?= 127.0.0.1:$(CH_PORT)
export ALUMNIPULSE_SECRET_FILE     ?= $(DATA)/secret
export ALUMNIPULSE_OUTBOX_DIR      ?= $(DATA)/outbox
export ALUMNIPULSE_DEV_DATA        := $(DATA)
export ALUMNIPULSE_DEV_CH_PORT     := $(CH_PORT)

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: setup
setup: ## Install what is missing, start the local ClickHouse, fetch pinned assets
	@.ci/devenv up
	@.ci/devenv assets
	@mkdir -p $(DATA)
	@[ -s $(DATA)/secret ] || (umask 077; head -c 48 /dev/urandom | base64 -w0 > $(DATA)/secret)

.PHONY: build
build: ## Build bin/alumnipulse
	@.ci/devenv assets
	go build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/alumnipulse

.PHONY: run
run: setup build ## Set up, migrate, seed the demo tenant and serve on :8080
	@$(BIN) migrate
	@$(BIN) demo seed --if-empty
	@$(BIN) demo info
	@exec $(BIN) serve

.PHONY: test
test: setup ## Set up, then run every test against the real ClickHouse
	@.ci/devenv browser
	go test -race -count=1 -timeout 20m ./...

.PHONY: bench
bench: setup ## Run the Go benchmarks (figures go to BENCHMARKS.md by hand)
	go test -run '^$$' -bench . -benchmem -count=1 ./...

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

.PHONY: stop
stop: ## Stop the local ClickHouse
	@.ci/devenv down
