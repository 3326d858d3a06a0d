"""Traffic control: htb shaping to a rate, netem delay where the kernel has it, qdisc listing."""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache

from backend.deploy.netns.netlink import KernelError, _fail, _index, _netlink, _open

NETEM_MISSING = "this kernel has htb/tbf but NO netem: link latency is not emulated"


@lru_cache(maxsize=1)
def has_netem() -> bool:
    """Whether this kernel can emulate delay (probed once in a scratch namespace)."""
    from pyroute2 import netns

    probe = f"vxiprobe{os.getpid()}"
    try:
        netns.create(probe)
        handle = _open(probe)
        try:
            handle.link("set", index=_index(handle, probe, "lo"), state="up")
            handle.tc("add", "netem", index=_index(handle, probe, "lo"), handle="1:", delay=1000)
        finally:
            handle.close()
        return True
    except Exception:
        return False
    finally:
        try:
            netns.remove(probe)
        except OSError:
            pass


def shape(ns: str, ifname: str, rate_bps: float, delay_s: float | None = None) -> str | None:
    """Shape an interface's egress to `rate_bps` with htb (and `delay_s` with netem when present).

    Returns a notice when the delay could not be applied, else None. Replaces earlier shaping.
    """
    rate = max(int(rate_bps), 8000)
    notice = None
    try:
        with _netlink(ns) as h:
            index = _index(h, ns, ifname)
            try:
                h.tc("del", index=index, root=True)
            except Exception:
                pass
            h.tc("add", "htb", index=index, handle="1:", default=0x10, r2q=max(1, rate // 8 // 60000))
            burst = max(rate // 8 // 250, 16 * 1024)
            h.tc("add-class", "htb", index=index, handle="1:10", parent="1:", rate=f"{rate}bit",
                 ceil=f"{rate}bit", burst=burst, cburst=burst)
            if delay_s:
                if has_netem():
                    h.tc("add", "netem", index=index, handle="10:", parent="1:10", delay=int(delay_s * 1e6))
                else:
                    notice = NETEM_MISSING
    except KernelError:
        raise
    except Exception as exc:
        raise _fail(f"shaping {ifname} to {rate} bit/s", ns, exc) from exc
    return notice


def unshape(ns: str, ifname: str) -> None:
    """Remove the shaping of an interface (nothing happens when there is none)."""
    with _netlink(ns) as h:
        try:
            h.tc("del", index=_index(h, ns, ifname), root=True)
        except KernelError:
            raise
        except Exception:
            pass


def qdiscs(ns: str | None) -> dict[str, list[str]]:
    """Queueing disciplines per interface (kinds, root first), the kernel defaults left out."""
    found: dict[str, list[str]] = {}
    with _netlink(ns) as h:
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in h.get_links()}
        for q in h.get_qdiscs():
            kind = q.get_attr("TCA_KIND")
            if kind in ("noqueue", "pfifo_fast", "mq", "fq_codel") and q["handle"] == 0:
                continue
            found.setdefault(names.get(q["index"], "?"), []).append(kind)
    return found


def _tc(ns: str, *args: str) -> None:
    result = subprocess.run(["tc", "-n", ns, *args], capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        raise KernelError(f"tc {' '.join(args)} in namespace {ns}: {result.stderr.strip()}")


SHOT = "1,6 0 0 2,"  # classic BPF "ret #2": TC_ACT_SHOT in direct-action mode (no tc action module needed)


def seal(ns: str, ifname: str) -> None:
    """Drop every frame an interface (a bridge) would pass up to its own namespace's stack (ARP, IPv4, IPv6):
    what it forwards between its ports is untouched."""
    _tc(ns, "qdisc", "add", "dev", ifname, "ingress")
    _tc(ns, "filter", "add", "dev", ifname, "ingress", "bpf", "da", "bytecode", SHOT)


def shape_shared(ns: str, ifname: str, rate_bps: float, groups: list[list[int]]) -> None:
    """Shape `ifname` to `rate_bps` and share it fairly between groups of VXLAN segments (one htb
    class per group, an equal guaranteed part each, each free to borrow up to the whole rate).
    Packets are classified by their VXLAN network identifier; anything else goes to a small class."""
    rate = max(int(rate_bps), 8000)
    burst = str(max(rate // 8 // 250, 16 * 1024))
    share = max(rate // max(len(groups), 1), 8000)
    try:
        _tc(ns, "qdisc", "del", "dev", ifname, "root")
    except KernelError:
        pass
    _tc(ns, "qdisc", "add", "dev", ifname, "root", "handle", "1:", "htb", "default", "99",
        "r2q", str(max(1, rate // 8 // 60000)))
    _tc(ns, "class", "add", "dev", ifname, "parent", "1:", "classid", "1:1", "htb", "rate", f"{rate}bit",
        "ceil", f"{rate}bit", "burst", burst, "cburst", burst)
    for number, vnis in enumerate(groups, start=1):
        classid = f"1:{0x20 + number:x}"
        _tc(ns, "class", "add", "dev", ifname, "parent", "1:1", "classid", classid, "htb", "rate", f"{share}bit",
            "ceil", f"{rate}bit", "burst", burst, "cburst", burst, "quantum", "3028")
        for vni in vnis:  # outer IPv4 (20 bytes) + UDP (8) + VXLAN flags (4): the VNI is at offset 32
            _tc(ns, "filter", "add", "dev", ifname, "parent", "1:", "protocol", "ip", "prio", "1", "u32",
                "match", "ip", "protocol", "17", "0xff", "match", "u32", f"0x{vni:06x}00", "0xffffff00", "at", "32",
                "flowid", classid)
    _tc(ns, "class", "add", "dev", ifname, "parent", "1:1", "classid", "1:99", "htb", "rate", "8kbit",
        "ceil", f"{rate}bit", "quantum", "3028")


def retune(ns: str, ifname: str, rate_bps: float | None, delay_s: float | None = None) -> str | None:
    """Change an interface's shaping in place, traffic flowing: None removes it, 0 drops everything it would
    send (a filter on its htb root that a later rate removes), a rate changes its htb class (set up first when
    there is none). One or two `tc` runs when the htb is there (a period boundary, the switch at a lease start).
    Returns a notice when the delay could not be applied."""
    if rate_bps is None:
        unshape(ns, ifname)
        return None
    drop = ("filter", "add", "dev", ifname, "parent", "1:", "protocol", "all", "prio", "1", "bpf", "da",
            "bytecode", SHOT)
    if rate_bps:
        rate = max(int(rate_bps), 8000)
        burst = str(max(rate // 8 // 250, 16 * 1024))
        if _tc_ok(ns, "class", "change", "dev", ifname, "parent", "1:", "classid", "1:10", "htb", "rate",
                  f"{rate}bit", "ceil", f"{rate}bit", "burst", burst, "cburst", burst):
            _tc_ok(ns, "filter", "del", "dev", ifname, "parent", "1:", "prio", "1")  # the drop, if there is one
            return None
        return shape(ns, ifname, rate_bps, delay_s)  # not shaped before: its htb, no filter yet
    if _filters(ns, ifname) or _tc_ok(ns, *drop):
        return None
    notice = shape(ns, ifname, 8000, delay_s)  # no htb root to hold the drop: one first
    _tc(ns, *drop)
    return notice


def _tc_ok(ns: str, *args: str) -> bool:
    """Run tc; whether it succeeded (a class or filter that is not there fails)."""
    return subprocess.run(["tc", "-n", ns, *args], capture_output=True, timeout=10).returncode == 0


def _filters(ns: str, ifname: str) -> bool:
    """Whether an interface's htb root has a filter (the drop `retune` puts there)."""
    result = subprocess.run(["tc", "-n", ns, "filter", "show", "dev", ifname, "parent", "1:"], capture_output=True,
                            text=True, timeout=10)
    return result.returncode == 0 and "bpf" in result.stdout
