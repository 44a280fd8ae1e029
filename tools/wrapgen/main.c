// SPDX-License-Identifier: GPL-2.0
/*
 * wrapgen: the typed wrappers of nooks.ko from wrappers/specs (see
 * wrappers/specs/README for the language, wrappers/wrap.h for the
 * runtime the generated C calls).
 *
 *	wrapgen --btf VMLINUX_BTF [--symvers Module.symvers [--modules DIR]]
 *		-o OUT.c [SPEC...]
 *	wrapgen --names -o OUT.h [SPEC...]
 *
 * --modules DIR: where the target kernel's modules are, by the paths of
 * Module.symvers' third column (/lib/modules/KVER/kernel, or a kernel
 * build tree): the prototypes of the functions modules export are in
 * their BTF, not vmlinux's.
 *
 * No SPEC is no wrapper: an empty table (wrappers/specs/ may have no
 * .spec yet, and the top Makefile passes its wildcard).
 *
 * Errors are "FILE:LINE: message" on stderr, all of them, and exit 1;
 * then OUT is left as it was. OUT is written whole or not at all
 * (OUT.tmp, then rename), so a failed or interrupted run never leaves a
 * half file for make to take as up to date.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrapgen.h"

static void print_usage(FILE *f)
{
	fputs("usage: wrapgen --btf VMLINUX_BTF [--symvers Module.symvers [--modules DIR]]\n"
	      "               -o OUT.c [SPEC...]\n"
	      "       wrapgen --names -o OUT.h [SPEC...]\n"
	      "Generates the typed wrappers of nooks.ko (OUT.c) from wrapper specs\n"
	      "(wrappers/specs/README), or the list of the functions they wrap (OUT.h).\n",
	      f);
}

static int write_file(const char *path, const char *buf, size_t len)
{
	size_t n = strlen(path) + sizeof(".tmp");
	char *tmp = xmalloc(n);
	FILE *f;

	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "wrapgen: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fwrite(buf, 1, len, f) != len || fflush(f) || ferror(f)) {
		fprintf(stderr, "wrapgen: %s: %s\n", tmp, strerror(errno));
		fclose(f);
		goto fail;
	}
	if (fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "wrapgen: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;

fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

static unsigned long count_lines(const char *buf, size_t len)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

static void summary(const struct spec *s, unsigned long lines)
{
	size_t i, pre = 0, post = 0;

	for (i = 0; i < s->n_funcs; i++) {
		pre += s->funcs[i].has_pre;
		post += s->funcs[i].has_post;
	}
	printf("wrapgen: %zu functions (%zu with pre, %zu with post), ",
	       s->n_funcs, pre, post);
	printf("%lu spec lines -> %lu generated lines\n", s->lines, lines);
}

/* The whole output in memory first: nothing is written on an error. */
static int generate(struct spec *s, const char *btf_path,
		    const char *symvers, const char *modules, const char *out,
		    bool names)
{
	struct btf *btf = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int ret = -1;

	if (!names) {
		btf = btf_load(btf_path);
		if (!btf)
			return -1;
		if (btf_check(s, symvers, modules))
			goto out;
	}
	mem = open_memstream(&buf, &len);
	if (!mem) {
		perror("wrapgen: open_memstream");
		goto out;
	}
	if (names ? gen_names(s, mem) : gen_c(s, mem)) {
		fclose(mem);
		fprintf(stderr, "wrapgen: out of memory\n");
		goto out;
	}
	if (fclose(mem)) {
		perror("wrapgen: open_memstream");
		goto out;
	}
	if (write_file(out, buf, len))
		goto out;
	if (!names)
		summary(s, count_lines(buf, len));
	ret = 0;
out:
	free(buf);
	if (btf)
		btf_unload(btf);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "btf", required_argument, NULL, 'b' },
		{ "symvers", required_argument, NULL, 's' },
		{ "modules", required_argument, NULL, 'm' },
		{ "names", no_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *btf = NULL, *symvers = NULL, *modules = NULL, *out = NULL;
	struct spec s = { 0 };
	bool names = false;
	int c, i, ret;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			btf = optarg;
			break;
		case 's':
			symvers = optarg;
			break;
		case 'm':
			modules = optarg;
			break;
		case 'n':
			names = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 1;
		}
	}
	/* Which module exports a function: Module.symvers says. */
	if (!out || names == !!btf || (names && symvers) ||
	    (modules && !symvers)) {
		print_usage(stderr);
		return 1;
	}
	for (i = optind; i < argc; i++)
		spec_parse_file(&s, argv[i]);
	ret = s.errors ? 1 : 0;
	if (!ret) {
		sort_funcs(&s);
		ret = generate(&s, btf, symvers, modules, out, names) ? 1 : 0;
	}
	spec_free(&s);
	return ret;
}
