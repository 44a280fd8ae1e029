// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer for nooksctl, in the spirit of bpftool's.
 *
 * Output is either compact ({"a":1,"b":[2,3]}) or pretty (one member
 * per line, four spaces per level), so scripts can rely on the compact
 * form and humans can read the pretty one.
 */
#include <stdlib.h>

#include "json_writer.h"

struct json_writer {
	FILE		*out;
	unsigned int	depth;
	bool		pretty;
	bool		first;		/* nothing yet in the open container */
	bool		after_name;	/* a member name awaits its value */
	bool		written;
};

struct json_writer *jsonw_new(FILE *f)
{
	struct json_writer *self = calloc(1, sizeof(*self));

	if (!self)
		return NULL;
	self->out = f;
	self->first = true;
	return self;
}

void jsonw_destroy(struct json_writer **self_p)
{
	struct json_writer *self = *self_p;

	if (!self)
		return;
	if (self->written)
		putc('\n', self->out);
	free(self);
	*self_p = NULL;
}

void jsonw_pretty(struct json_writer *self, bool on)
{
	self->pretty = on;
}

void jsonw_end_line(struct json_writer *self)
{
	if (self->written)
		putc('\n', self->out);
	self->written = false;
	self->first = true;
	fflush(self->out);
}

static void jsonw_eol(struct json_writer *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	putc('\n', self->out);
	for (i = 0; i < self->depth; i++)
		fputs("    ", self->out);
}

/* Separate this element from the previous one of the same container. */
static void jsonw_sep(struct json_writer *self)
{
	self->written = true;
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (self->depth > 0) {
		if (!self->first)
			putc(',', self->out);
		jsonw_eol(self);
	}
	self->first = false;
}

/* Byte length of a valid UTF-8 sequence at s, or 0 if it is invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] < 0xf5) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void jsonw_puts(struct json_writer *self, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	putc('"', self->out);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			putc('\\', self->out);
			putc(*s++, self->out);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(self->out, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			putc(*s++, self->out);
		} else {
			n = utf8_len(s);
			if (n) {
				fwrite(s, 1, n, self->out);
				s += n;
			} else {
				/* Kernel strings are bytes: keep JSON valid. */
				fputs("\\ufffd", self->out);
				s++;
			}
		}
	}
	putc('"', self->out);
}

void jsonw_name(struct json_writer *self, const char *name)
{
	jsonw_sep(self);
	jsonw_puts(self, name);
	putc(':', self->out);
	if (self->pretty)
		putc(' ', self->out);
	self->after_name = true;
}

void jsonw_string(struct json_writer *self, const char *value)
{
	jsonw_sep(self);
	jsonw_puts(self, value ? value : "");
}

void jsonw_uint(struct json_writer *self, uint64_t value)
{
	jsonw_sep(self);
	fprintf(self->out, "%llu", (unsigned long long)value);
}

void jsonw_int(struct json_writer *self, int64_t value)
{
	jsonw_sep(self);
	fprintf(self->out, "%lld", (long long)value);
}

void jsonw_bool(struct json_writer *self, bool value)
{
	jsonw_sep(self);
	fputs(value ? "true" : "false", self->out);
}

void jsonw_null(struct json_writer *self)
{
	jsonw_sep(self);
	fputs("null", self->out);
}

void jsonw_string_field(struct json_writer *self, const char *name,
			const char *value)
{
	jsonw_name(self, name);
	jsonw_string(self, value);
}

void jsonw_uint_field(struct json_writer *self, const char *name, uint64_t value)
{
	jsonw_name(self, name);
	jsonw_uint(self, value);
}

void jsonw_int_field(struct json_writer *self, const char *name, int64_t value)
{
	jsonw_name(self, name);
	jsonw_int(self, value);
}

void jsonw_bool_field(struct json_writer *self, const char *name, bool value)
{
	jsonw_name(self, name);
	jsonw_bool(self, value);
}

static void jsonw_begin(struct json_writer *self, char c)
{
	jsonw_sep(self);
	putc(c, self->out);
	self->depth++;
	self->first = true;
}

static void jsonw_end(struct json_writer *self, char c)
{
	if (self->depth > 0)
		self->depth--;
	if (!self->first)
		jsonw_eol(self);
	putc(c, self->out);
	self->first = false;
}

void jsonw_start_object(struct json_writer *self)
{
	jsonw_begin(self, '{');
}

void jsonw_end_object(struct json_writer *self)
{
	jsonw_end(self, '}');
}

void jsonw_start_array(struct json_writer *self)
{
	jsonw_begin(self, '[');
}

void jsonw_end_array(struct json_writer *self)
{
	jsonw_end(self, ']');
}
