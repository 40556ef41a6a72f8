/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * The DSDT of an hvkvm guest: the S5 sleep type the guest writes to
 * PM1a_CNT to power off (pm.c), and the VMBus device, found by Linux's
 * hv_vmbus through its _HID (exactly "VMBUS") and walked for resources
 * through its _CRS (which must exist, even empty). See
 * Documentation/worker.rst, "ACPI".
 */
DefinitionBlock ("dsdt.aml", "DSDT", 2, "HVKVM", "HVKVMDSD", 1)
{
    /* SLP_TYPa, SLP_TYPb: pm.c powers off on SLP_TYP 5 with SLP_EN */
    Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

    Scope (\_SB)
    {
        Device (VMBS)
        {
            Name (_HID, "VMBUS")
            Name (_UID, Zero)
            Name (_CRS, ResourceTemplate () {})
        }
    }
}
