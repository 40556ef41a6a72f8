// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O dispatch: one table of port ranges and their owners. The
 * in-kernel irqchip and PIT take 0x20-0x21, 0x40-0x43, 0x61, 0xa0-0xa1 and
 * 0x4d0-0x4d1 before they get here.
 */
#include <string.h>

#include "internal.h"
#include "pm.h"

#define COM1_BASE	0x3f8

typedef void (*io_fn)(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		      void *data, unsigned int size, bool write);

static void com1_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		    void *data, unsigned int size, bool write)
{
	uint8_t *b = data;
	unsigned int i;

	(void)v;
	for (i = 0; i < size && port + i < COM1_BASE + 8; i++)
		uart_io(w->uart, port + i - COM1_BASE, &b[i], write);
	if (!write && i < size)
		memset(b + i, 0xff, size - i);
}

static void rtc_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		   void *data, unsigned int size, bool write)
{
	(void)v;
	legacy_rtc_io(w, port, data, size, write);
}

/* Known to be poked, nothing behind them: quietly absorbed. */
static void absent_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		      void *data, unsigned int size, bool write)
{
	(void)w, (void)v, (void)port;
	if (!write)
		memset(data, 0xff, size);
}

/* 0xcf8-0xcff: no PCI here, but 0xcf9 as a byte is the reset register. */
static void pci_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		   void *data, unsigned int size, bool write)
{
	if (port == PM_RESET_PORT && size == 1)
		pm_io(w, v, port, data, size, write);
	else
		absent_io(w, v, port, data, size, write);
}

static const struct {
	uint16_t first, last;
	io_fn fn;
} io_table[] = {
	{ 0x0000, 0x001f, absent_io },		/* DMA controller 1 */
	{ 0x002e, 0x002f, absent_io },		/* Super I/O configuration */
	{ 0x004e, 0x004f, absent_io },		/* Super I/O configuration */
	{ 0x0060, 0x0060, legacy_kbc_io },
	{ 0x0064, 0x0064, legacy_kbc_io },
	{ 0x0070, 0x0071, rtc_io },
	{ 0x0080, 0x008f, absent_io },		/* POST code, DMA pages */
	{ 0x0092, 0x0092, absent_io },		/* fast A20 */
	{ 0x00c0, 0x00df, absent_io },		/* DMA controller 2 */
	{ 0x00ed, 0x00ed, absent_io },		/* io_delay alternative */
	{ 0x0278, 0x027a, absent_io },		/* LPT2 */
	{ 0x02e8, 0x02ef, absent_io },		/* COM4 */
	{ 0x02f8, 0x02ff, absent_io },		/* COM2 */
	{ 0x0378, 0x037a, absent_io },		/* LPT1 */
	{ 0x03b0, 0x03df, absent_io },		/* VGA */
	{ 0x03e8, 0x03ef, absent_io },		/* COM3 */
	{ 0x03f0, 0x03f7, absent_io },		/* floppy, IDE status */
	{ COM1_BASE, COM1_BASE + 7, com1_io },
	{ PM1A_EVT, PM1A_EVT + PM1A_EVT_LEN + PM1A_CNT_LEN - 1, pm_io },
	{ 0x0cf8, 0x0cff, pci_io },
};

void ioport_access(struct wvm *w, struct wvm_vcpu *v, uint16_t port,
		   void *data, unsigned int size, bool write)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(io_table); i++)
		if (port >= io_table[i].first && port <= io_table[i].last) {
			io_table[i].fn(w, v, port, data, size, write);
			return;
		}
	legacy_unknown_io(w, port, data, size, write);
}
