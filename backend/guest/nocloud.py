"""A user's own disk image for a component, named in VXDL by the extension element

    <x:disk source="/srv/images/debian-12-genericcloud-amd64.qcow2" format="qcow2"
            cloudInit="true" userData="/srv/images/extra-user-data"/>

(on a vNode or vRouter), and the cloud-init NoCloud seed that gives such a guest the same configuration
as the project's image: addresses and routes (network-config v2, matched by MAC), host name, IPv4
forwarding, shaping and the exec agent (user-data), on an ISO 9660 volume labelled "cidata"."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from backend.guest import iso9660, scripts
from backend.guest.config import GuestConfig, kernel_args

EXT_NS = "urn:vxi-designer:vxdl-ext:1"
DISK_TAG = f"{{{EXT_NS}}}disk"
FORMATS = ("qcow2", "raw")
AGENT_PATH = "/usr/local/sbin/vxi-agent"
CONFIGURE_PATH = "/usr/local/sbin/vxi-configure"
CONFIGURE_UNIT = f"""[Unit]
Description=VXI Designer guest configuration (IPv4 forwarding, shaping)
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=VXI_ADDRESSES=0
ExecStart=/bin/sh -c '{CONFIGURE_PATH} $(cat /etc/vxi/cmdline)'

[Install]
WantedBy=multi-user.target
"""
AGENT_UNIT = f"""[Unit]
Description=VXI Designer guest agent (vxi exec), where qemu-guest-agent is not installed
ConditionPathExists=!/usr/sbin/qemu-ga

[Service]
ExecStart={AGENT_PATH}
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
"""


class UserDiskError(ValueError):
    """An <x:disk> element that cannot be used (no source, unknown format, bad boolean)."""


@dataclass
class UserDisk:
    """A component's own disk image: path on every host, its format, whether to attach a NoCloud seed,
    and a user-data file of the user's own to add to the seed."""

    source: str
    format: str = "qcow2"
    cloud_init: bool = True
    user_data: str | None = None

    @classmethod
    def from_element(cls, el: etree._Element) -> UserDisk:
        """Read an <x:disk> element."""
        source = (el.get("source") or "").strip()
        if not source:
            raise UserDiskError("<x:disk> needs a source (the path of the disk image on each host)")
        fmt = el.get("format", "qcow2")
        if fmt not in FORMATS:
            raise UserDiskError(f"<x:disk source='{source}'>: format '{fmt}' is not one of {', '.join(FORMATS)}")
        flag = el.get("cloudInit", "true")
        if flag not in ("true", "false", "1", "0"):
            raise UserDiskError(f"<x:disk source='{source}'>: cloudInit must be true or false, not '{flag}'")
        return cls(source, fmt, flag in ("true", "1"), el.get("userData"))

    def to_element(self) -> etree._Element:
        """The <x:disk> element for this disk."""
        el = etree.Element(DISK_TAG, nsmap={"x": EXT_NS}, source=self.source)
        if self.format != "qcow2":
            el.set("format", self.format)
        if not self.cloud_init:
            el.set("cloudInit", "false")
        if self.user_data:
            el.set("userData", self.user_data)
        return el


def user_disk_of(component) -> UserDisk | None:
    """The <x:disk> a component carries among its kept extension elements, or None."""
    for raw in getattr(component, "extensions", []):
        el = etree.fromstring(raw.encode() if isinstance(raw, str) else raw)
        if el.tag == DISK_TAG:
            return UserDisk.from_element(el)
    return None


def network_config(config: GuestConfig) -> dict:
    """cloud-init network-config version 2: each NIC by MAC, static addresses, routes on the NIC whose
    subnet holds the gateway (the first NIC otherwise), no DHCP."""
    ethernets: dict[str, dict] = {}
    subnets = []
    for i, nic in enumerate(config.nics):
        key = f"vxi{i}"
        ethernets[key] = {"match": {"macaddress": nic.mac}, "dhcp4": False, "dhcp6": False,
                          "addresses": list(nic.addresses)}
        subnets += [(key, ipaddress.ip_interface(a).network) for a in nic.addresses]
    for destination, gateway in config.routes:
        gw = ipaddress.ip_address(gateway)
        key = next((k for k, net in subnets if gw in net), next(iter(ethernets), None))
        if key is not None:
            to = "0.0.0.0/0" if destination == "default" else destination
            ethernets[key].setdefault("routes", []).append({"to": to, "via": gateway})
    return {"version": 2, "ethernets": ethernets}


def cloud_config(config: GuestConfig) -> dict:
    """The cloud-config part: host name, the agent and configure scripts, and services that apply
    forwarding and shaping and run the agent (unless qemu-guest-agent is there) at every boot."""
    return {
        "hostname": config.name,
        "write_files": [
            {"path": AGENT_PATH, "permissions": "0755", "content": scripts.AGENT},
            {"path": CONFIGURE_PATH, "permissions": "0755", "content": scripts.CONFIGURE},
            {"path": "/etc/vxi/cmdline", "permissions": "0644", "content": kernel_args(config) + "\n"},
            {"path": "/etc/systemd/system/vxi-configure.service", "permissions": "0644", "content": CONFIGURE_UNIT},
            {"path": "/etc/systemd/system/vxi-agent.service", "permissions": "0644", "content": AGENT_UNIT},
        ],
        "runcmd": [
            ["sh", "-c", "if command -v systemctl >/dev/null; then systemctl daemon-reload; "
                         "systemctl enable --now vxi-configure.service vxi-agent.service; else VXI_ADDRESSES=0 "
                         f"{CONFIGURE_PATH} $(cat /etc/vxi/cmdline); [ -x /usr/sbin/qemu-ga ] || "
                         f"nohup {AGENT_PATH} >/dev/null 2>&1 & fi"],
        ],
    }


def _user_data(config: GuestConfig, extra: bytes | None) -> bytes:
    own = b"#cloud-config\n" + json.dumps(cloud_config(config), indent=1).encode() + b"\n"
    if not extra:
        return own
    boundary = "vxi-" + hashlib.sha256(own + extra).hexdigest()[:24]
    extra_type = "text/cloud-config" if extra.startswith(b"#cloud-config") else "text/x-shellscript"
    parts = [(own, "text/cloud-config", "vxi.cfg"), (extra, extra_type, "user")]
    out = [f'Content-Type: multipart/mixed; boundary="{boundary}"\nMIME-Version: 1.0\n\n'.encode()]
    for body, kind, name in parts:
        out.append(f'--{boundary}\nContent-Type: {kind}; charset="utf-8"\nMIME-Version: 1.0\n'
                   f'Content-Disposition: attachment; filename="{name}"\n\n'.encode() + body + b"\n")
    out.append(f"--{boundary}--\n".encode())
    return b"".join(out)


def seed_files(config: GuestConfig, extra_user_data: bytes | None = None) -> dict[str, bytes]:
    """meta-data, user-data and network-config of a guest (JSON is YAML to cloud-init). The instance id
    follows the configuration, so a changed configuration is applied again."""
    config.check()
    network = json.dumps(network_config(config), indent=1).encode() + b"\n"
    user = _user_data(config, extra_user_data)
    instance = "vxi-" + hashlib.sha256(network + user).hexdigest()[:16]
    meta = json.dumps({"instance-id": instance, "local-hostname": config.name}, indent=1).encode() + b"\n"
    return {"meta-data": meta, "user-data": user, "network-config": network}


def seed_iso(config: GuestConfig, disk: UserDisk | None = None) -> bytes:
    """The NoCloud seed ISO of a guest (with the user's own user-data when the disk names one)."""
    extra = Path(disk.user_data).read_bytes() if disk and disk.user_data else None
    return iso9660.build("cidata", seed_files(config, extra))


def write_seed(path: Path, config: GuestConfig, disk: UserDisk | None = None) -> Path:
    """Write the NoCloud seed ISO of a guest (with the user's own user-data when the disk names one)."""
    data = seed_iso(config, disk)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
