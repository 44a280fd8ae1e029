// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's rtl8139 reports PCI revision 0x20, an 8139C+, which 8139too
 * refuses ("use 8139cp"); QEMU has no property to change it. The model
 * also emulates the 8139's original transmit and receive modes, which
 * are what 8139too drives. Loaded in a guest before 8139too, this module
 * sets the revision the kernel recorded for each device vendor:device
 * to revision=, so that 8139too's probe takes it for an 8139. Config
 * space is not changed, and nothing else reads the field afterwards.
 * Test guests only.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/pci.h>

static unsigned int nooks_test_vendor = PCI_VENDOR_ID_REALTEK;
module_param_named(vendor, nooks_test_vendor, uint, 0444);
static unsigned int nooks_test_device = PCI_DEVICE_ID_REALTEK_8139;
module_param_named(device, nooks_test_device, uint, 0444);
static unsigned int nooks_test_revision = 0x10;
module_param_named(revision, nooks_test_revision, uint, 0444);

static int __init nooks_test_pcirev_init(void)
{
	struct pci_dev *pdev = NULL;
	int n = 0;

	if (nooks_test_revision > 0xff)
		return -EINVAL;
	while ((pdev = pci_get_device(nooks_test_vendor, nooks_test_device,
				      pdev))) {
		if (pdev->dev.driver) {
			pci_info(pdev, "nooks test: has a driver, revision kept\n");
			continue;
		}
		pci_info(pdev, "nooks test: revision 0x%02x presented as 0x%02x\n",
			 pdev->revision, nooks_test_revision);
		pdev->revision = nooks_test_revision;
		n++;
	}
	return n ? 0 : -ENODEV;
}
module_init(nooks_test_pcirev_init);

static void __exit nooks_test_pcirev_exit(void)
{
}
module_exit(nooks_test_pcirev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nooks test: present a PCI device at another revision");
