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

.PHONY: all module nooksctl test-modules kunit-module check bench demo sparse style clean deps kdir

all: module nooksctl

kdir:
	@if [ -z "$(KDIR)" ] || [ ! -e "$(KDIR)/Makefile" ]; then \
		echo "nooks: no kernel headers$(if $(KVER), for $(KVER)) (apt-get install linux-image-amd64 linux-headers-amd64, or set KDIR=)" >&2; \
		exit 1; \
	fi

module: kdir
	$(MAKE) -C $(KDIR) M=$(PWD) modules

nooksctl:
	$(MAKE) -C tools/nooksctl

# Modules the end-to-end tests load in VMs (never on this machine).
test-modules: kdir
	$(MAKE) -C $(KDIR) M=$(PWD)/tests/modules modules

# nooks.ko and nooks_kunit.ko for the KUnit test kernel, built from a copy
# of the sources so its objects never mix with the stock build's.
kunit-module:
	@tools/testvm/build-kunit-modules.sh

# sparse on our sources; any warning fails.
sparse: kdir
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 CF="-Wsparse-error -D__CHECK_ENDIAN__" modules

style:
	@tests/style.sh

deps:
	@tools/testvm/deps.sh

check:
	@tests/check.sh

# Measurements in a guest (crossings per operation, load times); OUT=DIR.
bench: deps all
	@tools/testvm/bench.sh $(OUT)

demo: deps all
	@tools/testvm/demo.sh

clean:
	-[ -n "$(KDIR)" ] && [ -e "$(KDIR)/Makefile" ] && $(MAKE) -C $(KDIR) M=$(PWD) clean
	-[ -n "$(KDIR)" ] && [ -e "$(KDIR)/Makefile" ] && $(MAKE) -C $(KDIR) M=$(PWD)/tests/modules clean
	$(MAKE) -C tools/nooksctl clean
	rm -rf build
include install.mk
