/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of object a domain can hold. One table for the tracker
 * (enum nooks_obj_type, the names under
 * /sys/kernel/nooks/domains/<d>/objects/), for tools/wrapgen, which
 * checks the TYPE of each spec clause against it, and for the docs test.
 *
 * NOOKS_OBJ_TYPE(NAME, name, flags, what)
 *   NAME: the enum constant is NOOKS_OBJ_<NAME>; name: the sysfs file
 *   and the TYPE of the specs.
 *   flags: NOOKS_OBJF_EMBEDDED for objects that live inside memory the
 *   driver owns (a timer in its private struct): freeing that memory
 *   forgets them, since nothing is left to release.
 *
 * Include this after defining NOOKS_OBJ_TYPE.
 */
NOOKS_OBJ_TYPE(MEMORY, memory, 0, "kmalloc, vmalloc, page and per-CPU memory")
NOOKS_OBJ_TYPE(IRQ, irq, 0, "interrupt handlers")
NOOKS_OBJ_TYPE(TIMER, timer, NOOKS_OBJF_EMBEDDED, "timers and hrtimers the driver armed")
NOOKS_OBJ_TYPE(WORK, work, NOOKS_OBJF_EMBEDDED, "work items and delayed work the driver queued")
NOOKS_OBJ_TYPE(TASKLET, tasklet, NOOKS_OBJF_EMBEDDED, "tasklets the driver scheduled")
NOOKS_OBJ_TYPE(NAPI, napi, NOOKS_OBJF_EMBEDDED, "NAPI contexts added to a net_device")
NOOKS_OBJ_TYPE(NETDEV, netdev, 0, "net_device allocations")
NOOKS_OBJ_TYPE(NETDEV_REGISTERED, netdev_registered, 0, "registered net_devices")
NOOKS_OBJ_TYPE(SKB, skb, 0, "socket buffers the driver allocated and still owns")
NOOKS_OBJ_TYPE(REQUEST, request, 0, "block requests the driver was handed and has not ended")
NOOKS_OBJ_TYPE(BLK_MQ, blk_mq, 0, "blk-mq tag sets")
NOOKS_OBJ_TYPE(GENDISK, gendisk, 0, "allocated gendisks")
NOOKS_OBJ_TYPE(DISK_ADDED, disk_added, 0, "gendisks added to the system")
NOOKS_OBJ_TYPE(PCI_ENABLED, pci_enabled, 0, "PCI devices enabled")
NOOKS_OBJ_TYPE(PCI_REGIONS, pci_regions, 0, "PCI BAR regions requested")
NOOKS_OBJ_TYPE(PCI_MASTER, pci_master, 0, "PCI devices with bus mastering on")
NOOKS_OBJ_TYPE(PCI_MSI, pci_msi, 0, "MSI and MSI-X vectors")
NOOKS_OBJ_TYPE(DMA_COHERENT, dma_coherent, 0, "coherent DMA buffers")
NOOKS_OBJ_TYPE(DMA_MAPPING, dma_mapping, 0, "streaming DMA mappings")
NOOKS_OBJ_TYPE(IOMAP, iomap, 0, "MMIO mappings (ioremap, pci_iomap)")
NOOKS_OBJ_TYPE(CHRDEV, chrdev, 0, "character and misc devices")
NOOKS_OBJ_TYPE(DRIVER, driver, 0, "driver registrations (PCI, rtnl link, block major, configfs)")
NOOKS_OBJ_TYPE(SYSFS, sysfs, 0, "sysfs and debugfs files")
NOOKS_OBJ_TYPE(KTHREAD, kthread, 0, "kernel threads")
NOOKS_OBJ_TYPE(WORKQUEUE, workqueue, 0, "workqueues")
NOOKS_OBJ_TYPE(NOTIFIER, notifier, 0, "notifier registrations")
NOOKS_OBJ_TYPE(LOCK, lock, 0, "locks held across calls")
NOOKS_OBJ_TYPE(ID, id, 0, "allocated ids (IDA)")
NOOKS_OBJ_TYPE(REGION, region, 0, "I/O port and memory regions requested (request_region)")
