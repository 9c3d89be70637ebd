# The two commands of contract §1, and a few helpers around them.
#   make run    install, build, start the local MariaDB pair and the coordinator, run the
#               pay-vs-cancel demo, and keep serving (Ctrl-C stops the coordinator)
#   make test   install, build, start a private MariaDB pair on free ports, run ctest

BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run test test-unit db-up db-down format chaos bench clean

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	scripts/run

test: build
	scripts/run-tests $(BUILD_DIR)

# Only the tests that need no database.
test-unit: build
	ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j$(JOBS)

db-up: deps
	compose/local/db up

db-down:
	compose/local/db down

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
