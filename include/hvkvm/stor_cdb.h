/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SCSI commands a guest may send to one of its disks, checked before
 * they go to the host's SCSI target (LIO, target_core_mod), as portable
 * code.
 *
 * Why a filter at all: LIO believes its fabric about a command's data.
 * It takes the direction it is handed, not the opcode's: a READ handed
 * over as a transfer to the device writes the guest's buffer to disk,
 * and a read-only LUN is only read-only for transfers to the device. A
 * transfer longer or shorter than the CDB's leaves LIO with a
 * scatterlist that its backends walk past the command's data length.
 * Many malformed CDBs make it log without a rate limit (blocks past the
 * end of the LUN, an unknown mode page, DPO or FUA on a device without a
 * write cache), so a hostile guest could fill the host's log. And some
 * commands reach past the guest's own disk: persistent reservations
 * write files on the host, SET TARGET PORT GROUPS changes the host's
 * ALUA state, EXTENDED COPY names other devices.
 *
 * So the filter is an allowlist, one entry per opcode (the table in
 * stor_cdb.c), each with the one direction the opcode moves data in and
 * the way its CDB counts the bytes. A command passes only when:
 *
 *  - its opcode is listed (anything else: INVALID COMMAND OPERATION
 *    CODE) and the CDB is as long as the opcode's group makes it;
 *  - the guest's direction is the opcode's, or "no data" when the CDB
 *    moves no bytes (a READ of no blocks: Linux sends every empty
 *    transfer so);
 *  - the guest's buffer fits the CDB: for READ and WRITE exactly the
 *    blocks times the block size, for the commands that return data at
 *    least their allocation length, for those that send data (UNMAP,
 *    MODE SELECT) at least their parameter list length, and no buffer
 *    at all when the CDB moves no bytes;
 *  - every block it names lies on the LUN (LBA OUT OF RANGE otherwise,
 *    computed without wrapping at the top of 64 bits);
 *  - on a read-only LUN, its opcode is not one that sends data: a
 *    write, UNMAP, MODE SELECT (DATA PROTECT, whatever its count);
 *  - its fields are ones LIO handles without logging: no protection
 *    information, DPO and FUA only where the device takes them, mode
 *    pages LIO has, no descriptor-format REQUEST SENSE, only the service
 *    actions listed.
 *
 * Anything else is refused here (with ILLEGAL REQUEST, INVALID FIELD IN
 * CDB unless said otherwise) and never reaches LIO. The commands left
 * out on purpose, and why, are listed at the table. A command that
 * passes may go to LIO with the guest's direction and buffer length as
 * they are.
 *
 * What a CDB cannot show stays with LIO: the contents of an UNMAP
 * parameter list (LIO warns, without a rate limit, when its block
 * descriptor length runs past the list; only a fabric that copies the
 * list before LIO sees it could check that), and the rate-limited
 * warnings LIO gives when the guest's buffer is longer than the CDB's
 * count, or for SYNCHRONIZE CACHE and VERIFY of a number of blocks (LIO
 * counts those blocks as data the command does not move).
 *
 * Nothing here allocates, sleeps or logs; the CDB is read only up to
 * cdb_len.
 */
#ifndef _HVKVM_STOR_CDB_H
#define _HVKVM_STOR_CDB_H

#include <hvkvm/stor_msg.h>

/* What a LUN allows, from the device and the mapping behind it. */
struct vmb_stor_lun_info {
	u64 nblocks;		/* the LUN's size in logical blocks */
	u32 block_size;		/* bytes per logical block (512, 4096) */
	u32 flags;		/* VMB_STOR_LUN_* below */
};

/* writes refused (DATA PROTECT) */
#define VMB_STOR_LUN_RO		0x1
/* the target takes FUA (and DPO): LIO's target_check_fua() */
#define VMB_STOR_LUN_FUA	0x2
/* UNMAP allowed (LIO attrib emulate_tpu = 1) */
#define VMB_STOR_LUN_UNMAP	0x4

/*
 * A guest's CDB (cdb_len bytes), sent with direction dir
 * (VMB_STOR_DATA_*) and a buffer of xfer bytes (0: none), for a LUN as
 * lun describes it: 0 when it may go to LIO, or the length (> 0) of the
 * fixed-format sense data (vmb_stor_sense(), VMB_STOR_SENSE_MAX bytes of
 * room) it is refused with, to answer the guest with CHECK CONDITION.
 */
int vmb_stor_cdb_check(const u8 *cdb, u32 cdb_len, u8 dir, u32 xfer,
		       const struct vmb_stor_lun_info *lun, u8 *sense);

/*
 * An UNMAP parameter list (len bytes, a copy the guest cannot change any
 * more: LIO reads it twice) before LIO gets it: 0, or the length of the
 * sense data (PARAMETER LIST LENGTH ERROR) it is refused with. A list is
 * empty, or an 8-byte header whose block descriptor data length fits in
 * what follows it: LIO warns on every other, without a rate limit.
 */
int vmb_stor_unmap_check(const u8 *list, u32 len, u8 *sense);

#endif /* _HVKVM_STOR_CDB_H */
