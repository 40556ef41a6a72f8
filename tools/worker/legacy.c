// SPDX-License-Identifier: GPL-2.0
/*
 * Ports a Linux guest pokes that need little: a read-only MC146818 RTC
 * showing the host's UTC time (so the guest's clock is right and its
 * update-in-progress loops end), the reset command of the keyboard
 * controller (0x64 <- 0xfe), and everything else: reads float high,
 * writes vanish, and a port nobody expected is reported once.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define RTC_INDEX	0x70
#define KBC_STATUS	0x64
#define KBC_RESET	0xfe

static uint8_t bcd(unsigned int v)
{
	return ((v / 10) % 10) << 4 | (v % 10);
}

static uint8_t rtc_read(uint8_t index)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (index) {
	case 0x00: return bcd(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd((tm.tm_year + 1900) / 100);
	case 0x0a: return 0x26;		/* 32 kHz, 1024 Hz; never updating */
	case 0x0b: return 0x02;		/* 24 hours, BCD, no interrupts */
	case 0x0d: return 0x80;		/* battery good */
	default: return 0;
	}
}

void legacy_rtc_io(struct wvm *w, uint16_t port, void *data,
		   unsigned int size, bool write)
{
	uint8_t *b = data;

	if (port == RTC_INDEX) {
		if (write)	/* bit 7 masks NMIs */
			__atomic_store_n(&w->cmos_index, b[0] & 0x7f,
					 __ATOMIC_RELAXED);
		else
			memset(data, 0xff, size);
		return;
	}
	if (!write) {
		memset(data, 0xff, size);
		b[0] = rtc_read(__atomic_load_n(&w->cmos_index,
						__ATOMIC_RELAXED));
	}
}

void legacy_kbc_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		   void *data, unsigned int size, bool write)
{
	if (!write) {
		memset(data, 0, size);	/* no data; input buffer empty */
		return;
	}
	if (port == KBC_STATUS && *(uint8_t *)data == KBC_RESET)
		wvm_end_simple(w, v->id, WVM_EV_RESET);
}

void legacy_unknown_io(struct wvm *w, uint16_t port, void *data,
		       unsigned int size, bool write)
{
	unsigned int i, n, max = ARRAY_SIZE(w->unknown_ports);
	bool seen = false;

	if (!write)
		memset(data, 0xff, size);
	pthread_mutex_lock(&w->dev_lock);
	n = w->nr_unknown_ports;
	for (i = 0; i < n && i < max; i++)
		seen |= w->unknown_ports[i] == port;
	if (!seen && n <= max) {
		if (n < max)
			w->unknown_ports[n] = port;
		w->nr_unknown_ports++;
	}
	pthread_mutex_unlock(&w->dev_lock);
	if (seen || n > max)
		return;
	if (n < max)
		wvm_log_guest(w, "unhandled I/O port %#x (%s, %u bytes), reported once",
			port, write ? "write" : "read", size);
	else
		wvm_log_guest(w, "more unhandled I/O ports, not reported");
}
