"""Putting a period's link values in force on libvirt, in place: each interface's QoS, the link network's
portgroup, or inside the guests where they shape their own links (a mixin of LibvirtDeployer)."""

from __future__ import annotations

import contextlib

from backend.deploy.base import DeployError
from backend.deploy.libvirt import hosts as hostfiles
from backend.deploy.libvirt.xml import kbytes_per_second, portgroup_xml

LINK_NOTICE = ("this libvirt driver cannot set an interface's link down: a link idle in a period keeps 1 kB/s "
               "(the least rate libvirt sets)")


class LinkTuning:
    """`Deployer.retune`, `retune_link` and `shaping` for LibvirtDeployer (which gives `record`, `connection`,
    `network_name`, `_step` and `_retune_in_guest`)."""

    def retune(self, key: str, segment: str, out_bps: float | None, in_bps: float | None,
               latency_s: float | None = None) -> None:
        """Change the QoS of a component's interface on a segment in place (virDomainSetInterfaceParameters, live
        and in its definition): inbound is towards the guest. libvirt cannot set a rate of nothing: a direction
        that carries nothing gets the interface's link set down where the driver can, else the least rate
        libvirt sets (1 kB/s), and a notice says so."""
        import libvirt

        comp = self.record.components[key]
        if self.record.files.get("shaping", {}).get(comp.host) == "guest":  # the guests shape their own links
            self._retune_in_guest(key, segment, out_bps, latency_s)
            iface = next(i for i in comp.interfaces if i.segment == segment)
            iface.rate_out_bps, iface.rate_in_bps = out_bps or 0.0, in_bps or 0.0
            return
        conn = self.connection(comp.host)
        dom = self._step(comp.host, f"looking up domain {comp.name}", lambda: conn.lookupByName(comp.name), key)
        vxi, link = self.record.split_key(segment)
        mac = interface_mac(dom.XMLDesc(0), self.network_name(vxi, link))
        if mac is None:
            raise DeployError(f"host {comp.host}: domain {comp.name} has no interface on link {segment}", comp.host,
                              "retune")
        idle = out_bps == 0 and in_bps == 0
        if idle != _link_down(dom, mac) and not self._link_state(dom, mac, idle) and idle \
                and LINK_NOTICE not in self.record.notices:
            self.record.notices.append(LINK_NOTICE)
        params = {"inbound.average": _qos(in_bps), "outbound.average": _qos(out_bps)}
        live = dom.isActive()
        self._step(comp.host, f"setting the bandwidth of {comp.name} on {segment}",
                   lambda: dom.setInterfaceParameters(mac, params, libvirt.VIR_DOMAIN_AFFECT_LIVE if live else 0),
                   key)
        if live:  # and in its definition, where the driver keeps one apart
            with contextlib.suppress(libvirt.libvirtError):
                dom.setInterfaceParameters(mac, params, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        iface = next(i for i in comp.interfaces if i.segment == segment)
        iface.rate_out_bps, iface.rate_in_bps = out_bps or 0.0, in_bps or 0.0

    def retune_link(self, segment: str, forward_bps: float, reverse_bps: float) -> list[str]:
        """The QoS of the link's libvirt network on each of its hosts, in place: its default portgroup's
        <bandwidth> through virNetworkUpdate (live and in its definition; libvirt has no way to change a running
        network's own <bandwidth>). A lab host's link is a bridge of the project's, and where the guests shape their
links the network has no <bandwidth>: nothing there."""
        import libvirt

        vxi, link = self.record.split_key(segment)
        name = self.network_name(vxi, link)
        xml = portgroup_xml(forward_bps, reverse_bps)
        flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        done = []
        for host_id in self.record.segments.get(segment, {}).get("hosts", []):
            if not any(r.kind == "network" and r.name == name and r.host == host_id for r in self.record.resources):
                continue
            if self.record.files.get("shaping", {}).get(host_id) == "guest":  # no <bandwidth> on its taps
                continue
            conn = self.connection(host_id)
            net = self._step(host_id, f"looking up network {name}", lambda c=conn: c.networkLookupByName(name))
            try:  # networks made before their portgroup existed get one
                net.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY, libvirt.VIR_NETWORK_SECTION_PORTGROUP, -1, xml,
                           flags)
            except libvirt.libvirtError:
                self._step(host_id, f"setting the QoS of network {name}",
                           lambda n=net: n.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                                                  libvirt.VIR_NETWORK_SECTION_PORTGROUP, -1, xml, flags))
            done.append(host_id)
        return [f"network {name}: its default portgroup's <bandwidth> (virNetworkUpdate, live) on "
                f"{', '.join(done)}"] if done else []

    def shaping(self, segment: str) -> list[str]:
        """How this link's values are put in force: per host, at the interfaces (the guests' taps or in the
        guests) and at the libvirt network, where there is one."""
        seg = self.record.segments.get(segment, {})
        vxi, link = self.record.split_key(segment)
        network = self.network_name(vxi, link)
        ways = []
        for host_id in seg.get("hosts", []):
            uri = self.record.hosts.get(host_id, "")
            kind = self.record.files.get("shaping", {}).get(host_id, "host")
            if kind == "guest":
                ways.append(f"{host_id}: inside the guests, each end's egress (tc tbf through the guest's exec "
                            "channel; idle: netem dropping everything)")
                continue
            idle = "1 kB/s when idle (the test driver)" if hostfiles.is_test_uri(uri) else "link down when idle"
            ways.append(f"{host_id}: the interfaces' <bandwidth> (virDomainSetInterfaceParameters, live; {idle})")
            if any(r.kind == "network" and r.name == network and r.host == host_id for r in self.record.resources):
                ways.append(f"{host_id}: network {network}, its default portgroup's <bandwidth> "
                            "(virNetworkUpdate, live)")
        return ways

    @staticmethod
    def _link_state(dom, mac: str, down: bool) -> bool:
        """Set an interface's link down or up (False when the driver cannot)."""
        import libvirt

        xml = (f"<interface type='network'><mac address='{mac}'/>"
               f"<link state='{'down' if down else 'up'}'/></interface>")
        try:
            dom.updateDeviceFlags(xml, libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        except libvirt.libvirtError:
            return False
        return True


def _qos(bps: float | None) -> int:
    """libvirt's average (kB/s) for a rate: 0 means no limit, so a rate of nothing becomes the least, 1."""
    if bps is None:
        return 0
    return kbytes_per_second(bps) if bps else 1


def interface_mac(xml: str, network: str) -> str | None:
    """The MAC address of a domain's interface on a network, from its XML."""
    from lxml import etree

    root = etree.fromstring(xml.encode())
    for iface in root.iterfind("devices/interface"):
        source, mac = iface.find("source"), iface.find("mac")
        if source is not None and source.get("network") == network and mac is not None:
            return mac.get("address")
    return None


def _link_down(dom, mac: str) -> bool:
    from lxml import etree

    root = etree.fromstring(dom.XMLDesc(0).encode())
    for iface in root.iterfind("devices/interface"):
        mac_el, link = iface.find("mac"), iface.find("link")
        if mac_el is not None and mac_el.get("address") == mac:
            return link is not None and link.get("state") == "down"
    return False
