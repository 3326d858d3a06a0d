"""Can a host shape a guest's interface the way libvirt's <bandwidth> does (htb with an sfq leaf towards
the guest, an ingress policer from it)? Tried on a throwaway veth pair in the host's namespace."""

from __future__ import annotations

from backend.lab import netns

PROBE = "vxprobe0"


def libvirt_bandwidth_works(ns: str) -> tuple[bool, str]:
    """(True, how) when the kernel has what <bandwidth> needs, else (False, what is missing)."""
    netns.ip(ns, "link", "del", PROBE, check=False)
    netns.ip(ns, "link", "add", PROBE, "type", "veth", "peer", "name", "vxprobe1")
    try:
        steps = [
            ("htb", ["qdisc", "add", "dev", PROBE, "root", "handle", "1:", "htb", "default", "1"]),
            ("htb", ["class", "add", "dev", PROBE, "parent", "1:", "classid", "1:1", "htb", "rate", "1mbit"]),
            ("sfq", ["qdisc", "add", "dev", PROBE, "parent", "1:1", "handle", "2:", "sfq", "perturb", "10"]),
            ("ingress", ["qdisc", "add", "dev", PROBE, "ingress"]),
            ("act_police", ["filter", "add", "dev", PROBE, "parent", "ffff:", "protocol", "all", "u32", "match",
                            "u32", "0", "0", "police", "rate", "1mbit", "burst", "10k", "mtu", "64kb", "drop",
                            "flowid", ":1"]),
        ]
        for what, args in steps:
            done = netns.run(["tc", "-n", ns, *args], check=False)
            if done.returncode != 0:
                said = (done.stderr.strip().splitlines() or ["failed"])[0]
                return False, (f"this kernel has no {what} (tc: {said}), so libvirt's <bandwidth> fails: "
                               "guests shape their own egress (tbf)")
        return True, "htb, sfq and policing work: libvirt's <bandwidth> shapes the taps"
    finally:
        netns.ip(ns, "link", "del", PROBE, check=False)
