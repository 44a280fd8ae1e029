# SPDX-License-Identifier: GPL-2.0
#
# make            nooks.ko and tools/nooksctl/nooksctl, against KDIR
# make check      install missing Debian packages, build, run every test
# make demo       boot the stock kernel in QEMU and show a domain's report
#
# KDIR defaults to the Debian headers of the newest installed linux-image.

KVER ?= $(shell ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V | tail -n 1)
KDIR ?= $(if $(KVER),/lib/modules/$(KVER)/build)
PWD := $(CURDIR)

.PHONY: all module nooksctl wrappers wrapped test-modules test-bins kunit-module check bench campaign demo sparse style clean deps kdir

all: module nooksctl

# Typed wrappers: tools/wrapgen turns wrappers/specs/*.spec and the target
# kernel's BTF into C for nooks.ko, and into the list of wrapped names for
# nooksctl (which needs no BTF). The BTF is NOOKS_VMLINUX_BTF if set, this
# machine's own when it runs KVER, else the stock kernel's, captured once
# from a QEMU guest (tools/testvm/vmlinux-btf.sh); functions of modules
# take theirs from the modules' own BTF. Generated, never committed.
WRAPGEN		:= tools/wrapgen/wrapgen
SPECS		:= $(sort $(wildcard wrappers/specs/*.spec))
WRAPPERS_C	:= wrappers/generated/wrappers.c
WRAPPED_H	:= wrappers/generated/wrapped.h
NOOKS_VMLINUX_BTF ?= $(if $(filter $(KVER),$(shell uname -r)),/sys/kernel/btf/vmlinux)
# The target's modules: prototypes of functions they export (configfs).
NOOKS_MODULES_DIR ?= /lib/modules/$(KVER)/kernel

$(WRAPGEN): $(wildcard tools/wrapgen/*.c tools/wrapgen/*.h tools/wrapgen/Makefile) objtrack/types.h
	$(MAKE) -C tools/wrapgen

ifneq ($(SPECS),)
$(WRAPPERS_C): $(SPECS) $(WRAPGEN) | kdir
	@mkdir -p $(dir $@)
	btf="$(NOOKS_VMLINUX_BTF)"; [ -n "$$btf" ] || btf=$$(tools/testvm/vmlinux-btf.sh); \
	$(WRAPGEN) --btf "$$btf" --symvers $(KDIR)/Module.symvers \
		$(if $(wildcard $(NOOKS_MODULES_DIR)),--modules $(NOOKS_MODULES_DIR)) -o $@ $(SPECS)
else
# A DKMS source tree (/usr/src/nooks-<version>) has the generated file and
# neither the specs nor the generator.
$(WRAPPERS_C):
	@echo "nooks: $@ is missing and there are no specs to generate it from" >&2; exit 1
endif

$(WRAPPED_H): $(SPECS) $(WRAPGEN)
	@mkdir -p $(dir $@)
	$(WRAPGEN) --names -o $@ $(SPECS)

wrappers: $(WRAPPERS_C)
wrapped: $(WRAPPED_H)

kdir:
	@if [ -z "$(KDIR)" ] || [ ! -e "$(KDIR)/Makefile" ]; then \
		echo "nooks: no kernel headers$(if $(KVER), for $(KVER)) (apt-get install linux-image-amd64 linux-headers-amd64, or set KDIR=)" >&2; \
		exit 1; \
	fi

module: kdir $(WRAPPERS_C)
	$(MAKE) -C $(KDIR) M=$(PWD) modules

nooksctl: $(WRAPPED_H)
	$(MAKE) -C tools/nooksctl

# Modules the end-to-end tests load in VMs (never on this machine).
test-modules: kdir
	$(MAKE) -C $(KDIR) M=$(PWD)/tests/modules modules

# Programs the end-to-end tests run in VMs (# testvm-bin: in a scenario).
TEST_BINS := $(patsubst %.c,%,$(wildcard tests/e2e/bin/*.c))
test-bins: $(TEST_BINS)
tests/e2e/bin/%: tests/e2e/bin/%.c
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -pthread -o $@ $<

# nooks.ko and nooks_kunit.ko for the KUnit test kernel, built from a copy
# of the sources so its objects never mix with the stock build's.
kunit-module: $(WRAPPERS_C)
	@tools/testvm/build-kunit-modules.sh

# sparse on our sources; any warning fails.
sparse: kdir $(WRAPPERS_C)
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 CF="-Wsparse-error -D__CHECK_ENDIAN__" modules

style:
	@tests/style.sh

deps:
	@tools/testvm/deps.sh

check:
	@tests/check.sh

# Measurements in a guest (crossings per operation, load times); OUT=DIR.
bench: deps all test-modules
	@tools/testvm/bench.sh $(OUT)

# The SWIFI campaign: DRIVERS="..." TRIALS=N SEED=S OUT=DIR [FAULTS=5]
# [JOBS=N] [PROTECT=1].
campaign: deps all test-modules
	@DRIVERS="$(DRIVERS)" TRIALS="$(TRIALS)" SEED="$(SEED)" OUT="$(OUT)" \
		FAULTS="$(FAULTS)" JOBS="$(JOBS)" PROTECT="$(PROTECT)" \
		tools/testvm/campaign.sh

demo: deps all
	@tools/testvm/demo.sh

clean:
	-[ -n "$(KDIR)" ] && [ -e "$(KDIR)/Makefile" ] && $(MAKE) -C $(KDIR) M=$(PWD) clean
	-[ -n "$(KDIR)" ] && [ -e "$(KDIR)/Makefile" ] && $(MAKE) -C $(KDIR) M=$(PWD)/tests/modules clean
	$(MAKE) -C tools/nooksctl clean
	$(MAKE) -C tools/wrapgen clean
	rm -rf build wrappers/generated $(TEST_BINS)
include install.mk
