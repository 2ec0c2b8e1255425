# chainsleuth — see README.md. The two commands that matter: `make demo` and `make test`.
GO        ?= go
BIN       := bin
GOFLAGS   ?=
export GOFLAGS

.PHONY: all build test test-go demo bench fuzz lint clean services-up services-down

all: build

build:
	$(GO) build -o $(BIN)/chainsleuth ./cmd/chainsleuth
	@if [ -d cmd/devnet ]; then $(GO) build -o $(BIN)/devnet ./cmd/devnet; fi

# Starts the project's own ClickHouse (Debian's package, installed when missing), builds btcd once, runs every
# test against them. CI=true turns a missing server into a failure instead of a skip.
test:
	scripts/test.sh

demo: build
	scripts/demo.sh

fuzz:
	scripts/fuzz.sh

bench: build
	scripts/bench.sh

lint:
	gofmt -l $$(git ls-files '*.go') | tee /dev/stderr | (! read)
	$(GO) vet ./...

services-up:
	scripts/clickhouse.sh start
	scripts/btcd.sh start

services-down:
	-scripts/btcd.sh stop
	-scripts/clickhouse.sh stop

clean:
	rm -rf $(BIN)
