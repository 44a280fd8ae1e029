// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of tools/nooksctl/btf.c against the stock kernel's vmlinux BTF and
 * Debian driver modules. Prints TAP; exits 1 if a test failed.
 *
 * Usage: btf_test VMLINUX_BTF E1000_KO NO_BTF_KO BAD_BTF_KO BAD_BTF [MODULE_KO]...
 *   NO_BTF_KO  a module with its .BTF section removed
 *   BAD_BTF_KO a module whose .BTF section is not valid BTF
 *   BAD_BTF    a file that is not valid BTF
 *   MODULE_KO  more modules whose BTF must load
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "nooks_module.h"
#include "btf.h"
#include "tap.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *const class_names[] = {
	[NOOKS_RET_VOID] = "void",
	[NOOKS_RET_INT] = "int",
	[NOOKS_RET_PTR] = "ptr",
	[NOOKS_RET_BOOL] = "bool",
	[NOOKS_RET_UNKNOWN] = "unknown",
	[NOOKS_RET_ZERO] = "zero",
	[NOOKS_RET_BLK_STATUS] = "blk_status",
};

static const char *class_name(unsigned int c)
{
	return c < __NOOKS_RET_MAX ? class_names[c] : "?";
}

/* One function whose prototype is known. */
static void expect(struct nooks_btf *b, const char *name, bool driver_fn,
		   unsigned int slots, unsigned int ret)
{
	struct nooks_proto p;
	bool found = nooks_btf_proto(b, name, driver_fn, &p);

	ok(found && p.found && p.is_func && p.stack_slots == slots &&
	   p.ret_class == ret,
	   "%s%s: %u stack slots, returns %s (got found=%d is_func=%d slots=%u ret=%s)",
	   driver_fn ? "driver " : "", name, slots, class_name(ret), p.found,
	   p.is_func, p.stack_slots, class_name(p.ret_class));
}

/* A name that is no FUNC. */
static void expect_none(struct nooks_btf *b, const char *name, bool driver_fn)
{
	struct nooks_proto p;
	bool found = nooks_btf_proto(b, name, driver_fn, &p);

	ok(!found && !p.found && !p.is_func,
	   "%s: not a function (got found=%d is_func=%d)", name, p.found,
	   p.is_func);
}

/* A FUNC whose prototype cannot be classified. */
static void expect_broken(struct nooks_btf *b, const char *name)
{
	struct nooks_proto p;
	bool found = nooks_btf_proto(b, name, false, &p);

	ok(!found && !p.found && p.is_func,
	   "%s: a FUNC, prototype unusable (got found=%d is_func=%d)", name,
	   p.found, p.is_func);
}

static void test_open_errors(const char *bad_btf)
{
	char err[256] = "";
	struct nooks_btf *b;

	b = nooks_btf_open(bad_btf, err, sizeof(err));
	ok(!b && err[0] && !strchr(err, '\n'),
	   "malformed BTF file: NULL and one line of error (%s)", err);
	nooks_btf_close(b);

	err[0] = '\0';
	b = nooks_btf_open("/nonexistent/vmlinux", err, sizeof(err));
	ok(!b && strstr(err, "/nonexistent/vmlinux"),
	   "missing BTF file: NULL and an error naming it (%s)", err);
	nooks_btf_close(b);
}

static void test_env(const char *vmlinux)
{
	char err[256] = "";
	struct nooks_btf *b;
	struct nooks_proto p;

	setenv("NOOKS_VMLINUX_BTF", vmlinux, 1);
	b = nooks_btf_open(NULL, err, sizeof(err));
	ok(b && nooks_btf_proto(b, "kfree", false, &p),
	   "NULL path opens $NOOKS_VMLINUX_BTF (%s)", err);
	nooks_btf_close(b);
	unsetenv("NOOKS_VMLINUX_BTF");
}

/* Add FUNC @name returning @ret, its parameter types ending with -1. */
static void add_fn(struct btf *btf, const char *name, int ret, ...)
{
	va_list ap;
	int t, proto;

	proto = btf__add_func_proto(btf, ret);
	va_start(ap, ret);
	while ((t = va_arg(ap, int)) >= 0)
		btf__add_func_param(btf, t ? "a" : NULL, t);
	va_end(ap);
	btf__add_func(btf, name, BTF_FUNC_GLOBAL, proto);
}

/*
 * The calling convention's corners, on BTF made up here and opened as
 * vmlinux BTF.
 */
static void test_synthetic(void)
{
	char path[] = "/tmp/btf_test.XXXXXX", err[256] = "";
	int l, i, b1, c, i128, vp, s16, s24, s12, a16, p9, e, vt, cl, fp;
	struct nooks_btf *b = NULL;
	struct btf *btf;
	const void *raw;
	__u32 size = 0;
	int fd;

	btf = btf__new_empty();
	l = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	i = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	b1 = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	c = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	i128 = btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED);
	vp = btf__add_ptr(btf, 0);
	s16 = btf__add_struct(btf, "s16", 16);
	btf__add_field(btf, "a", l, 0, 0);
	btf__add_field(btf, "b", l, 64, 0);
	s24 = btf__add_struct(btf, "s24", 24);
	btf__add_field(btf, "a", l, 0, 0);
	btf__add_field(btf, "b", l, 64, 0);
	btf__add_field(btf, "c", l, 128, 0);
	s12 = btf__add_struct(btf, "s12", 12);
	btf__add_field(btf, "a", i, 0, 0);
	btf__add_field(btf, "b", i, 32, 0);
	btf__add_field(btf, "c", i, 64, 0);
	a16 = btf__add_struct(btf, "a16", 16);
	btf__add_field(btf, "x", i128, 0, 0);
	/* struct { char a; long b; } __packed */
	p9 = btf__add_struct(btf, "p9", 9);
	btf__add_field(btf, "a", c, 0, 0);
	btf__add_field(btf, "b", l, 8, 0);
	e = btf__add_enum(btf, "e", 4);
	btf__add_enum_value(btf, "E0", 0);
	vt = btf__add_typedef(btf, "vt", 0);
	cl = btf__add_const(btf, btf__add_typedef(btf, "cl_t", l));
	fp = btf__add_func_proto(btf, i);

	/* a 16-byte struct needs two registers; one is left */
	add_fn(btf, "s16_on_stack", i, l, l, l, l, l, s16, -1);
	add_fn(btf, "s16_then_long", i, l, l, l, l, l, s16, l, -1);
	add_fn(btf, "s16_in_regs", i, l, l, l, l, s16, -1);
	add_fn(btf, "s12_on_stack", i, l, l, l, l, l, s12, -1);
	/* over 16 bytes: always memory, even with registers free */
	add_fn(btf, "s24_by_value", 0, s24, -1);
	/* a returned s24 takes %rdi for its address; an s16 does not */
	add_fn(btf, "ret_s24", s24, l, l, l, l, l, l, -1);
	add_fn(btf, "ret_s16", s16, l, l, l, l, l, l, -1);
	/* 16-byte alignment on the stack */
	add_fn(btf, "int128_aligned", i, l, l, l, l, l, l, l, i128, -1);
	add_fn(btf, "a16_aligned", i, l, l, l, l, l, l, l, a16, -1);
	/* unaligned members: memory, even with registers free */
	add_fn(btf, "packed_by_value", i, p9, l, -1);
	add_fn(btf, "small_scalars", b1, b1, c, e, vp, cl, i, c, e, -1);
	add_fn(btf, "varargs_after_8", i, l, l, l, l, l, l, l, l, 0, -1);
	add_fn(btf, "ret_typedef_void", vt, vp, -1);
	add_fn(btf, "ret_const_typedef", cl, -1);
	add_fn(btf, "ret_enum", e, -1);
	add_fn(btf, "ret_char", c, -1);
	add_fn(btf, "ret_ptr", vp, -1);
	add_fn(btf, "ret_s12", s12, -1);
	/* two static functions of one name that disagree */
	add_fn(btf, "dup", i, -1);
	add_fn(btf, "dup", vp, l, l, l, l, l, l, l, -1);
	/* unusable prototypes: "..." not last, a function by value */
	add_fn(btf, "void_param", i, l, 0, l, -1);
	add_fn(btf, "fn_by_value", i, fp, -1);
	btf__add_var(btf, "a_var", BTF_VAR_GLOBAL_ALLOCATED, l);

	raw = btf__raw_data(btf, &size);
	fd = mkstemp(path);
	if (fd >= 0) {
		if (raw && write(fd, raw, size) == (ssize_t)size)
			b = nooks_btf_open(path, err, sizeof(err));
		close(fd);
		unlink(path);
	}
	btf__free(btf);
	ok(b, "open made-up BTF (%s)", err);
	if (!b)
		return;
	expect(b, "s16_on_stack", false, 2, NOOKS_RET_INT);
	expect(b, "s16_then_long", false, 2, NOOKS_RET_INT);
	expect(b, "s16_in_regs", false, 0, NOOKS_RET_INT);
	expect(b, "s12_on_stack", false, 2, NOOKS_RET_INT);
	expect(b, "s24_by_value", false, 3, NOOKS_RET_VOID);
	expect(b, "ret_s24", false, 1, NOOKS_RET_UNKNOWN);
	expect(b, "ret_s16", false, 0, NOOKS_RET_UNKNOWN);
	expect(b, "int128_aligned", false, 4, NOOKS_RET_INT);
	expect(b, "a16_aligned", false, 4, NOOKS_RET_INT);
	expect(b, "packed_by_value", false, 2, NOOKS_RET_INT);
	expect(b, "small_scalars", false, 2, NOOKS_RET_BOOL);
	expect(b, "varargs_after_8", false, NOOKS_MAX_STACK_SLOTS,
	       NOOKS_RET_INT);
	expect(b, "ret_typedef_void", false, 0, NOOKS_RET_VOID);
	expect(b, "ret_const_typedef", false, 0, NOOKS_RET_INT);
	expect(b, "ret_enum", false, 0, NOOKS_RET_ZERO);
	expect(b, "ret_char", false, 0, NOOKS_RET_INT);
	expect(b, "ret_ptr", false, 0, NOOKS_RET_PTR);
	expect(b, "ret_s12", false, 0, NOOKS_RET_UNKNOWN);
	expect(b, "dup", false, 1, NOOKS_RET_UNKNOWN);
	expect_broken(b, "void_param");
	expect_broken(b, "fn_by_value");
	expect_none(b, "a_var", false);
	nooks_btf_close(b);
}

static void test_kernel(struct nooks_btf *b)
{
	struct nooks_proto p;

	expect(b, "_printk", false, NOOKS_MAX_STACK_SLOTS, NOOKS_RET_INT);
	expect(b, "__kmalloc", false, 0, NOOKS_RET_PTR);
	expect(b, "kfree", false, 0, NOOKS_RET_VOID);
	expect(b, "print_hex_dump", false, 2, NOOKS_RET_VOID);
	expect(b, "netif_rx", false, 0, NOOKS_RET_INT);
	expect(b, "napi_schedule_prep", false, 0, NOOKS_RET_BOOL);
	/* struct timespec64 (16 bytes) returned in rax:rdx */
	expect(b, "ns_to_timespec64", false, 0, NOOKS_RET_UNKNOWN);
	/* static functions of one name, all alike */
	expect(b, "m_start", false, 0, NOOKS_RET_PTR);
	/* not in BTF at all; a per-CPU VAR, a STRUCT, a TYPEDEF */
	expect_none(b, "jiffies", false);
	expect_none(b, "runqueues", false);
	expect_none(b, "sk_buff", false);
	expect_none(b, "irqreturn_t", true);
	expect_none(b, "nooks_no_such_function_xyz", false);
	expect_none(b, "nooks_no_such_function_xyz", true);
	expect_none(b, "", false);

	/* p is cleared on a miss, whatever it held */
	memset(&p, 0xff, sizeof(p));
	nooks_btf_proto(b, "jiffies", false, &p);
	ok(!p.found && !p.is_func && p.stack_slots == 0 &&
	   p.ret_class == NOOKS_RET_UNKNOWN,
	   "a miss clears the result (slots=%u ret=%s)", p.stack_slots,
	   class_name(p.ret_class));
}

static void test_e1000(struct nooks_btf *b)
{
	/* netdev_tx_t and irqreturn_t are enums behind typedefs: 0 */
	expect(b, "e1000_xmit_frame", true, 0, NOOKS_RET_ZERO);
	expect(b, "e1000_intr", true, 0, NOOKS_RET_ZERO);
	expect(b, "e1000_remove", true, 0, NOOKS_RET_VOID);
	expect(b, "e1000_probe", true, 0, NOOKS_RET_INT);
	/* driver lookups fall back to vmlinux */
	expect(b, "kfree", true, 0, NOOKS_RET_VOID);
	/* kernel lookups fall back to the modules */
	expect(b, "e1000_remove", false, 0, NOOKS_RET_VOID);
}

static void time_lookups(struct nooks_btf *b)
{
	static const char *const names[] = {
		"_printk", "__kmalloc", "kfree", "netif_rx", "e1000_probe",
		"jiffies", "nooks_no_such_function_xyz", "e1000_intr",
	};
	const int rounds = 20000;
	struct nooks_proto p;
	unsigned int hits = 0;
	double ms;
	int i;

	ms = now_ms();
	for (i = 0; i < rounds; i++)
		hits += nooks_btf_proto(b, names[i % 8], i % 2, &p);
	ms = now_ms() - ms;
	printf("# %d lookups in %.1f ms (%.2f us each, %u found)\n", rounds,
	       ms, ms * 1e3 / rounds, hits);
}

/* Add the module in file @path; its result, or -1 if unreadable. */
static int add_file(struct nooks_btf *b, const char *path, char *err,
		    size_t errlen)
{
	size_t len = 0;
	void *img;
	int r;

	err[0] = '\0';
	img = read_file(path, &len);
	if (!img)
		return -1;
	r = nooks_btf_add_module(b, img, len, err, errlen);
	free(img);
	return r;
}

static void test_modules(const char *vmlinux, const char *e1000,
			 const char *nobtf, const char *badbtf, char **more,
			 int n_more)
{
	char err[256] = "";
	struct nooks_btf *b;
	size_t len = 0;
	void *img;
	double t0, t1, t2;
	int r, i;

	t0 = now_ms();
	b = nooks_btf_open(vmlinux, err, sizeof(err));
	t1 = now_ms();
	ok(b, "open vmlinux BTF %s (%s)", vmlinux, err);
	if (!b)
		return;
	test_kernel(b);

	img = read_file(e1000, &len);
	ok(img, "read %s", e1000);
	t2 = now_ms();
	r = img ? nooks_btf_add_module(b, img, len, err, sizeof(err)) : -1;
	printf("# nooks_btf_open %.1f ms, nooks_btf_add_module(e1000) %.1f ms\n",
	       t1 - t0, now_ms() - t2);
	free(img);
	ok(r == 0, "add the BTF of %s (%d: %s)", e1000, r, r ? err : "");
	if (!r) {
		test_e1000(b);
		time_lookups(b);
	}

	r = add_file(b, nobtf, err, sizeof(err));
	ok(r == -ENOENT && err[0], "a module without .BTF: -ENOENT (%d: %s)",
	   r, err);

	r = add_file(b, badbtf, err, sizeof(err));
	ok(r < 0 && r != -ENOENT && r != -1 && err[0],
	   "a module with a malformed .BTF: an error (%d: %s)", r, err);

	err[0] = '\0';
	r = nooks_btf_add_module(b, "not an ELF file", 15, err, sizeof(err));
	ok(r == -ENOEXEC && err[0], "not an ELF image: -ENOEXEC (%d: %s)", r,
	   err);

	for (i = 0; i < n_more; i++) {
		t0 = now_ms();
		r = add_file(b, more[i], err, sizeof(err));
		t1 = now_ms();
		ok(r == 0, "add the BTF of %s (read and parsed in %.1f ms) (%s)",
		   more[i], t1 - t0, r ? err : "");
	}
	/* e1000 stays first for driver lookups */
	if (n_more)
		expect(b, "e1000_intr", true, 0, NOOKS_RET_ZERO);
	nooks_btf_close(b);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr,
			"usage: btf_test VMLINUX_BTF E1000_KO NO_BTF_KO BAD_BTF_KO BAD_BTF [MODULE_KO]...\n");
		return 2;
	}
	test_open_errors(argv[5]);
	test_env(argv[1]);
	test_synthetic();
	test_modules(argv[1], argv[2], argv[3], argv[4], argv + 6, argc - 6);
	nooks_btf_close(NULL);
	printf("1..%u\n", n_tests);
	return n_failed ? 1 : 0;
}
