// SPDX-License-Identifier: GPL-2.0
/*
 * Virtio drivers. A virtio driver's remove must reset its device and
 * delete the virtqueues its probe found (through the transport's config
 * ops: virtio_pci's MSI-X vectors and rings), and the virtio core warns
 * when it did not. When the kernel unbinds a device from a failed
 * domain (recovery releasing the driver's registration, which
 * virtio.spec records), the driver's remove cannot run: its entry
 * wrapper does those two steps instead, so the device goes back to the
 * virtio core as a fresh one and the restarted driver probes it again.
 *
 * Only the virtio_device's own config ops are called: nooks.ko does not
 * depend on virtio.ko.
 */
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "../arch/x86/protect.h"
#include "../core/domain.h"
#include "../domains/xpc.h"
#include "entry.h"
#include "wrap.h"

/*
 * Under protection, the driver may write its virtio_device from its probe
 * until its remove (vdev->priv, its config_enabled...), as a PCI driver
 * its pci_dev: granted when the probe starts, revoked when it fails or
 * when the remove returns (a failed domain's table goes with it).
 */
static int nooks_virtio_probe_pre(struct nooks_xpc_frame *f)
{
	if (f->rdi)
		nooks_protect_grant(f->domain, f->rdi,
				    sizeof(struct virtio_device));
	return 0;
}

static void nooks_virtio_probe_post(struct nooks_xpc_frame *f)
{
	if (f->rdi && (int)f->rax)
		nooks_protect_revoke(f->domain, f->rdi,
				     sizeof(struct virtio_device));
}

static const struct nooks_wrapper nooks_virtio_probe = {
	.name = "virtio probe",
	.pre = nooks_virtio_probe_pre,
	.post = nooks_virtio_probe_post,
};

static void nooks_virtio_remove_post(struct nooks_xpc_frame *f)
{
	if (f->rdi)
		nooks_protect_revoke(f->domain, f->rdi,
				     sizeof(struct virtio_device));
}

/* A failed domain's remove: what every virtio driver's remove does. */
static unsigned long nooks_virtio_remove_fail(struct nooks_xpc_frame *f)
{
	struct virtio_device *vdev = (struct virtio_device *)f->rdi;

	if (!vdev || !vdev->config)
		return 0;
	dev_info(&vdev->dev, "nooks: %s failed: device reset, virtqueues deleted\n",
		 f->domain ? f->domain->name : "driver");
	vdev->config->reset(vdev);
	vdev->config->del_vqs(vdev);
	return 0;
}

static const struct nooks_wrapper nooks_virtio_remove = {
	.name = "virtio remove",
	.post = nooks_virtio_remove_post,
	.fail = nooks_virtio_remove_fail,
};

/**
 * nooks_wrap_register_virtio_driver() - pre= of register_virtio_driver
 * @f: the exit gate's frame: (driver)
 *
 * The driver's probe and remove, entry stubs of the domain, get the
 * wrappers above.
 */
void nooks_wrap_register_virtio_driver(struct nooks_xpc_frame *f)
{
	struct virtio_driver *drv = (struct virtio_driver *)f->rdi;

	if (!drv)
		return;
	nooks_entry_wrap(f->domain, drv->probe, &nooks_virtio_probe);
	nooks_entry_wrap(f->domain, drv->remove, &nooks_virtio_remove);
}
EXPORT_SYMBOL_NS_GPL(nooks_wrap_register_virtio_driver, NOOKS_INTERNAL);
