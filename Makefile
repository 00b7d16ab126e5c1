# Salon's build. `make run` starts a server with the example configuration,
# `make test` is what CI runs.

GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 60s

# SQLite's full-text search (FTS5, behind FIND) is compiled into
# mattn/go-sqlite3 only with this build tag, and store.Open refuses a SQLite
# without it. Exported, so that every go command below and those the tests
# run themselves (servertest builds salond) get it; whatever GOFLAGS go env
# already holds (a machine's -buildvcs=false, say) is kept, but for a
# -tags of its own, which this one replaces.
export GOFLAGS := $(strip $(shell $(GO) env GOFLAGS) -tags=sqlite_fts5)

# Every fuzz target, as package:Target.
FUZZ_TARGETS := ./core/wire:FuzzParse ./core/wire:FuzzReader ./config:FuzzParse \
	./core/history:FuzzParse ./core/files:FuzzSafeName ./client:FuzzParseLine ./client:FuzzParseTags \
	./core/server:FuzzModel ./core/wire:FuzzTags ./core/wire:FuzzFoldName \
	./core/web/filehttp:FuzzParseFilePath ./core/web/filehttp:FuzzParseAuthorization ./core/wire:FuzzRTC \
	./client/pgp:FuzzDecrypt ./client/pgp:FuzzParsePublic ./client/pgp:FuzzParseKnownKeys

.PHONY: all build run test vet fuzz bench bench-search bench-calls bench-web attacks soak generate clean web web-test web-check

all: build

# Plugins and games: every folder under plugins/ and games/ is a plugin,
# built as bin/salon-<folder>.
PLUGINS := $(notdir $(wildcard plugins/* games/*))

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/salond ./cmd/salond
	$(GO) build -o $(BIN)/salon ./cmd/salon
	$(GO) build -o $(BIN)/salon-bench ./cmd/salon-bench
	@for p in $(PLUGINS); do \
		dir=plugins/$$p; [ -d $$dir ] || dir=games/$$p; \
		echo "$(GO) build -o $(BIN)/salon-$$p ./$$dir"; \
		$(GO) build -o $(BIN)/salon-$$p ./$$dir || exit 1; \
	done

run: build
	$(BIN)/salond -config config/salon.hcl

vet:
	$(GO) vet ./...

# The race detector over every package; fuzz targets run their seed corpus.
# The server's end-to-end suite runs a second time over the WebSocket
# transport (servertest dials /ws instead of TCP; about as long as over
# TCP, two minutes and a half here). Allocation counts (tests named
# *Allocs) are checked in a pass without the race detector, which changes
# what allocates. The web client's unit tests come first (web-test, which
# runs npm ci when web/node_modules is missing); its browser tests
# (web/browsertest) are Go tests among the others, driving Debian's
# Chromium with playwright-core from web/node_modules.
test: vet web-test
	$(GO) test -race -count=1 -timeout 15m ./...
	SALON_TEST_TRANSPORT=ws $(GO) test -race -count=1 -timeout 15m ./core/server/
	$(GO) test -count=1 -run 'Allocs$$' ./...

# The screenshots of the web client in docs/web.md, taken by the browser
# tests of two users chatting and of a call (make test takes them too, into
# a temporary folder).
.PHONY: screenshots
screenshots: | web/node_modules
	$(GO) test -count=1 -run '^(TestTwoBrowserUsersChat|TestBrowserCall|TestBrowserP2PFile|TestBrowserPrivateMessages)$$' ./web/browsertest -args -screenshots=$(CURDIR)/docs/img

# A fuzzing campaign: FUZZTIME per target.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# The load generator on CPU 1, the server it starts on CPU 0 (when taskset
# exists), so that neither steals the other's core.
PIN := $(shell command -v taskset >/dev/null 2>&1 && echo "taskset -c 1")
BENCH_FLAGS ?=

# store-index compares salond with a salond built without the full-text
# index's triggers (the salon_bench_noindex tag: for this measure only).
bench: build
	$(GO) build -o $(BIN)/salon-bench-echo ./cmd/salon-bench/echo
	$(GO) build -tags sqlite_fts5,salon_bench_noindex -o $(BIN)/salond-noindex ./cmd/salond
	$(PIN) $(BIN)/salon-bench -server-cpu 0 -json $(BIN)/bench.json $(BENCH_FLAGS)

# FIND, HIST and the login's UNREAD over a channel of a million messages
# (-search-messages), written into the database through core/store first:
# not part of bench, as building the channel takes a while.
bench-search: build
	$(PIN) $(BIN)/salon-bench -server-cpu 0 -scenarios search -json $(BIN)/bench-search.json $(BENCH_FLAGS)

# The forwarding unit of calls: calls of 2, 10 and 25 participants with
# audio, and 10 with audio and video (-call-shapes), each on a salond of its
# own with calls on loopback and pion clients in salon-bench: the server's
# CPU per forwarded stream and packet, latencies, memory per participant
# (docs/performance.md#calls). Not part of bench: its clients are heavy.
bench-calls: build
	$(PIN) $(BIN)/salon-bench -server-cpu 0 -scenarios calls -json $(BIN)/bench-calls.json $(BENCH_FLAGS)

# The web client's page in Chromium (web/bench/page.mjs, playwright-core
# from web/node_modules, Debian's /usr/bin/chromium): time to the first
# conversation, then a channel of a million messages (-web-messages)
# written through core/store, opened and scrolled back 10,000 messages
# (-web-scroll), with the tab's JS heap and DOM size before and after.
# Not part of bench: it needs Node and Chromium, and building the channel
# takes a while.
bench-web: build | web/node_modules
	$(PIN) $(BIN)/salon-bench -server-cpu 0 -scenarios web-page,web-bundle -json $(BIN)/bench-web.json $(BENCH_FLAGS)

# The attacks of issue 13 (items 6 to 13) at full size, each against a
# salond of its own with the default configuration, pinned as bench is:
# each prints its figures and whether the server held; one that did not
# makes the target fail. Not part of bench: they take minutes.
attacks: build
	$(PIN) $(BIN)/salon-bench -server-cpu 0 -scenarios attacks -json $(BIN)/attacks.json $(BENCH_FLAGS)

# The soak: SOAK_USERS simulated users chat, write to their friends, leave
# and join channels, upload and download files, read histories, play and
# reconnect for SOAK_DURATION, pinned as bench is, while the server's memory
# and goroutines are sampled through its profiler (on SOAK_PPROF). It fails
# if either grows after the warm-up.
SOAK_DURATION ?= 5m
SOAK_USERS    ?= 300
SOAK_PPROF    ?= 127.0.0.1:6061

soak: build
	$(GO) build -o $(BIN)/salon-bench-echo ./cmd/salon-bench/echo
	$(PIN) $(BIN)/salon-bench -server-cpu 0 -scenarios soak -server-pprof $(SOAK_PPROF) \
		-soak-users $(SOAK_USERS) -soak-duration $(SOAK_DURATION)

# Regenerates the gRPC code of the plugin protocol (committed, so a build
# never needs protoc). protoc comes from Debian's protobuf-compiler.
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2

generate:
	@command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler"; exit 1; }
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(CURDIR)/$(BIN)/tools $(GO) install $(PROTOC_GEN_GO_GRPC)
	cd sdk/pluginpb && PATH=$(CURDIR)/$(BIN)/tools:$$PATH protoc \
		--go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative plugin.proto

# The web client (web/): its bundle is committed in web/dist, so build and
# run need no Node.js. `make web` rebuilds it (npm ci first, when
# web/node_modules is missing), `make web-test` typechecks the sources and
# runs the unit tests of web/src/lib, `make web-check` fails when the
# committed bundle is not what its sources build.
NPM  ?= npm
NODE ?= node

web/node_modules:
	cd web && $(NPM) ci --no-audit --no-fund

web: | web/node_modules
	cd web && $(NODE) build.mjs

# The lib's tests include one against a real salond (over TCP), built here.
web-test: | web/node_modules
	cd web && $(NODE) node_modules/typescript/bin/tsc --noEmit -p tsconfig.json
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/salond ./cmd/salond
	cd web && SALOND=$(CURDIR)/$(BIN)/salond $(NODE) test/run.mjs

web-check: web
	@changes="$$(git status --porcelain --untracked-files=all -- web/dist)"; \
	if [ -n "$$changes" ]; then \
		echo "web/dist is not what its sources build: run make web and commit web/dist"; \
		echo "$$changes"; git --no-pager diff --stat -- web/dist; exit 1; \
	fi

clean:
	rm -rf $(BIN)
