// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI fixed hardware: the PM1a event block (status, enable) and control
 * register, the reset register, and the power button.
 *
 * The guest powers off by writing SLP_TYP = 5 (\_S5) with SLP_EN to
 * PM1a_CNT; it resets by writing the FADT's reset value to 0xcf9 (any
 * byte with bit 2 set, as on a PIIX). The power button sets PWRBTN_STS;
 * the SCI (IRQ 9, level) is raised while an enabled status bit is set.
 */
#include <string.h>

#include "internal.h"
#include "pm.h"

/* Under dev_lock. */
static void update_sci(struct wvm *w)
{
	bool level = w->pm.sts & w->pm.en & PM1_PWRBTN;

	if (level != w->pm.sci) {
		w->pm.sci = level;
		wvm_irq_line(w, IRQ_SCI, level);
	}
}

static uint8_t pm_read(struct wvm *w, unsigned int off)
{
	uint16_t reg;

	switch (off / 2) {
	case 0:
		reg = w->pm.sts;
		break;
	case 1:
		reg = w->pm.en;
		break;
	default:
		reg = w->pm.cnt | PM1_SCI_EN;	/* always in ACPI mode */
		break;
	}
	return reg >> (off % 2 * 8);
}

/* Returns an event to report, or 0. */
static enum wvm_event_type pm_write(struct wvm *w, unsigned int off,
				    uint8_t val)
{
	unsigned int shift = off % 2 * 8;
	uint16_t mask = 0xff << shift, v = (uint16_t)val << shift;

	switch (off / 2) {
	case 0:
		w->pm.sts &= ~v;		/* write 1 to clear */
		break;
	case 1:
		w->pm.en = (w->pm.en & ~mask) | v;
		break;
	default:
		w->pm.cnt = ((w->pm.cnt & ~mask) | v) & ~PM1_SLP_EN;
		if (!(v & PM1_SLP_EN))
			break;
		if (PM1_SLP_TYP(w->pm.cnt) == PM_SLP_TYP_S5)
			return WVM_EV_POWEROFF;
		wvm_log_guest(w, "guest asked for sleep type %u, not supported",
			PM1_SLP_TYP(w->pm.cnt));
		break;
	}
	return 0;
}

void pm_io(struct wvm *w, struct wvm_vcpu *v, uint16_t port, void *data,
	   unsigned int size, bool write)
{
	enum wvm_event_type ev = 0;
	uint8_t *b = data;
	unsigned int i;

	if (port == PM_RESET_PORT) {
		if (write && size == 1 && (b[0] & 0x04))
			wvm_end_simple(w, v->id, WVM_EV_RESET);
		else if (!write)
			memset(data, 0, size);
		return;
	}

	pthread_mutex_lock(&w->dev_lock);
	for (i = 0; i < size; i++) {
		unsigned int off = port + i - PM1A_EVT;

		if (off >= PM1A_EVT_LEN + PM1A_CNT_LEN) {
			if (!write)
				b[i] = 0xff;
		} else if (write) {
			ev = ev ? ev : pm_write(w, off, b[i]);
		} else {
			b[i] = pm_read(w, off);
		}
	}
	update_sci(w);
	pthread_mutex_unlock(&w->dev_lock);
	if (ev)
		wvm_end_simple(w, v->id, ev);
}

int pm_power_button(struct wvm *w)
{
	pthread_mutex_lock(&w->dev_lock);
	w->pm.sts |= PM1_PWRBTN;
	update_sci(w);
	pthread_mutex_unlock(&w->dev_lock);
	return 0;
}
