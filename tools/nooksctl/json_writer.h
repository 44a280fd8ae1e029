/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: it places the commas, the indentation
 * and the string escapes so that callers only say what to emit.
 */
#ifndef NOOKSCTL_JSON_WRITER_H
#define NOOKSCTL_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jsonw_new(FILE *f);
/* Ends the document with a newline if anything was written. */
void jsonw_destroy(struct json_writer **self_p);
void jsonw_pretty(struct json_writer *self, bool on);
/*
 * End a top-level value with a newline and flush it, for a stream of
 * values (one per event); the next one starts a new document.
 */
void jsonw_end_line(struct json_writer *self);

void jsonw_name(struct json_writer *self, const char *name);
void jsonw_string(struct json_writer *self, const char *value);
void jsonw_uint(struct json_writer *self, uint64_t value);
void jsonw_int(struct json_writer *self, int64_t value);
void jsonw_bool(struct json_writer *self, bool value);
void jsonw_null(struct json_writer *self);

void jsonw_string_field(struct json_writer *self, const char *name,
			const char *value);
void jsonw_uint_field(struct json_writer *self, const char *name, uint64_t value);
void jsonw_int_field(struct json_writer *self, const char *name, int64_t value);
void jsonw_bool_field(struct json_writer *self, const char *name, bool value);

void jsonw_start_object(struct json_writer *self);
void jsonw_end_object(struct json_writer *self);
void jsonw_start_array(struct json_writer *self);
void jsonw_end_array(struct json_writer *self);

#endif /* NOOKSCTL_JSON_WRITER_H */
