# TalkLine entry points. `make run` serves on :8080; `make test` runs every test layer.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
TALKLINE := $(BUILD_DIR)/src/talkline
# ccache lives outside the repo; base dir + no hashed cwd let every clone share it.
export CCACHE_DIR ?= $(HOME)/.cache/talkline-ccache
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps test-deps web-deps configure build run test unit integration e2e cluster cluster-test monitoring fuzz-smoke fuzz bench lint fmt clean sanitize package

all: build

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --test
	@bash scripts/install-js-deps.sh

# The web client's socket.io-client build and Swagger UI (offline once installed).
web-deps: deps
	@bash scripts/install-js-deps.sh web

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline

run: build web-deps
	$(TALKLINE)

test: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	bash scripts/test.sh $(BUILD_DIR)

unit: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L unit -j 2

integration: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline
	TALKLINE_BIN=$(abspath $(TALKLINE)) node --test tests/integration/*.test.mjs

# Protocol tests against examples/protocol-echo, then the chat with socket.io-client.
e2e: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline protocol-echo
	PROTOCOL_ECHO_BIN=$(abspath $(BUILD_DIR))/examples/protocol-echo node --test tests/e2e/protocol/*.test.mjs
	TALKLINE_BIN=$(abspath $(TALKLINE)) node --test tests/e2e/chat/*.test.mjs

# PostgreSQL + Redis + 3 nodes + nginx on loopback ports, the deploy/docker-compose.yml
# topology without Docker; prints the URLs and runs until Ctrl-C (README "Running a cluster").
cluster: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline
	TALKLINE_BIN=$(abspath $(TALKLINE)) node tests/e2e/cluster/launch.mjs $(CLUSTER_ARGS)

# The cluster test: chat across nodes and transports, kill -9 of a node, Redis paused,
# PostgreSQL stopped, the offline webhook (about 1.5 minutes).
cluster-test: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline
	TALKLINE_BIN=$(abspath $(TALKLINE)) node --test tests/e2e/cluster/*.test.mjs

# The Debian package (CPack, DEB) in $(BUILD_DIR)/packages: the binary, the systemd unit,
# /etc/talkline/talkline.env, the system user talkline (docs/operations.md "Install").
# Configures again first, so a web/public that appeared since is packaged.
package: deps web-deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline
	cd $(BUILD_DIR) && cpack --config CPackConfig.cmake -G DEB -B $(abspath $(BUILD_DIR))/packages
	@ls $(BUILD_DIR)/packages/*.deb

# promtool on deploy/prometheus (config, rules, the rules' unit tests) and the Grafana files.
monitoring: test-deps
	bash scripts/check-monitoring.sh

fuzz-smoke: test-deps
	bash scripts/fuzz.sh 10

fuzz: test-deps
	bash scripts/fuzz.sh $${FUZZ_SECONDS:-300}

# Every talkline-bench scenario against TalkLine and the socket.io peer, cross-node
# included, and attachments against TalkLine alone (6-14 minutes); writes
# bench/results/*.json and bench/RESULTS.md.
# BENCH_ARGS=--quick for a two-minute run.
bench: test-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target talkline talkline-bench
	bash scripts/bench.sh --build-dir $(BUILD_DIR) $(BENCH_ARGS)

# Address+undefined sanitizer build of the unit tests (thread: make sanitize SANITIZE=thread).
# With SANITIZE=thread the chat suite then runs against that build's server on four event
# loops, so the real-time path and the store are checked with several loops at once.
SANITIZE ?= address
sanitize: test-deps
	cmake -S . -B build-$(SANITIZE) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTALKLINE_SANITIZE=$(SANITIZE)
	cmake --build build-$(SANITIZE) -j $(JOBS)
	ctest --test-dir build-$(SANITIZE) --output-on-failure -L unit
	if [ "$(SANITIZE)" = thread ]; then \
	  TSAN_OPTIONS="halt_on_error=1 exitcode=66" TEST_EVENT_LOOPS=4 \
	    TALKLINE_BIN=$(abspath build-$(SANITIZE))/src/talkline node --test tests/e2e/chat/*.test.mjs; \
	fi

lint: test-deps configure
	bash scripts/lint.sh $(BUILD_DIR)

fmt:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) build-address build-thread build-fuzz
