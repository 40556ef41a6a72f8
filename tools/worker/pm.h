/* SPDX-License-Identifier: GPL-2.0 */
/* I/O ports of the ACPI fixed hardware we emulate (pm.c), named in the FADT. */
#ifndef HVKVM_WORKER_PM_H
#define HVKVM_WORKER_PM_H

#define PM1A_EVT	0x600	/* PM1a_STS (2 bytes), PM1a_EN (2 bytes) */
#define PM1A_EVT_LEN	4
#define PM1A_CNT	0x604
#define PM1A_CNT_LEN	2
#define PM_RESET_PORT	0xcf9	/* the FADT reset register, also PIIX's RCR */
#define PM_RESET_VALUE	0x06

#define PM1_PWRBTN	(1u << 8)	/* in PM1_STS and PM1_EN */
#define PM1_SCI_EN	(1u << 0)	/* in PM1_CNT */
#define PM1_SLP_TYP(c)	(((c) >> 10) & 7)
#define PM1_SLP_EN	(1u << 13)
#define PM_SLP_TYP_S5	5	/* as in \_S5, acpi/dsdt.asl */

#endif
