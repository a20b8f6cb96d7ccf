# gan-train: common tasks. `make help` lists them.
GO      ?= go
BIN     ?= bin
STUBS   ?= /usr/lib/x86_64-linux-gnu/stubs
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X gan-train/internal/app.Version=$(VERSION)

.PHONY: help build gpu-check-bins cuda run test test-gpu-emu test-gpu-emu-sanitize test-long fuzz bench bench-torch crash-test vet fmt-check deadcode-check check-deploy prom-integration docker test-image ci

help:
	@echo "make run           train the quick preset on the embedded digits and score it (CPU, under two minutes)"
	@echo "make test          the default test suite (go test ./...)"
	@echo "make test-gpu-emu  the CUDA path on the emulated device: every gpu test, kernels/*.cu as host C++ (needs g++)"
	@echo "make test-gpu-emu-sanitize  the same under ThreadSanitizer (barrier races), AddressSanitizer and UBSan"
	@echo "make build         build bin/gan-train (pure Go)"
	@echo "make cuda          build bin/gan-train-cuda and bin/gpu.test (needs cuda.h; links the libcuda stub)"
	@echo "make kernels       regenerate kernels/*.fatbin with nvcc; make kernels-check fails when they are stale,"
	@echo "                   make kernels-ptxas when a kernel does not assemble for sm_90 or spills registers"
	@echo "make bench         CPU benchmarks; make bench-torch compares with PyTorch"
	@echo "make crash-test    SIGKILL a training run 100 times: every restart resumes, metrics.jsonl has no gap"
	@echo "make fuzz          run each fuzz target for FUZZTIME (default 30s)"
	@echo "make check-deploy  promtool, dashboard lint, kubeconform, Dockerfile lint"
	@echo "make docker        build the CUDA image (needs a Docker engine)"
	@echo "make test-image    build the image from local Debian bases and run it, and the compose stack (root; starts its own dockerd)"

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/gan-train ./cmd/gan-train

# The binaries scripts/gpu-check.sh runs on the device machine (which has no
# Go), or with EMU=1 their emulated-device twins for its --dry-run.
gpu-check-bins:
ifeq ($(EMU),1)
	$(GO) generate ./internal/cudaemu
	$(GO) test -c -tags cudaemu -o $(BIN)/gpu-emu.test ./gpu/
	$(GO) build -tags cudaemu -ldflags "$(LDFLAGS)" -o $(BIN)/gan-train-emu ./cmd/gan-train
else
	$(MAKE) cuda
endif

cuda:
	CGO_LDFLAGS=-L$(STUBS) $(GO) build -tags cuda -ldflags "$(LDFLAGS)" -o $(BIN)/gan-train-cuda ./cmd/gan-train
	CGO_LDFLAGS=-L$(STUBS) $(GO) test -c -tags cuda -o $(BIN)/gpu.test ./gpu/

# A fresh run each time; the summary at the end names the pictures and
# scores the samples against real digits. On the CPU, where the README's
# grid and timings come from (and bit for bit what everyone gets).
run: build
	$(BIN)/gan-train train --preset quick --out runs/quick --fresh --eval-at-end --device cpu

test:
	$(GO) test ./...

# The CUDA backend's own launch code driving kernels/*.cu compiled as host
# C++ (internal/cudaemu): conformance, agreement with the CPU, the trainer.
# go generate first: the generated files carry the hash of each .cu file,
# which is how an edited kernel reaches Go's build cache.
test-gpu-emu:
	$(GO) generate ./internal/cudaemu
	$(GO) generate -tags cudaemu ./gpu
	$(GO) test -tags cudaemu -count=1 -timeout 10m $(GOTESTFLAGS) ./internal/cudaemu/ ./gpu/

# Sanitizers on the emulated device. racecheck.cpp runs the barrier-sensitive
# kernels (tiled GEMMs, block reductions) as a C++ program: under
# ThreadSanitizer, where only the emulated barriers order a block's threads,
# so a missing __syncthreads is a reported race; and under AddressSanitizer
# with UBSan. Then a subset of the gpu tests runs under go test -asan with
# ASan and UBSan in the kernels (go test -asan instruments C, not C++, so
# CGO_CXXFLAGS asks for it). The emulator's own fault tests that expect a
# failed launch (a write past an allocation, a shared index out of bounds)
# are left out there: the sanitizers abort the process on those instead.
CXX ?= g++
EMU_SRCS := racecheck.cpp runtime.cpp table_gen.cpp $(notdir $(wildcard internal/cudaemu/k_*.cpp))
# -fcf-protection=none: the fibers' hand-written context switch returns where
# a CET shadow stack does not expect (toolchains that default to CET).
EMU_CXXFLAGS := -std=c++17 -O1 -g -Wno-unknown-pragmas -fcf-protection=none -I.
EMU_UBSAN := -fsanitize=undefined -fno-sanitize-recover=undefined -DGT_EMU_UBSAN_RUNTIME
test-gpu-emu-sanitize:
	@mkdir -p $(BIN)
	cd internal/cudaemu && $(CXX) $(EMU_CXXFLAGS) -fsanitize=thread -o ../../$(BIN)/emu-racecheck-tsan $(EMU_SRCS) -lpthread
	TSAN_OPTIONS=halt_on_error=1 $(BIN)/emu-racecheck-tsan
	cd internal/cudaemu && $(CXX) $(EMU_CXXFLAGS) -fsanitize=address $(EMU_UBSAN) -o ../../$(BIN)/emu-racecheck-asan $(EMU_SRCS) -lpthread
	$(BIN)/emu-racecheck-asan
	CGO_CXXFLAGS="-O1 -g -fsanitize=address $(EMU_UBSAN)" CGO_LDFLAGS="-fsanitize=undefined" $(GO) test -asan -tags cudaemu -count=1 \
		-run 'TestConformance$$|TestCPUAgreement|TestCapture|Test(Shuffles|WarpSum|Votes|CooperativeGrid|DeadlockIsAnError|LaunchChecks|CaptureReplaysInOrder)' \
		./gpu/ ./internal/cudaemu/

test-long:
	$(GO) test -tags long -timeout 60m ./...

FUZZTIME ?= 30s
fuzz:
	$(GO) test -run XXX -fuzz 'FuzzReadIDX$$' -fuzztime $(FUZZTIME) ./internal/data/
	$(GO) test -run XXX -fuzz FuzzReadIDXFile -fuzztime $(FUZZTIME) ./internal/data/
	$(GO) test -run XXX -fuzz FuzzDecodeCheckpoint -fuzztime $(FUZZTIME) ./model/
	$(GO) test -run XXX -fuzz FuzzCheckpointConfig -fuzztime $(FUZZTIME) ./train/

bench:
	$(GO) test -run XXX -bench . -benchtime 2s ./internal/cpu/

bench-torch:
	bash bench/cpu-vs-torch.sh

crash-test: build
	bash bench/crash-test.sh $(BIN)/gan-train

vet:
	$(GO) vet ./...
	CGO_LDFLAGS=-L$(STUBS) $(GO) vet -tags cuda ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# deadcode lists functions that nothing reaches, tests included (issue 11:
# no dead code); it fails when it lists any.
DEADCODE := golang.org/x/tools/cmd/deadcode@v0.39.0
deadcode-check:
	@out=$$($(GO) run $(DEADCODE) -test ./...) || exit 1; if [ -n "$$out" ]; then echo "unreachable functions:"; echo "$$out"; exit 1; fi

check-deploy:
	bash scripts/check-deploy.sh

prom-integration: build
	bash scripts/prom-integration.sh $(BIN)/gan-train

docker:
	docker build -f Dockerfile.cuda -t gan-train -t gan-train:cuda .

test-image:
	bash scripts/test-image.sh

ci:
	bash .ci/run

include kernels/kernels.mk
