"""What a guest is told at boot, and the compact kernel command line that carries it.

Format (one word each, repeatable where noted; docs/lab.md has the details):

    vxi.name=NAME                       host name of the guest
    vxi.nic=MAC,ADDRS[,RATE[,DELAY]]    (repeatable) the NIC with this MAC: addresses (CIDR, joined by
                                        '+', may be empty), egress rate in bit/s (tbf; 0 = unshaped),
                                        egress delay in microseconds (netem; 0 = none)
    vxi.route=DEST,GATEWAY              (repeatable) DEST is CIDR or 'default'
    vxi.forward=1                       IPv4 forwarding on (routers)
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

CONSOLE_ARGS = "console=ttyS0,115200 panic=-1 quiet loglevel=4"
MAX_CMDLINE = 2047  # x86 COMMAND_LINE_SIZE less its terminating NUL
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$")


class GuestConfigError(ValueError):
    """A configuration a guest cannot be given (bad MAC, address, route, name, too long a line)."""


@dataclass
class GuestNic:
    """One NIC, found in the guest by its MAC: its addresses and what leaves it (rate bit/s, delay s)."""

    mac: str
    addresses: list[str] = field(default_factory=list)
    rate_bps: float = 0.0
    delay_s: float = 0.0


@dataclass
class GuestConfig:
    """Everything a guest configures at boot: name, NICs, routes, IPv4 forwarding."""

    name: str
    nics: list[GuestNic] = field(default_factory=list)
    routes: list[tuple[str, str]] = field(default_factory=list)
    forward: bool = False

    def check(self) -> None:
        """Raise GuestConfigError naming the first value a guest could not use."""
        if not _NAME.match(self.name):
            raise GuestConfigError(f"guest name '{self.name}': letters, digits, '.' and '-' only (max 63)")
        for nic in self.nics:
            if not _MAC.match(nic.mac):
                raise GuestConfigError(f"{self.name}: MAC '{nic.mac}' is not of the form 52:54:00:xx:xx:xx "
                                       "(lower case)")
            for address in nic.addresses:
                _interface(self.name, address)
            if nic.rate_bps < 0 or nic.delay_s < 0:
                raise GuestConfigError(f"{self.name}: NIC {nic.mac} has a negative rate or delay")
        for destination, gateway in self.routes:
            if destination != "default":
                try:
                    ipaddress.ip_network(destination, strict=False)
                except ValueError:
                    raise GuestConfigError(f"{self.name}: route destination '{destination}' is not "
                                           "CIDR or 'default'") from None
            try:
                ipaddress.ip_address(gateway)
            except ValueError:
                raise GuestConfigError(f"{self.name}: route gateway '{gateway}' is not an address") from None


def _interface(name: str, address: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    if "/" not in address:
        raise GuestConfigError(f"{name}: address '{address}' needs a prefix length (e.g. 10.0.0.1/24)")
    try:
        return ipaddress.ip_interface(address)
    except ValueError:
        raise GuestConfigError(f"{name}: '{address}' is not an address with a prefix length") from None


def kernel_args(config: GuestConfig) -> str:
    """The vxi.* words for a configuration (checked), without the console arguments."""
    config.check()
    words = [f"vxi.name={config.name}"]
    for nic in config.nics:
        fields = [nic.mac, "+".join(nic.addresses)]
        if nic.rate_bps or nic.delay_s:
            fields.append(str(round(nic.rate_bps)))
        if nic.delay_s:
            fields.append(str(round(nic.delay_s * 1e6)))
        words.append("vxi.nic=" + ",".join(fields))
    words += [f"vxi.route={dest},{gw}" for dest, gw in config.routes]
    if config.forward:
        words.append("vxi.forward=1")
    return " ".join(words)


def kernel_cmdline(config: GuestConfig) -> str:
    """The whole kernel command line of a guest of the project's image (GuestConfigError when too long)."""
    line = f"{CONSOLE_ARGS} {kernel_args(config)}"
    if len(line) > MAX_CMDLINE:
        raise GuestConfigError(f"{config.name}: its kernel command line has {len(line)} characters, more than "
                               f"the {MAX_CMDLINE} a kernel accepts (too many NICs or routes)")
    return line


def parse_kernel_args(line: str) -> GuestConfig:
    """The configuration a command line carries (what the guest's init reads), for checks and tools."""
    config = GuestConfig(name="vxi")
    for word in line.split():
        key, _, value = word.partition("=")
        if key == "vxi.name":
            config.name = value
        elif key == "vxi.nic":
            parts = value.split(",")
            parts += [""] * (4 - len(parts))
            config.nics.append(GuestNic(parts[0], [a for a in parts[1].split("+") if a],
                                        float(parts[2] or 0), float(parts[3] or 0) / 1e6))
        elif key == "vxi.route":
            destination, _, gateway = value.partition(",")
            config.routes.append((destination, gateway))
        elif key == "vxi.forward":
            config.forward = value == "1"
    return config
