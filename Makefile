# The kiosk's tasks. `make help` lists them.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)
LDFLAGS := -X github.com/hbzk/kiosk/device/buildinfo.Version=$(VERSION)
BIN := bin
PURE_PKGS := ./device/... ./central/... ./store/... ./syncclient/... ./cmd/centrald/...

.DEFAULT_GOAL := help
.PHONY: help deps test-deps prompts run test check gallery bench build package fuzz clean

help: ## list the targets
	@awk -F':.*## ' '/^[a-z-]+:.*## /{printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install what is missing to build and run (Debian packages, face models, Go modules)
	@build/deps.sh

test-deps: ## install what is missing to test as well (PostgreSQL, systemd-analyze)
	@build/deps.sh --test

prompts: deps ## make the voice prompts with espeak-ng into var/prompts (only those whose text changed)
	$(GO) run ./build/prompts -out var/prompts

build: deps prompts ## build kiosk, kioskctl and centrald into bin/
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/kiosk ./cmd/kioskctl ./cmd/centrald

run: build ## run the kiosk on simulated hardware (under Xvfb when there is no display; screens in var/screens)
	@build/run.sh

test: test-deps prompts ## run every test with the race detector (the voice prompts made first: tests play them)
	$(GO) test -race -timeout 30m ./...

check: deps ## go vet, gofmt, dependency rules, pure-Go and arm64 builds, OpenCV Mat leak test
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) test -count=1 ./internal/layering/
	CGO_ENABLED=0 $(GO) build ./device/... ./central/...
	CGO_ENABLED=0 GOARCH=arm64 $(GO) build $(PURE_PKGS)
	$(GO) test -count=1 -tags matprofile -run 'NoMatLeak|Engine' ./drivers/opencv/

gallery: deps ## render every UI screen with sample data into var/gallery
	$(GO) run ./ui/cmd/uigallery -out var/gallery

bench: deps ## run the benchmarks (figures and ratios against in-process baselines)
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...

fuzz: ## run every fuzz target for FUZZTIME (default 30s) each
	@build/fuzz.sh $${FUZZTIME:-30s}

package: deps prompts ## build dist/kiosk_<version>_<arch>.deb from appliance builds (real hardware, /etc/kiosk, /var/lib/kiosk)
	$(GO) build -tags appliance -ldflags '$(LDFLAGS)' -o $(BIN)/appliance/ ./cmd/kiosk ./cmd/kioskctl ./cmd/centrald
	$(GO) run ./build/package --version '$(VERSION)' --arch $$($(GO) env GOARCH) --bin $(BIN)/appliance --models models --prompts var/prompts --out dist

clean: ## remove build output and the development state (var/)
	rm -rf $(BIN) dist var
