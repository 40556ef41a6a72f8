/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vidctl: the worker driven by VID. `hvkvm-worker NAME` reads partition
 * NAME's configuration from VID, builds the VM, attaches to the partition
 * (handing VID the guest-memory table), reports on it, and obeys the
 * requests VID passes on until the VM ends.
 */
#ifndef HVKVM_VIDCTL_H
#define HVKVM_VIDCTL_H

/* Directory of each VM's run files (console log and socket). */
#define VIDCTL_RUN_DIR	"/run/hvkvm"

/* Returns the worker's exit status. */
int vidctl_main(const char *name);

#endif
