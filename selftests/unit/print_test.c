// SPDX-License-Identifier: GPL-2.0
/* Unit tests of hvadm's printer (tools/hvadm/print.c). */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "print.h"


/* Run fn on a printer into a memstream; returns what it printed. */
static char *render(bool json, bool pretty, void (*fn)(struct printer *))
{
	struct printer p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	print_init(&p, f, json, pretty);
	fn(&p);
	fclose(f);
	return buf;
}

static char *escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	json_escape(f, s);
	fclose(f);
	return buf;
}

TEST(json_escaping)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "", "\"\"" },
		{ "web", "\"web\"" },
		{ "console=ttyS0 quiet", "\"console=ttyS0 quiet\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "\\\"", "\"\\\\\\\"\"" },
		{ "/", "\"/\"" },
		{ "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "\x1b[0m", "\"\\u001b[0m\"" },
		{ "\x7f", "\"\x7f\"" },
		/* valid UTF-8 passes through: 2, 3 and 4 bytes */
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
		{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },
		/* invalid UTF-8: each bad byte becomes U+FFFD */
		{ "\xff", "\"\\ufffd\"" },
		{ "a\xc3", "\"a\\ufffd\"" },			/* truncated */
		{ "\xc3(", "\"\\ufffd(\"" },			/* bad continuation */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },		/* overlong */
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },	/* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" }, /* > U+10FFFF */
		{ "\x80z", "\"\\ufffdz\"" },			/* lone continuation */
	};
	unsigned int i;
	char *s;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		s = escape(c[i].in);
		ASSERT_NE(NULL, s);
		EXPECT_STREQ(c[i].out, s) TH_LOG("case %u", i);
		free(s);
	}
}

/* A VM as vm.c prints it: the same calls make the text and the JSON. */
static void vm(struct printer *p)
{
	print_open_array(p, NULL);
	print_open_object(p, NULL);
	print_uint(p, PRINT_ANY, "id", "%u:", 1);
	print_string(p, PRINT_ANY, "name", " %s", "web");
	print_u64(p, PRINT_JSON, "memory", NULL, 536870912);
	print_string(p, PRINT_TEXT, NULL, " memory %s", "512M");
	print_bool(p, PRINT_ANY, "on", " on %s", true);
	print_open_object(p, "boot");
	print_string(p, PRINT_TEXT, NULL, "%s", "\n   ");
	print_string(p, PRINT_ANY, "kernel", " kernel %s", "/k");
	print_quoted(p, PRINT_ANY, "cmdline", " cmdline %s", "a \"b\"");
	print_close_object(p);
	print_string(p, PRINT_TEXT, NULL, "%s", "\n");
	print_close_object(p);
	print_close_array(p);
	print_end(p);
}

TEST(vm_text)
{
	char *s = render(false, false, vm);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("1: web memory 512M on true\n"
		     "    kernel /k cmdline \"a \\\"b\\\"\"\n", s);
	free(s);
}

TEST(vm_json)
{
	char *s = render(true, false, vm);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("[{\"id\":1,\"name\":\"web\",\"memory\":536870912,\"on\":true,"
		     "\"boot\":{\"kernel\":\"/k\",\"cmdline\":\"a \\\"b\\\"\"}}]\n", s);
	free(s);
}

TEST(vm_pretty)
{
	char *s = render(false, true, vm);	/* pretty implies JSON */

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("[\n"
		     "  {\n"
		     "    \"id\": 1,\n"
		     "    \"name\": \"web\",\n"
		     "    \"memory\": 536870912,\n"
		     "    \"on\": true,\n"
		     "    \"boot\": {\n"
		     "      \"kernel\": \"/k\",\n"
		     "      \"cmdline\": \"a \\\"b\\\"\"\n"
		     "    }\n"
		     "  }\n"
		     "]\n", s);
	free(s);
}

static void empty(struct printer *p)
{
	print_open_array(p, NULL);
	print_open_array(p, NULL);
	print_close_array(p);
	print_open_object(p, NULL);
	print_close_object(p);
	print_close_array(p);
	print_end(p);
}

TEST(empty_containers)
{
	char *s = render(true, false, empty);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("[[],{}]\n", s);
	free(s);
	s = render(true, true, empty);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("[\n  [],\n  {}\n]\n", s);
	free(s);
	s = render(false, false, empty);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("", s);
	free(s);
}

/* monitor: one object per line, no comma between them (NDJSON) */
static void events(struct printer *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		print_open_object(p, NULL);
		print_string(p, PRINT_ANY, "event", "%s ", i ? "del" : "new");
		print_open_object(p, "vm");
		print_string(p, PRINT_ANY, "name", "%s\n", "a\tb");
		print_close_object(p);
		print_close_object(p);
		print_end(p);
	}
}

TEST(ndjson)
{
	char *s = render(true, false, events);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("{\"event\":\"new\",\"vm\":{\"name\":\"a\\tb\"}}\n"
		     "{\"event\":\"del\",\"vm\":{\"name\":\"a\\tb\"}}\n", s);
	free(s);
	s = render(false, false, events);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("new a\tb\ndel a\tb\n", s);
	free(s);
}

/* JSON keys are escaped too; text-only and JSON-only fields stay apart. */
static void odd(struct printer *p)
{
	print_open_object(p, NULL);
	print_string(p, PRINT_JSON, "k\"ey", NULL, "v");
	print_string(p, PRINT_TEXT, "ignored", "text %s", "only");
	print_uint(p, PRINT_JSON, "n", NULL, 4294967295U);
	print_u64(p, PRINT_ANY, "big", " %llu", 18446744073709551615ULL);
	print_bool(p, PRINT_JSON, "f", NULL, false);
	print_close_object(p);
	print_end(p);
}

TEST(field_types)
{
	char *s = render(true, false, odd);

	ASSERT_NE(NULL, s);
	EXPECT_STREQ("{\"k\\\"ey\":\"v\",\"n\":4294967295,"
		     "\"big\":18446744073709551615,\"f\":false}\n", s);
	free(s);
	s = render(false, false, odd);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("text only 18446744073709551615", s);
	free(s);
}

TEST_HARNESS_MAIN
