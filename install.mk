# SPDX-License-Identifier: GPL-2.0
#
# Installation, for the top Makefile (it includes this file after it has
# set KVER, KDIR and PWD; "make -f Makefile -f install.mk TARGET" works
# too). Build first, as yourself; install as root:
#
#   make && sudo make install
#	nooks.ko    $(DESTDIR)/lib/modules/$(KVER)/updates/nooks.ko,
#		    then depmod -a $(KVER) (not with DESTDIR)
#	nooksctl    $(DESTDIR)$(PREFIX)/sbin/nooksctl
#	man page    $(DESTDIR)$(PREFIX)/share/man/man8/nooksctl.8
#	completion  $(DESTDIR)$(BASHCOMPDIR)/nooksctl
#   sudo make uninstall
#	removes those four files (the module of $(KVER)), then depmod
#   sudo make dkms-install
#	copies the module's sources (with the generated wrappers, whose
#	specs and generator stay here) to /usr/src/nooks-<version>, runs
#	dkms add, build and install for $(KVER) (DKMS then rebuilds nooks.ko
#	for each 6.1 kernel installed later), and installs nooksctl, its man
#	page and completion as "make install" does
#   sudo make dkms-uninstall
#	dkms remove --all, removes /usr/src/nooks-<version> and the files
#	of nooksctl
#
# PREFIX defaults to /usr/local. BASHCOMPDIR defaults to
# $(PREFIX)/share/bash-completion/completions, where bash-completion
# finds it for PREFIX /usr/local and /usr (its default XDG_DATA_DIRS is
# /usr/local/share:/usr/share); with another PREFIX, set
# BASHCOMPDIR=/usr/share/bash-completion/completions. DESTDIR stages
# everything under a directory (packaging, tests): no root needed, no
# depmod. KVER defaults to the newest /boot/vmlinuz-*; nooks.ko must have
# been built for it (make KVER=... install otherwise).

# Included before the Makefile's first target, this file must not take
# the default goal: see the end.
nooks_default_goal := $(.DEFAULT_GOAL)

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
INSTALL		?= install
DEPMOD		?= depmod
DKMS		?= dkms

nooks_ko	= $(PWD)/nooks.ko
nooks_moddir	= /lib/modules/$(KVER)/updates
nooksctl_dir	= $(PWD)/tools/nooksctl
# The one version of the package, also core/main.c's MODULE_VERSION.
nooks_version	= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(PWD)/dkms.conf)
nooks_dkms_src	= /usr/src/nooks-$(nooks_version)
# What DKMS needs to build nooks.ko (tests/kunit: for a kernel with KUnit).
nooks_dkms_files = Kbuild Makefile install.mk dkms.conf
nooks_dkms_dirs	= core domains objtrack recovery arch wrappers include tests/kunit

# The module's sources, what DKMS builds, into $(1).
define nooks_dkms_copy
$(INSTALL) -d -m 755 "$(1)"
cd "$(PWD)" && $(INSTALL) -m 644 $(nooks_dkms_files) "$(1)/"
cd "$(PWD)" && find $(nooks_dkms_dirs) -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.S' -o -name '*.inc' \) \
	-exec $(INSTALL) -D -m 644 {} "$(1)/{}" \;
endef

# nooksctl, its man page and its completion (install-tools, dkms-install).
# Take the module's DKMS registration and sources out, if there are any.
define nooks_dkms_remove
@if [ -z "$(nooks_version)" ]; then \
	echo "nooks: no PACKAGE_VERSION in $(PWD)/dkms.conf" >&2; \
	exit 1; \
fi
if [ -n "$$($(DKMS) status -m nooks -v $(nooks_version))" ]; then \
	$(DKMS) remove -m nooks -v $(nooks_version) --all; \
fi
rm -rf "$(nooks_dkms_src)"
endef

define nooks_install_tools
@if [ ! -x "$(nooksctl_dir)/nooksctl" ]; then \
	echo "nooks: $(nooksctl_dir)/nooksctl is not built (run make first, as yourself)" >&2; \
	exit 1; \
fi
$(INSTALL) -d -m 755 "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(MANDIR)/man8" \
	"$(DESTDIR)$(BASHCOMPDIR)"
$(INSTALL) -m 755 "$(nooksctl_dir)/nooksctl" "$(DESTDIR)$(SBINDIR)/nooksctl"
$(INSTALL) -m 644 "$(nooksctl_dir)/nooksctl.8" "$(DESTDIR)$(MANDIR)/man8/nooksctl.8"
$(INSTALL) -m 644 "$(nooksctl_dir)/bash-completion/nooksctl" \
	"$(DESTDIR)$(BASHCOMPDIR)/nooksctl"
endef

.PHONY: install uninstall dkms-install dkms-uninstall dkms-src \
	install-module install-tools uninstall-module uninstall-tools \
	install-kver

install: install-module install-tools

uninstall: uninstall-module uninstall-tools

install-kver:
	@if [ -z "$(KVER)" ]; then \
		echo "nooks: no kernel version (no /boot/vmlinuz-*): set KVER=" >&2; \
		exit 1; \
	fi

# nooks.ko's vermagic names the kernel it was built for: it must be KVER.
install-module: install-kver
	@if [ ! -f "$(nooks_ko)" ]; then \
		echo "nooks: $(nooks_ko) is not built (run make first, as yourself)" >&2; \
		exit 1; \
	fi
	@built=$$(tr '\0' '\n' < "$(nooks_ko)" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -n 1); \
	if [ -n "$$built" ] && [ "$$built" != "$(KVER)" ]; then \
		echo "nooks: nooks.ko was built for $$built, not KVER=$(KVER) (make KVER=$$built install, or rebuild with KVER=$(KVER))" >&2; \
		exit 1; \
	fi
	$(INSTALL) -d -m 755 "$(DESTDIR)$(nooks_moddir)"
	$(INSTALL) -m 644 "$(nooks_ko)" "$(DESTDIR)$(nooks_moddir)/nooks.ko"
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

install-tools:
	$(nooks_install_tools)

uninstall-module: install-kver
	rm -f "$(DESTDIR)$(nooks_moddir)/nooks.ko"
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

uninstall-tools:
	rm -f "$(DESTDIR)$(SBINDIR)/nooksctl" \
		"$(DESTDIR)$(MANDIR)/man8/nooksctl.8" \
		"$(DESTDIR)$(BASHCOMPDIR)/nooksctl"

# DKMS works on the running system only: no DESTDIR. A copy from an
# earlier "make install" would compete with DKMS's: it goes first.
dkms-install: install-kver nooksctl wrappers
	@if [ -n "$(DESTDIR)" ]; then \
		echo "nooks: dkms-install installs into this system; DESTDIR is for make install" >&2; \
		exit 1; \
	fi
	$(nooks_dkms_remove)
	$(call nooks_dkms_copy,$(nooks_dkms_src))
	rm -f "$(nooks_moddir)/nooks.ko"
	$(DKMS) add -m nooks -v $(nooks_version)
	$(DKMS) build -m nooks -v $(nooks_version) -k $(KVER)
	$(DKMS) install -m nooks -v $(nooks_version) -k $(KVER)
	$(nooks_install_tools)

# The sources DKMS builds from, copied to DKMS_SRC (tests/user/docs_test.sh
# builds them with dkms in a tree of its own).
dkms-src: wrappers
	@if [ -z "$(DKMS_SRC)" ]; then \
		echo "nooks: dkms-src copies the sources DKMS needs to DKMS_SRC=DIR" >&2; \
		exit 1; \
	fi
	$(call nooks_dkms_copy,$(DKMS_SRC))

dkms-uninstall: uninstall-tools
	$(nooks_dkms_remove)

ifeq ($(nooks_default_goal),)
.DEFAULT_GOAL :=
endif
