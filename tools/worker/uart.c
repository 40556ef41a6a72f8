// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A at COM1 (0x3f8, IRQ 4), the guest's console. Transmission is
 * instantaneous: a byte written to THR goes to the console (log file and
 * attached client) and THR is empty again at once. Received bytes come
 * from the attached client. Enough of the chip for Linux's 8250 driver to
 * detect a 16550A and run it on interrupts: IER, IIR with FIFO bits, FCR,
 * LCR/DLAB, MCR with loopback, LSR, MSR with deltas, SCR.
 *
 * The IRQ line is level-like: high while IIR has an interrupt pending;
 * the ISA edge the guest sees is its rising edge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08
#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_ERRORS	0x1e
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_DCD		0x80

#define RX_SIZE		256

struct wvm_uart {
	struct wvm *w;
	pthread_mutex_t lock;
	uint8_t ier, iir, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool thr_ipending;
	bool irq;
	uint8_t rx[RX_SIZE];
	unsigned int rx_head, rx_count;
};

int uart_create(struct wvm *w, struct wvm_uart **up)
{
	struct wvm_uart *u = calloc(1, sizeof(*u));

	if (!u)
		return wvm_fail(w, ENOMEM, "out of memory");
	u->w = w;
	pthread_mutex_init(&u->lock, NULL);
	u->iir = IIR_NO_INT;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->dll = 12;				/* 9600 baud */
	*up = u;
	return 0;
}

void uart_destroy(struct wvm_uart *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* Under u->lock: recompute IIR and the line, by 16550 priority. */
static void update_irq(struct wvm_uart *u)
{
	uint8_t iir;

	if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRORS))
		iir = IIR_RLSI;
	else if ((u->ier & IER_RDI) && (u->lsr & LSR_DR))
		iir = IIR_RDI;
	else if ((u->ier & IER_THRI) && u->thr_ipending)
		iir = IIR_THRI;
	else if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		iir = IIR_MSI;
	else
		iir = IIR_NO_INT;
	u->iir = iir | (u->fcr & FCR_ENABLE ? IIR_FIFO : 0);
	if (u->irq != !(iir & IIR_NO_INT)) {
		u->irq = !(iir & IIR_NO_INT);
		wvm_irq_line(u->w, IRQ_COM1, u->irq);
	}
}

static void rx_push(struct wvm_uart *u, uint8_t ch)
{
	if (u->rx_count == RX_SIZE) {
		u->lsr |= LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count++) % RX_SIZE] = ch;
	u->lsr |= LSR_DR;
}

static uint8_t rx_pop(struct wvm_uart *u)
{
	uint8_t ch = 0;

	if (u->rx_count) {
		ch = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % RX_SIZE;
		u->rx_count--;
	}
	if (!u->rx_count)
		u->lsr &= ~LSR_DR;
	return ch;
}

/* In loopback the modem inputs follow the outputs: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
static void update_msr(struct wvm_uart *u)
{
	uint8_t st;

	if (u->mcr & MCR_LOOP)
		st = ((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
		     ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4);
	else
		st = MSR_DCD | MSR_DSR | MSR_CTS;
	/* deltas: CTS, DSR, trailing edge of RI, DCD */
	u->msr = (u->msr & MSR_DELTAS) | st |
		 (((u->msr ^ st) >> 4) & 0x0b) |
		 (((u->msr & ~st) >> 4) & 0x04);
}

static void write_reg(struct wvm_uart *u, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			break;
		}
		if (u->mcr & MCR_LOOP)
			rx_push(u, v);
		else
			console_out(u->w->con, v);
		u->lsr |= LSR_THRE | LSR_TEMT;
		u->thr_ipending = true;
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling THRI with THR empty raises it, as on a real 16550. */
		if (!(u->ier & IER_THRI) && (v & IER_THRI) && (u->lsr & LSR_THRE))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case IIR_FCR:
		u->fcr = v & (FCR_ENABLE | 0xc0);
		if ((v & FCR_CLEAR_RX) || !(v & FCR_ENABLE)) {
			u->rx_count = 0;
			u->lsr &= ~LSR_DR;
		}
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		update_msr(u);
		break;
	case SCR:
		u->scr = v;
		break;
	default:	/* LSR, MSR: factory test, ignored */
		break;
	}
}

static uint8_t read_reg(struct wvm_uart *u, unsigned int reg)
{
	uint8_t v;

	switch (reg) {
	case RBR_THR:
		return u->lcr & LCR_DLAB ? u->dll : rx_pop(u);
	case IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case IIR_FCR:
		v = u->iir;
		if ((v & 0x0f) == IIR_THRI)	/* reading IIR acknowledges THRE */
			u->thr_ipending = false;
		return v;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = u->lsr;
		u->lsr &= ~LSR_ERRORS;
		return v;
	case MSR:
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		return v;
	default:
		return u->scr;
	}
}

void uart_io(struct wvm_uart *u, uint16_t off, uint8_t *val, bool write)
{
	pthread_mutex_lock(&u->lock);
	if (write)
		write_reg(u, off & 7, *val);
	else
		*val = read_reg(u, off & 7);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t uart_rx_room(struct wvm_uart *u)
{
	size_t room;

	pthread_mutex_lock(&u->lock);
	room = RX_SIZE - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

void uart_rx(struct wvm_uart *u, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&u->lock);
	if (!(u->mcr & MCR_LOOP))
		while (len--)
			rx_push(u, *buf++);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}
