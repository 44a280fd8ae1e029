#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the module rewriter (tools/nooksctl/rewrite.c) that load
# nothing: tests/user/rewrite_test.c on Debian's modules, on malformed and
# fuzzed inputs and on a hand-made module assembled here; then the
# outputs through eu-elflint, readelf and objdump, and the test program
# once more under valgrind. Prints TAP; exits non-zero if a test failed.
#
# Usage: tests/user/rewrite_test.sh [PATH_TO_NOOKSCTL]
# (the argument is ignored: the rewriter is tested through its own
# program). NOOKS_MODULE_DIR overrides where Debian's modules are.

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
MODDIR=${NOOKS_MODULE_DIR:-/lib/modules/6.1.0-56-amd64/kernel}
BIN=$top/tools/nooksctl/rewrite_test
MODULES="drivers/net/dummy.ko drivers/block/null_blk/null_blk.ko
	 drivers/net/ethernet/intel/e1000/e1000.ko
	 drivers/net/ethernet/realtek/8139too.ko"

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

# emit ok|"not ok" DESCRIPTION
emit()
{
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || failed=$((failed + 1))
}

# t DESCRIPTION COMMAND...: one test that passes when COMMAND exits 0
t()
{
	local desc=$1

	shift
	if "$@"; then
		emit ok "$desc"
	else
		emit "not ok" "$desc"
	fi
}

skip()
{
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# Renumber the C program's TAP into ours; keep its diagnostics.
relay()
{
	local line

	while IFS= read -r line; do
		case $line in
		"ok "*) emit ok "${line#* - }" ;;
		"not ok "*) emit "not ok" "${line#* - }" ;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done < "$1"
}

if ! make -s -C "$top/tools/nooksctl" test > "$TMP/build.log" 2>&1; then
	echo "Bail out! cannot build rewrite_test (make -C tools/nooksctl test)"
	sed 's/^/# /' "$TMP/build.log"
	exit 1
fi
if [ ! -d "$MODDIR" ]; then
	echo "Bail out! no Debian modules in $MODDIR (set NOOKS_MODULE_DIR)"
	exit 1
fi

# --- the C program: modules, malformed inputs, fuzzing ---
"$BIN" --fuzz 3000 "$MODDIR" > "$TMP/c.tap" 2>&1
rc=$?
relay "$TMP/c.tap"
if [ $rc != 0 ] && ! grep -q '^not ok' "$TMP/c.tap"; then
	emit "not ok" "rewrite_test exited $rc"
fi

# --- refused inputs that come from outside ---
bad()
{
	"$BIN" --bad "$1" "$2" > "$TMP/bad.tap" 2>&1
	relay "$TMP/bad.tap"
}

bad /bin/true "an executable (/bin/true)"
printf 'int f(void) { return 0; }\n' > "$TMP/plain.c"
if gcc -c -o "$TMP/plain.o" "$TMP/plain.c" 2> /dev/null; then
	bad "$TMP/plain.o" "an x86-64 object that is not a module"
else
	skip "an x86-64 object that is not a module" "gcc failed"
fi
if gcc -m32 -c -o "$TMP/plain32.o" "$TMP/plain.c" 2> /dev/null; then
	bad "$TMP/plain32.o" "a 32-bit object (gcc -m32)"
else
	skip "a 32-bit object (gcc -m32)" "no multilib gcc"
fi

# --- a hand-made module: every kind of reference the rewriter handles ---
# Two objects linked with ld -r, as modpost and kbuild link a module, so
# that two static functions of one name ("dup") end up in one module.
cat > "$TMP/a.S" << 'EOF'
	.section .gnu.linkonce.this_module,"aw",@progbits
	.p2align 6
	.globl	__this_module
__this_module:
	.zero	24
	.ascii	"synth"
	.zero	0x138 - 29
	.quad	init_module
	.zero	0x350 - 0x140
	.quad	cleanup_module
	.zero	0x380 - 0x358

	.section .modinfo,"a",@progbits
	.asciz	"license=GPL"
	.asciz	"depends=foo,bar"
	.asciz	"name=synth"

	.section __versions,"a",@progbits
	.p2align 5
	.quad	0x12345678
	.ascii	"module_layout"
	.zero	56 - 13

	.text
	.globl	init_module
	.type	init_module, @function
	.type	e_init, @function
e_init:
init_module:
	call	__fentry__
	leaq	helper(%rip), %rdi	/* entry: section-relative PC32 */
	movq	$helper2, %rsi		/* entry: R_X86_64_32S */
	call	kfunc			/* exit */
	testl	%eax, %eax
	jne	kfunc			/* exit, conditional */
	leaq	kfunc(%rip), %rax	/* address: stays */
	call	local_call		/* driver to driver: stays */
	call	nooks_something		/* nooks.ko's: stays */
.Lsite1:
	call	__SCT__cond_resched	/* exit, site dropped */
.Lsite2:
	call	memcpy			/* in the domain, site kept */
	jmp	coldpart		/* driver to driver: stays */
	.size	init_module, . - init_module
	.size	e_init, . - e_init

	.globl	cleanup_module
	.type	cleanup_module, @function
cleanup_module:
.Lsite3:
	jmp	__SCT__might_resched	/* exit (tail), site dropped */
	.size	cleanup_module, . - cleanup_module

	.section .text.helpers,"ax",@progbits
	.type	helper, @function
helper:
	ret
	.size	helper, . - helper
	.type	helper2, @function
helper2:
	ret
	.size	helper2, . - helper2
	.type	ops_fn, @function
ops_fn:
	ret
	.size	ops_fn, . - ops_fn
	.globl	exported_fn
	.type	exported_fn, @function
exported_fn:
	ret
	.size	exported_fn, . - exported_fn
	.type	dup, @function
dup:
	ret
	.size	dup, . - dup
	.type	coldpart, @function
coldpart:
	ret
	.size	coldpart, . - coldpart
	.type	local_call, @function
local_call:
	ret
	.size	local_call, . - local_call

	.section .altinstr_replacement,"ax",@progbits
	call	altfunc			/* cannot be gated: flagged */

	.section .static_call_sites,"aw",@progbits
	.long	.Lsite1 - .
	.long	__SCT__cond_resched - .
	.long	.Lsite2 - .
	.long	memcpy - .
	.long	.Lsite3 - .
	.long	__SCT__might_resched - . + 1

	.section .rodata,"a",@progbits
	.p2align 3
	.quad	ops_fn			/* entry */
	.quad	kfunc			/* address: stays */
	.quad	dup			/* entry */

	.section __ksymtab_gpl,"a",@progbits
	.long	exported_fn - .		/* entry, PC32 in data */
	.long	0
	.long	0

	.section .init.data,"aw",@progbits
	.quad	e_init			/* entry, alias of init_module */
EOF
cat > "$TMP/b.S" << 'EOF'
	.section .text.helpers,"ax",@progbits
	.type	dup, @function
dup:
	ret
	.size	dup, . - dup

	.data
	.quad	dup			/* entry: the other dup */
EOF
if gcc -c -o "$TMP/a.o" "$TMP/a.S" && gcc -c -o "$TMP/b.o" "$TMP/b.S" &&
   ld -r -o "$TMP/synth.ko" "$TMP/a.o" "$TMP/b.o"; then
	"$BIN" --synthetic "$TMP/synth.ko" > "$TMP/synth.tap" 2>&1
	relay "$TMP/synth.tap"
	MODS_OUT="$TMP/synth.ko"
else
	emit "not ok" "assemble the hand-made module"
	MODS_OUT=
fi

# LLVM's assembler keeps symbol and section names in one string table.
if command -v clang > /dev/null &&
   clang -c -o "$TMP/synth_llvm.ko" "$TMP/a.S" 2> /dev/null; then
	"$BIN" --check "$TMP/synth_llvm.ko" > "$TMP/llvm.tap" 2>&1
	relay "$TMP/llvm.tap"
	MODS_OUT="$MODS_OUT $TMP/synth_llvm.ko"
else
	skip "hand-made module assembled by clang" "no clang"
fi

# --- the outputs through binutils and elfutils ---
for m in $MODULES; do
	[ -e "$MODDIR/$m" ] && MODS_OUT="$MODS_OUT $MODDIR/$m"
done
for in in $MODS_OUT; do
	name=$(basename "$in" .ko)
	out=$TMP/$name.out.ko
	if ! "$BIN" --write "$in" "$out" 2> "$TMP/write.err"; then
		emit "not ok" "$name: rewrite to a file: $(head -n 1 "$TMP/write.err")"
		continue
	fi
	# Only complaints the input did not already draw count.
	eu-elflint --gnu-ld "$in" 2>&1 | sort > "$TMP/lint.in"
	eu-elflint --gnu-ld "$out" 2>&1 | sort > "$TMP/lint.out"
	comm -13 "$TMP/lint.in" "$TMP/lint.out" > "$TMP/lint.new"
	t "$name: eu-elflint --gnu-ld finds nothing new ($(wc -l < "$TMP/lint.in") old complaints)" \
		test ! -s "$TMP/lint.new"
	sed 's/^/# new: /' "$TMP/lint.new"
	readelf -a -W "$out" > "$TMP/readelf.out" 2> "$TMP/readelf.err"
	rc=$?
	t "$name: readelf -a reads it without a warning" \
		test $rc = 0 -a ! -s "$TMP/readelf.err"
	sed 's/^/# /' "$TMP/readelf.err" | head -n 5
	t "$name: readelf lists the stub and manifest sections" \
		grep -q '\.text\.nooks_stubs .*AX' "$TMP/readelf.out"
	# Each stub decodes as lea, lea, jmp to its gate.
	objdump -dr -j .text.nooks_stubs "$out" > "$TMP/stubs.dis" 2>&1
	stubs=$(grep -c '^[0-9a-f]* <__nooks_\(entry\|exit\)_' "$TMP/stubs.dis")
	jmps=$(grep -c 'R_X86_64_PLT32[[:space:]]*nooks_xpc_\(entry\|exit\)-0x4' "$TMP/stubs.dis")
	leas=$(grep -c 'lea .*(%rip),%r1[01]' "$TMP/stubs.dis")
	t "$name: objdump decodes $stubs stubs as lea, lea, jmp gate" \
		test "$stubs" -gt 0 -a "$jmps" = "$stubs" -a "$leas" = $((2 * stubs))
	t "$name: no signature left" \
		bash -c "! grep -q 'Module signature appended' '$out'"
done

# --- memory errors and leaks ---
if command -v valgrind > /dev/null; then
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		"$BIN" --fuzz 300 "$MODDIR" > "$TMP/vg.tap" 2> "$TMP/vg.err"
	rc=$?
	t "valgrind: rewrite_test runs without memory errors or leaks" \
		test $rc != 99
	[ $rc = 99 ] && head -n 30 "$TMP/vg.err" | sed 's/^/# /'
	if [ -n "$MODS_OUT" ] && [ -e "$TMP/synth.ko" ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect \
			"$BIN" --synthetic "$TMP/synth.ko" > /dev/null 2> "$TMP/vg.err"
		t "valgrind: the hand-made module too" test $? != 99
	fi
else
	skip "valgrind: rewrite_test runs without memory errors or leaks" "no valgrind"
fi

echo "1..$n"
[ $failed = 0 ]
