# SPDX-License-Identifier: GPL-2.0
# Bad input to nooksctl load: each case is one line on stderr, a non-zero
# exit, no domain left behind, and nothing in the kernel log worse than
# the kernel's own refusal (the host checks the console).
# testvm-modules: dummy
# testvm-ko: build/kunit/nooks_kunit.ko tests/modules/nooks_test_getuser.ko
# testvm-ko: tests/modules/nooks_test_badmanifest.ko
# testvm-timeout: 300

# load_fails DESCRIPTION REGEX ARGS...: nooksctl ARGS fails with one
# stderr line matching REGEX and leaves no domain.
load_fails() {
	local desc=$1 re=$2 err rc
	shift 2
	err=$(nooksctl "$@" 2>&1 >/dev/null)
	rc=$?
	check "$desc: exits non-zero" [ $rc != 0 ]
	check_eq "$desc: one line on stderr" 1 "$(printf '%s\n' "$err" | wc -l)"
	check_match "$desc: says why" "$re" "$err"
	check_eq "$desc: no domain left" "" "$(nooksctl list)"
}

dummy=/lib/modules/$NOOKS_KVER/kernel/drivers/net/dummy.ko

load_fails "without nooks.ko" "nooks module not loaded" load dummy
check "insmod nooks.ko" insmod /nooks/nooks.ko $NOOKS_PARAMS

head -c 4096 $dummy > /tmp/truncated.ko
load_fails "truncated module" "cannot rewrite /tmp/truncated.ko" \
	load /tmp/truncated.ko
echo "not a module" > /tmp/text.ko
load_fails "non-ELF file" "cannot rewrite /tmp/text.ko" load /tmp/text.ko
load_fails "module built for another kernel" \
	"nooks_kunit.ko was built for kernel '6\\.1\\.[0-9]+', this kernel is $NOOKS_KVER" \
	load /nooks/nooks_kunit.ko
load_fails "unknown module name" "no module 'no_such_driver'" \
	load no_such_driver
load_fails "missing file" "no module file /tmp/none.ko" load /tmp/none.ko
load_fails "import no gate can handle" "__get_user_4" \
	load /nooks/nooks_test_getuser.ko
check_fails "check refuses it too" nooksctl check /nooks/nooks_test_getuser.ko
check_match "check names the import" "__get_user_4 +unsupported" \
	"$(nooksctl check /nooks/nooks_test_getuser.ko 2>/dev/null)"

check "modprobe dummy natively" modprobe dummy
load_fails "module already loaded" "already loaded" load dummy
check "rmmod dummy" rmmod dummy

# A domain reserved for a module refuses one that was not rewritten.
check "domain create dummy --load" nooksctl domain create dummy --load
check_fails "native modprobe into a waiting domain refused" modprobe dummy
check_match "the kernel said why" "dummy: domain dummy waits for this module, but it was not rewritten" \
	"$(dmesg | tail -n 5)"
check_eq "domain still stopped" stopped "$(sysfs_domain dummy state)"
check "domain destroy dummy" nooksctl domain destroy dummy

# A module claiming a domain with a manifest that misses an import, and
# one with a manifest that no domain waits for: the kernel refuses both.
bad=nooks_test_badmanifest
check "domain create $bad --load" nooksctl domain create $bad --load
check_fails "manifest missing an import refused" insmod /nooks/$bad.ko
check_match "the kernel named the import" \
	"$bad: imports _printk, which nooksctl did not wrap" "$(dmesg | tail -n 5)"
check_eq "its domain stays stopped" stopped "$(sysfs_domain $bad state)"
check "domain destroy $bad" nooksctl domain destroy $bad
check_fails "rewritten module with no waiting domain refused" \
	insmod /nooks/$bad.ko
check_match "the kernel said so" "$bad: rewritten for a nooks domain, but none waits for it" \
	"$(dmesg | tail -n 5)"

# After all that, a good load still works.
check "load dummy" nooksctl load dummy
check "unload dummy" nooksctl unload dummy
check "rmmod nooks" rmmod nooks
