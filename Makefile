# cuse-drm top-level build.  See README.md.
#
#   make              all binaries and libraries under build/
#   make test         unit tests (plain, then ASan+UBSan), portability, end-to-end VM test
#   make demo         daemon + modetest + screenshot -> build/demo/scanout.png
#                     (DEMO=kmscube: Mesa's kmscube instead of modetest)
#                     (DEMO=virtio: our virtio_gpu driver on the VM's VFIO virtio-gpu; QEMU's screendump
#                      of it -> build/demo/virtio-screendump.png)
#                     (DEMO=virgl: kmscube on Mesa's virgl through our driver on the VM's virtio-gpu-gl;
#                      drmctl screenshot -> build/demo/virgl-kmscube.png)
#   make portability  core/ and drivers/ against C11 + DRM uAPI headers only
#   make fuzz         libFuzzer over the core's ioctl dispatch (FUZZ_SECONDS=N, default 60)
#   make bench        benchmarks, ours against the kernel's drivers in one VM run
#                     (QUICK=1: a smoke run of every case, part of make test)
#   make valgrind     the end-to-end suite in the VM with every daemon under valgrind memcheck
#   make tsan         the same with the daemon built with ThreadSanitizer (build/tsan/cuse-drm)

CC      ?= gcc
B       := build
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror
PKGS    := fuse3 libdrm libpng pciaccess
# core/ and drivers/ are pure C11: no _GNU_SOURCE, no OS headers (see `make portability`).
CORE_CFLAGS := -std=c11 $(WARN) $(OPT) -I. -Icore $(shell pkg-config --cflags-only-I libdrm)
# The Linux side may use POSIX and GNU interfaces.
OS_CFLAGS   := -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -I. -Icore -Ivfio -Icuse-drm $(shell pkg-config --cflags $(PKGS))
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CORE_SRC     := $(wildcard core/*.c) $(wildcard drivers/*.c) $(wildcard drivers/*/*.c)
PLATFORM_SRC := $(wildcard vfio/*.c)
DAEMON_SRC   := $(wildcard cuse-drm/*.c)
SHIM_SRC     := $(wildcard cuse-drm/shim/*.c)
DRMCTL_SRC   := $(wildcard tools/drmctl/*.c)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
UNIT_COMMON  := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

obj = $(patsubst %.c,$(B)/obj/$(1)/%.o,$(2))

CORE_OBJ      := $(call obj,plain,$(CORE_SRC))
CORE_OBJ_SAN  := $(call obj,san,$(CORE_SRC))
PLAT_OBJ      := $(call obj,plain,$(PLATFORM_SRC))
PLAT_OBJ_SAN  := $(call obj,san,$(PLATFORM_SRC))
DAEMON_OBJ    := $(call obj,plain,$(DAEMON_SRC))
SHIM_OBJ      := $(call obj,pic,$(SHIM_SRC))
DRMCTL_OBJ    := $(call obj,plain,$(DRMCTL_SRC))
UNITC_OBJ     := $(call obj,plain,$(UNIT_COMMON))
UNITC_OBJ_SAN := $(call obj,san,$(UNIT_COMMON))

UNIT_BINS     := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
UNIT_BINS_SAN := $(patsubst tests/unit/%.c,$(B)/tests/san/%,$(UNIT_SRC))

BINS := $(B)/cuse-drm $(B)/libcuse-drm-shim.so $(B)/drmctl

.PHONY: all deps test unit unit-san portability demo vm-test igt conformance bench bench-bins stress clean
all: $(BINS) $(UNIT_BINS)

# --- objects ---------------------------------------------------------------
$(B)/obj/plain/core/%.o: core/%.c ; @mkdir -p $(@D); $(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(B)/obj/plain/drivers/%.o: drivers/%.c ; @mkdir -p $(@D); $(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(B)/obj/san/core/%.o: core/%.c ; @mkdir -p $(@D); $(CC) $(CORE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/obj/san/drivers/%.o: drivers/%.c ; @mkdir -p $(@D); $(CC) $(CORE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/obj/plain/%.o: %.c ; @mkdir -p $(@D); $(CC) $(OS_CFLAGS) -MMD -MP -c $< -o $@
$(B)/obj/san/%.o: %.c ; @mkdir -p $(@D); $(CC) $(OS_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@
$(B)/obj/pic/%.o: %.c ; @mkdir -p $(@D); $(CC) $(OS_CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(B)/libdrmcore.a: $(CORE_OBJ) ; @rm -f $@; ar rcs $@ $^
$(B)/libdrmcore-san.a: $(CORE_OBJ_SAN) ; @rm -f $@; ar rcs $@ $^

# --- binaries --------------------------------------------------------------
$(B)/cuse-drm: $(DAEMON_OBJ) $(B)/libdrmcore.a $(PLAT_OBJ)
	$(CC) -o $@ $(DAEMON_OBJ) $(B)/libdrmcore.a $(PLAT_OBJ) $(shell pkg-config --libs fuse3 pciaccess) -lpthread

$(B)/libcuse-drm-shim.so: $(SHIM_OBJ)
	$(CC) -shared -o $@ $^ -ldl

# drmctl links the shim first, so its mmap of dumb buffers on cuse-drm nodes works without LD_PRELOAD.
# The platform objects give it PCI enumeration and vfio-pci binding (devices, bind, unbind).
$(B)/drmctl: $(DRMCTL_OBJ) $(B)/libcuse-drm-shim.so $(PLAT_OBJ)
	$(CC) -o $@ $(DRMCTL_OBJ) -L$(B) -Wl,-rpath,'$$ORIGIN' -Wl,--no-as-needed -lcuse-drm-shim -Wl,--as-needed $(PLAT_OBJ) $(shell pkg-config --libs libdrm libpng pciaccess) -lpthread

# --- unit tests (cmocka), plain and with ASan+UBSan ------------------------
$(B)/tests/%: $(B)/obj/plain/tests/unit/%.o $(UNITC_OBJ) $(B)/libdrmcore.a $(PLAT_OBJ)
	@mkdir -p $(@D); $(CC) -o $@ $^ -lcmocka -lpthread $(shell pkg-config --libs pciaccess)
$(B)/tests/san/%: $(B)/obj/san/tests/unit/%.o $(UNITC_OBJ_SAN) $(B)/libdrmcore-san.a $(PLAT_OBJ_SAN)
	@mkdir -p $(@D); $(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lpthread $(shell pkg-config --libs pciaccess)

# test_vkms_composer checks the composer against pixman and zlib, so only it links them.
VKMS_COMPOSER_ORACLES := pixman-1 zlib
$(B)/obj/plain/tests/unit/test_vkms_composer.o $(B)/obj/san/tests/unit/test_vkms_composer.o: \
	OS_CFLAGS += $(shell pkg-config --cflags $(VKMS_COMPOSER_ORACLES) 2>/dev/null)
$(B)/tests/test_vkms_composer: $(B)/obj/plain/tests/unit/test_vkms_composer.o $(UNITC_OBJ) $(B)/libdrmcore.a $(PLAT_OBJ)
	@mkdir -p $(@D); $(CC) -o $@ $^ -lcmocka -lpthread $(shell pkg-config --libs $(VKMS_COMPOSER_ORACLES) pciaccess)
$(B)/tests/san/test_vkms_composer: $(B)/obj/san/tests/unit/test_vkms_composer.o $(UNITC_OBJ_SAN) $(B)/libdrmcore-san.a $(PLAT_OBJ_SAN)
	@mkdir -p $(@D); $(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lpthread $(shell pkg-config --libs $(VKMS_COMPOSER_ORACLES) pciaccess)

# test_virtio_gpu brings its own core/platform_pci.h (tests/virtio_model: a simulated virtio-gpu device
# behind a fake PCI function), so it links the Linux platform without vfio/vfio_pci.o.
VIRTIO_MODEL_PLAT     := $(filter-out %/vfio_pci.o,$(PLAT_OBJ)) $(B)/obj/plain/tests/virtio_model/virtio_gpu_model.o
VIRTIO_MODEL_PLAT_SAN := $(filter-out %/vfio_pci.o,$(PLAT_OBJ_SAN)) $(B)/obj/san/tests/virtio_model/virtio_gpu_model.o
$(B)/tests/test_virtio_gpu: $(B)/obj/plain/tests/unit/test_virtio_gpu.o $(UNITC_OBJ) $(B)/libdrmcore.a $(VIRTIO_MODEL_PLAT)
	@mkdir -p $(@D); $(CC) -o $@ $^ -lcmocka -lpthread $(shell pkg-config --libs pciaccess)
$(B)/tests/san/test_virtio_gpu: $(B)/obj/san/tests/unit/test_virtio_gpu.o $(UNITC_OBJ_SAN) $(B)/libdrmcore-san.a $(VIRTIO_MODEL_PLAT_SAN)
	@mkdir -p $(@D); $(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka -lpthread $(shell pkg-config --libs pciaccess)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS) $(CUSE_IOCTL_TEST); do echo "== $$t"; $$t; done
unit-san: $(UNIT_BINS_SAN)
	@set -e; for t in $(UNIT_BINS_SAN) $(CUSE_IOCTL_TEST_SAN); do echo "== $$t (asan+ubsan)"; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

# --- portability: core/ and drivers/ see only C11 + DRM uAPI + project headers
portability:
	@tests/portability/check.sh

# --- end-to-end in the test VM ----------------------------------------------
# --kernel-drm: the kernel's vgem, virtio_gpu and bochs-drm run beside ours as oracles.
# igt: test_vkms_atomic_e2e runs kms_atomic subtests on a two-pipe vkms.
vm-test: all igt
	tests/vm/run --kernel-drm -- /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/python
	# Host side: tests that need the QEMU monitor (screendump) boot the VM themselves.
	/usr/bin/python3 -m pytest -v -p no:cacheprovider tests/host

# Missing Debian packages (tests/deps.txt) are installed first, so a fresh machine needs nothing else.
deps:
	@tests/deps.sh

# --- IGT-style tests, and the kernel's vgem against ours in one VM boot
igt:
	$(MAKE) -f igt-subset/Makefile
conformance: all igt
	tests/conformance/run --no-build

test: deps
	$(MAKE) all
	$(MAKE) unit unit-san portability vm-test conformance
	$(MAKE) fuzz FUZZ_SECONDS=60
	$(MAKE) stress STRESS_SECONDS=60
	$(MAKE) bench QUICK=1

# Many clients at once, killed at random; then every count back to its baseline (issue 7).
STRESS_SECONDS ?= 60
stress: all igt bench-bins
	tests/vm/run -- /usr/bin/python3 tests/stress/stress.py --seconds $(STRESS_SECONDS)

# One VM boot: each case against the kernel's driver and against ours, alternating rounds.
bench: all bench-bins
	rm -f $(B)/vm/out/bench-results.json
	tests/vm/run --kernel-drm --timeout 2400 -- /usr/bin/python3 bench/run $(if $(QUICK),--quick)
	@mkdir -p $(B)/bench; cp $(B)/vm/out/bench-results.json $(B)/bench/results.json
	@echo "bench: $(B)/bench/results.json"

demo: deps
	$(MAKE) all
	@DEMO=$(DEMO) tests/demo.sh

clean:
	rm -rf $(B)/obj $(B)/tests $(B)/*.a $(BINS) $(B)/igt $(B)/conformance

# Keep objects make would otherwise delete as intermediates (saves rebuilds).
.SECONDARY:

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# --- CUSE ioctl test: includes cuse-drm/ioctl.c and stubs libfuse's replies and the core itself,
# so it links neither libdrmcore nor tests/unit/harness.c.  Objects come from the OS-side rules above.
CUSE_IOCTL_TEST     := $(B)/tests/test_cuse_ioctl
CUSE_IOCTL_TEST_SAN := $(B)/tests/san/test_cuse_ioctl
$(CUSE_IOCTL_TEST): $(B)/obj/plain/tests/unit/cuse/test_cuse_ioctl.o
	@mkdir -p $(@D); $(CC) -o $@ $^ -lcmocka
$(CUSE_IOCTL_TEST_SAN): $(B)/obj/san/tests/unit/cuse/test_cuse_ioctl.o
	@mkdir -p $(@D); $(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka
unit: $(CUSE_IOCTL_TEST)
unit-san: $(CUSE_IOCTL_TEST_SAN)

# --- test clients (tests/python): small C programs run under the shim and against kernel nodes
$(B)/prime-client: tests/python/clients/prime_client.c
	@mkdir -p $(@D); $(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -o $@ $< -lpthread $(shell pkg-config --cflags --libs libdrm)
all: $(B)/prime-client

# --- benchmarks (bench/): plain libdrm clients, and the bare CUSE node of case 1's floor
BENCH_PROGS := $(patsubst bench/%.c,$(B)/bench/%,$(filter-out bench/cuse_floor.c,$(wildcard bench/*.c)))
$(B)/bench/%: bench/%.c bench/bench.h
	@mkdir -p $(@D); $(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -o $@ $< $(shell pkg-config --cflags --libs libdrm)
$(B)/bench/cuse_floor: bench/cuse_floor.c
	@mkdir -p $(@D); $(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -o $@ $< $(shell pkg-config --cflags --libs fuse3 libdrm)
bench-bins: $(BENCH_PROGS) $(B)/bench/cuse_floor

# --- the permission matrix's client (tests/python/test_permission_matrix.py): every DRM_IOCTL_*
# of libdrm's drm.h, listed from the header itself (state changers last)
DRM_H := $(shell pkg-config --variable=includedir libdrm)/libdrm/drm.h
$(B)/perm/perm_ioctls.h: $(DRM_H)
	@mkdir -p $(@D); { echo 'struct perm_ioctl { const char *name; unsigned long nr; };'; \
	  echo 'static const struct perm_ioctl perm_ioctls[] = {'; \
	  sed -n 's/^#define \(DRM_IOCTL_[A-Z0-9_]*\)[[:space:]]*DRM_IO.*/\1/p' $< | grep -v -e '_SET_MASTER$$' -e '_DROP_MASTER$$' | \
	    sed 's/.*/\t{ "&", & },/'; \
	  echo '\t{ "DRM_IOCTL_DROP_MASTER", DRM_IOCTL_DROP_MASTER },'; \
	  echo '\t{ "DRM_IOCTL_SET_MASTER", DRM_IOCTL_SET_MASTER },'; echo '};'; } > $@
$(B)/perm-matrix: tests/perm/perm_matrix.c $(B)/perm/perm_ioctls.h
	@mkdir -p $(@D); $(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -I$(B)/perm -o $@ $< $(shell pkg-config --cflags libdrm)
all: $(B)/perm-matrix

# --- VFIO probe (tests/python/test_vfio_e2e.py): opens a PCI device through core/platform_pci.h
$(B)/vfio-probe: $(B)/obj/plain/tests/vm/vfio_probe.o $(PLAT_OBJ)
	@mkdir -p $(@D); $(CC) -o $@ $^ $(shell pkg-config --libs pciaccess) -lpthread
all: $(B)/vfio-probe

# --- make fuzz: libFuzzer over the core's ioctl dispatch (tests/fuzz/fuzz_exec.c) -----------------
# clang builds core/ and drivers/ with coverage, ASan and UBSan into build/fuzz/, on the
# deterministic platform tests/fuzz/platform_fuzz.c (no timer threads), whose PCI function is the
# simulated virtio-gpu of tests/virtio_model, run synchronously.  The committed
# regressions replay first and must pass; then one fuzzing process runs FUZZ_SECONDS over a
# copy of the committed seed corpus (new inputs land in build/fuzz/corpus, crashes in
# build/fuzz/artifacts).  The last run's figures go to build/fuzz/last-run.txt.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_B       := $(B)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 $(WARN) -g -O1 -I. -Icore $(shell pkg-config --cflags-only-I libdrm) $(FUZZ_SAN)
FUZZ_SRC     := $(CORE_SRC) tests/fuzz/fuzz_exec.c tests/fuzz/platform_fuzz.c tests/virtio_model/virtio_gpu_model.c
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(FUZZ_SRC))

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(@D); $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_B)/fuzz_ioctl: $(FUZZ_OBJ) tests/fuzz/fuzz_ioctl.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_ioctl.c $(FUZZ_OBJ)
# The seed corpus generator runs its inputs through the same executor (no fuzzing engine).
$(FUZZ_B)/gen_corpus: $(FUZZ_OBJ) tests/fuzz/gen_corpus.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -o $@ tests/fuzz/gen_corpus.c $(FUZZ_OBJ)

.PHONY: fuzz fuzz-corpus
fuzz: $(FUZZ_B)/fuzz_ioctl
	@set -e; if ls tests/fuzz/regressions/* >/dev/null 2>&1; then \
		echo "fuzz: replaying tests/fuzz/regressions"; \
		$(FUZZ_B)/fuzz_ioctl tests/fuzz/regressions/* 2>$(FUZZ_B)/regressions.log || \
			{ tail -n 40 $(FUZZ_B)/regressions.log; exit 1; }; fi
	@rm -rf $(FUZZ_B)/corpus; mkdir -p $(FUZZ_B)/corpus $(FUZZ_B)/artifacts
	@cp tests/fuzz/corpus/* $(FUZZ_B)/corpus/
	@echo "fuzz: $(FUZZ_SECONDS) s, one process, log in $(FUZZ_B)/fuzz.log"
	@$(FUZZ_B)/fuzz_ioctl -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_B)/artifacts/ $(FUZZ_B)/corpus >$(FUZZ_B)/fuzz.log 2>&1 || \
		{ tail -n 60 $(FUZZ_B)/fuzz.log; echo "fuzz: crash, see $(FUZZ_B)/artifacts"; exit 1; }
	@{ grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_B)/fuzz.log | tail -n 1; \
	   grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' $(FUZZ_B)/fuzz.log; \
	   echo "corpus: $$(ls $(FUZZ_B)/corpus | wc -l) inputs (seed: $$(ls tests/fuzz/corpus | wc -l))"; \
	 } | tee $(FUZZ_B)/last-run.txt

# Regenerate the committed seed corpus (tests/fuzz/corpus) from scripted, checked runs.
-include $(shell find $(FUZZ_B)/obj -name '*.d' 2>/dev/null)

fuzz-corpus: $(FUZZ_B)/gen_corpus
	rm -rf tests/fuzz/corpus; mkdir -p tests/fuzz/corpus
	$(FUZZ_B)/gen_corpus tests/fuzz/corpus

# --- VIRGL 3D probe (tests/host/test_virgl.py): the virtgpu uAPI on the kernel's virtio_gpu and ours
$(B)/virgl-probe: tests/virgl/virgl_probe.c drivers/virtio/virtgpu_uapi.h
	@mkdir -p $(@D); $(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -I. -o $@ $< $(shell pkg-config --cflags libdrm)
all: $(B)/virgl-probe
# Stock Mesa renders a known GLES2 scene offscreen (GBM + surfaceless EGL) and prints the pixels read back.
GLES_PKGS := gbm egl glesv2
$(B)/gles-render: tests/virgl/gles_render.c
	@mkdir -p $(@D); $(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE -o $@ $< $(shell pkg-config --cflags --libs $(GLES_PKGS))
all: $(B)/gles-render

# --- make valgrind / make tsan: the whole end-to-end suite (tests/python) in the VM with every
# daemon it starts under a checker (tests/python/conftest.py: daemon_argv).  A daemon whose
# checker found anything fails the test that stopped it, with the report; the reports stay in
# build/vm/out/check-<checker>/ and the session's totals in its summary.txt.
#   make valgrind   memcheck: --error-exitcode, --leak-check=full, definite and possible leaks are errors
#   make tsan       ThreadSanitizer on build/tsan/cuse-drm (clang -fsanitize=thread); helgrind and DRD
#                   do not model C11 atomics, which the daemon's threads synchronise with
# CHECK_TESTS=FILES: only those test files (default: the whole suite).
CHECK_TESTS ?= tests/python
TSAN_B     := $(B)/tsan
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer -g -O1
$(TSAN_B)/obj/core/%.o: core/%.c ; @mkdir -p $(@D); $(FUZZ_CC) $(CORE_CFLAGS) $(TSAN_FLAGS) -MMD -MP -c $< -o $@
$(TSAN_B)/obj/drivers/%.o: drivers/%.c ; @mkdir -p $(@D); $(FUZZ_CC) $(CORE_CFLAGS) $(TSAN_FLAGS) -MMD -MP -c $< -o $@
$(TSAN_B)/obj/%.o: %.c ; @mkdir -p $(@D); $(FUZZ_CC) $(OS_CFLAGS) $(TSAN_FLAGS) -MMD -MP -c $< -o $@
TSAN_OBJ := $(patsubst %.c,$(TSAN_B)/obj/%.o,$(CORE_SRC) $(PLATFORM_SRC) $(DAEMON_SRC))
$(TSAN_B)/cuse-drm: $(TSAN_OBJ)
	$(FUZZ_CC) $(TSAN_FLAGS) -o $@ $^ $(shell pkg-config --libs fuse3 pciaccess) -lpthread

.PHONY: valgrind tsan
valgrind tsan: CHECKER = $(if $(filter valgrind,$@),memcheck,tsan)
valgrind: all igt
tsan: all igt $(TSAN_B)/cuse-drm
valgrind tsan:
	rm -rf $(B)/vm/out/check-$(CHECKER)
	tests/vm/run --kernel-drm --timeout 5400 -- env CUSE_DRM_CHECK=$(CHECKER) CUSE_DRM_CHECK_DIR=$(CURDIR)/$(B)/vm/out/check-$(CHECKER) \
		/usr/bin/python3 -m pytest -v -p no:cacheprovider $(CHECK_TESTS)
	@cat $(B)/vm/out/check-$(CHECKER)/summary.txt
-include $(shell find $(TSAN_B)/obj -name '*.d' 2>/dev/null)
