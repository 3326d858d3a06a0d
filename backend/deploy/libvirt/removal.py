"""Removing a libvirt domain or network that may already be gone."""

from __future__ import annotations


def _remove(obj, gone_code: int) -> None:
    """Stop and undefine a domain or network; one already gone (`gone_code`) is fine."""
    import libvirt

    try:
        if obj.isActive():
            obj.destroy()
    except libvirt.libvirtError:
        pass
    try:
        obj.undefine()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() != gone_code:
            raise


def remove_domain(dom) -> None:
    """Stop and undefine a domain (one already gone is fine)."""
    import libvirt

    _remove(dom, libvirt.VIR_ERR_NO_DOMAIN)


def remove_network(net) -> None:
    """Stop and undefine a network (one already gone is fine)."""
    import libvirt

    _remove(net, libvirt.VIR_ERR_NO_NETWORK)
