# schemashift: the conventional entry points. Each target does its own prerequisites, so any
# of them works on a fresh machine.
BUILD_DIR ?= build
JOBS      ?= $(shell nproc)
CMAKE_ARGS ?=
SCENARIO  ?=
SIZE      ?= small

.PHONY: all setup tools configure build images services test unit integration demo stack-up stack-down stack-status \
        bench faults format clean

all: build

setup:                       ## install the Debian packages (idempotent)
	@bash hack/setup.sh

tools: setup                 ## build/fetch Kubernetes, etcd, kwok, helm, Kafka, Apicurio, Flux into the cache
	@bash hack/tools.sh all

$(BUILD_DIR)/build.ninja:
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_ARGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure             ## compile; binaries land in build/bin/
	@cmake --build $(BUILD_DIR) -j $(JOBS)

images: configure            ## the project's images (operator, smoke-server, the three services) into build/images; imported into a running real node
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target schemashift-operator smoke-server \
	  customers-service orders-service fulfillment-service
	@bash hack/image.sh all $(BUILD_DIR)

services: configure          ## after stack-up: the three services' images and charts on the real node (namespace shop)
	@JOBS=$(JOBS) bash hack/services.sh up $(BUILD_DIR)

test: build tools            ## everything: unit tests, then the integration suite on its own stack
	@cd $(BUILD_DIR) && ctest --output-on-failure --timeout 3000

unit: build                  ## unit tests only (no components needed)
	@cd $(BUILD_DIR) && ctest --output-on-failure -L unit

integration: build tools     ## integration tests only
	@cd $(BUILD_DIR) && ctest --output-on-failure -L integration --timeout 3000

demo: build                  ## the stack, the services, then the eight scenarios safe and naive, measured (SCENARIO=N, SIZE=full)
	@SCENARIO=$(SCENARIO) SIZE=$(SIZE) bash hack/demo.sh

stack-up:                    ## start the local stack (.stack/), idempotent
	@bash hack/stack.sh up

stack-down:                  ## stop the local stack; leaves no process behind
	@bash hack/stack.sh down

stack-status:
	@bash hack/stack.sh status

bench: build                 ## run the benchmark programs; JSON lands in build/bench/<id>.json
	@bash hack/bench.sh $(BUILD_DIR)

faults: build tools          ## the fault matrix (docs/reliability.md): build/faults/summary.{json,md}
	@bash hack/faults.sh $(BUILD_DIR)

format:                      ## rewrite C++ files with clang-format
	@git ls-files --cached --others --exclude-standard '*.cpp' '*.h' | xargs -r clang-format -i

clean:
	@rm -rf $(BUILD_DIR)
