"""Lab benchmark: real QEMU guests on a local lab of libvirtd hosts. Prints figures; asserts nothing.

    flock /tmp/vxi-fulltest.lock .venv/bin/python bench/lab_bench.py             # everything (a few minutes)
    flock /tmp/vxi-fulltest.lock .venv/bin/python bench/lab_bench.py --moves 5 --json

Measures: lab up; boot-to-ready of one guest alone and of three at once (define+start to the exec agent's
first answer); QEMU resident memory; live migration of a router guest between hosts with a ping through
it (wall time, libvirt's job time, stop-and-copy downtime from jobStats, data-path outage from the ping's
missing replies); a TCP stream (iperf3) through the router while it moves; tbf shaping in a guest.
Run as root, under the shared lock (it creates namespaces, daemons and guests); it removes its lab.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.deploy.libvirt.xml import stable_mac
from backend.guest import image
from backend.guest.config import GuestConfig, GuestNic
from backend.lab import guests, lab, netns, segments

PING_INTERVAL = 0.05


def nic(name: str, index: int, address: str, rate: float = 0) -> GuestNic:
    return GuestNic(stable_mac("bench", name, index), [address], rate)


def join(the_lab, bridge: str, vni: int, hosts: list[str]) -> None:
    for host_id in hosts:
        host = the_lab.host(host_id)
        segments.ensure_bridge(host.netns, bridge)
        segments.ensure_vxlan(host.netns, bridge, vni, host.address,
                              [the_lab.host(h).address for h in hosts if h != host_id])


def boot_all(the_lab, built, plan: list[tuple[str, GuestConfig, list[str]]]) -> list[guests.LabGuest]:
    conns = {h.id: the_lab.connect(h.id) for h in the_lab.hosts}
    started = [guests.start(the_lab, built, host, cfg, bridges, conns[host]) for host, cfg, bridges in plan]
    waiters = [threading.Thread(target=guests.wait_ready, args=(g,)) for g in started]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join()
    return started


def rss_mb(the_lab) -> list[float]:
    """Resident memory of every QEMU of the lab (MB)."""
    sizes = []
    for host in the_lab.hosts:
        for pid in netns.pids(host.netns):
            try:
                if not Path(f"/proc/{pid}/comm").read_text().startswith("qemu"):
                    continue
                match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
            except OSError:
                continue
            if match:
                sizes.append(int(match.group(1)) / 1024)
    return sizes


def iperf_intervals(log: str) -> list[float]:
    """Mbit/s of each interval line of iperf3's text output (not its summary lines)."""
    rates = []
    for line in log.splitlines():
        match = re.match(r"^\[\s*\d+\]\s+[\d.]+-[\d.]+\s+sec\s+\S+ \w?Bytes\s+([\d.]+) Mbits/sec", line)
        if match and "sender" not in line and "receiver" not in line:
            rates.append(float(match.group(1)))
    return rates


def uptime_at_ready(the_lab, guest) -> float | None:
    """The guest's own uptime when its init said ready (from its serial console log on its host)."""
    log = Path(the_lab.host(guest.host).directory) / "log" / "qemu" / f"{guest.name}.serial.log"
    match = re.search(rb"vxi-guest: ready \S+ at ([\d.]+) s", log.read_bytes()) if log.exists() else None
    return float(match.group(1)) if match else None


def ping_outage(log: str, count: int) -> tuple[float, int]:
    seqs = sorted(int(s) for s in re.findall(r"seq=(\d+)", log))
    gaps = [b - a - 1 for a, b in itertools.pairwise(seqs)]
    return (max(gaps, default=count) + 1) * PING_INTERVAL, count - len(seqs)


def wait_for(guest, path: str, marker: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        text = guest.run(f"cat {path} 2>/dev/null").output
        if marker in text:
            break
        time.sleep(0.5)
    return text


def bench(moves: int) -> dict:
    figures: dict = {}
    built = image.build()[0]
    root = Path(tempfile.mkdtemp(prefix="vxb-", dir="/tmp"))
    name = "bench"
    started = time.monotonic()
    the_lab = lab.up(3, name, root)
    figures["lab_up_s"] = round(time.monotonic() - started, 2)
    figures["domain_type"] = the_lab.domain_type
    figures["shaping"] = "libvirt <bandwidth>" if the_lab.host_shaping else "in the guest (tbf)"
    figures["load_average_at_start"] = Path("/proc/loadavg").read_text().split()[0]
    print(f"lab up: {figures['lab_up_s']} s for 3 hosts (load average {figures['load_average_at_start']}); "
          f"guests run with {the_lab.domain_type} ({the_lab.accel_reason}); shaping {figures['shaping']}")
    try:
        for h in ("h1", "h2", "h3"):
            segments.ensure_bridge(the_lab.host(h).netns, "br-solo")
        solo = boot_all(the_lab, built, [("h1", GuestConfig("solo", [nic("solo", 0, "10.9.9.1/24")]), ["br-solo"])])
        figures["boot_to_ready_alone_s"] = round(solo[0].ready_seconds, 2)
        figures["guest_uptime_at_ready_alone_s"] = uptime_at_ready(the_lab, solo[0])
        print(f"boot to ready, one guest alone: {figures['boot_to_ready_alone_s']} s "
              f"(the guest's own uptime at ready: {figures['guest_uptime_at_ready_alone_s']} s)")
        guests.remove(solo[0])

        join(the_lab, "br-left", 201, ["h1", "h2", "h3"])
        join(the_lab, "br-right", 202, ["h1", "h2", "h3"])
        plan = [("h1", GuestConfig("pc-left", [nic("pc-left", 0, "10.1.1.2/24")], [("default", "10.1.1.1")]),
                 ["br-left"]),
                ("h2", GuestConfig("r", [nic("r", 0, "10.1.1.1/24"), nic("r", 1, "10.1.2.1/24")], forward=True),
                 ["br-left", "br-right"]),
                ("h3", GuestConfig("pc-right", [nic("pc-right", 0, "10.1.2.2/24", 10e6)], [("default", "10.1.2.1")]),
                 ["br-right"])]
        left, router, right = boot_all(the_lab, built, plan)
        readies = [g.ready_seconds for g in (left, router, right)]
        figures["boot_to_ready_three_at_once_s"] = [round(s, 2) for s in readies]
        uptimes = [uptime_at_ready(the_lab, g) for g in (left, router, right)]
        print("boot to ready, three at once: " + ", ".join(f"{s:.1f} s" for s in readies)
              + " (uptimes at ready: " + ", ".join(f"{u} s" for u in uptimes) + ")")
        sizes = rss_mb(the_lab)
        figures["qemu_rss_mb"] = [round(s) for s in sizes]
        print(f"QEMU resident memory: {', '.join(f'{s:.0f}' for s in sizes)} MB")

        moves_done = []
        hosts = ["h3", "h1", "h2"]
        count = 140
        for i in range(moves):
            destination = hosts[i % len(hosts)] if hosts[i % len(hosts)] != router.host else "h1"
            left.run(f"rm -f /tmp/ping.log; ping -i {PING_INTERVAL} -c {count} -W 1 10.1.2.2 > /tmp/ping.log 2>&1 &")
            time.sleep(2.0)
            source = router.host
            move = guests.migrate(the_lab, router, destination)
            log = wait_for(left, "/tmp/ping.log", "packet loss", 20)
            outage, lost = ping_outage(log, count)
            moves_done.append({"from": source, "to": destination, "wall_s": round(move.seconds, 2),
                               "job_ms": move.job_ms, "downtime_ms": move.downtime_ms,
                               "data_mb": round(move.data_bytes / 1e6, 1), "ping_outage_s": round(outage, 2),
                               "pings_lost": lost})
            print(f"migration {source} -> {destination}: wall {move.seconds:.2f} s, job {move.job_ms} ms, "
                  f"downtime {move.downtime_ms} ms, {move.data_bytes / 1e6:.0f} MB sent, ping outage {outage:.2f} s "
                  f"({lost} of {count} lost)")
        figures["migrations"] = moves_done
        if moves_done:
            for key in ("wall_s", "job_ms", "downtime_ms", "ping_outage_s"):
                values = [m[key] for m in moves_done]
                figures[f"migration_{key}_median"] = statistics.median(values)
            print("median: " + ", ".join(f"{k} {figures[f'migration_{k}_median']}"
                                         for k in ("wall_s", "job_ms", "downtime_ms", "ping_outage_s")))

        right.run("iperf3 -s -D -1 > /dev/null 2>&1")
        time.sleep(1)
        left.run("rm -f /tmp/tcp.log; iperf3 -c 10.1.2.2 -t 10 -i 1 -f m > /tmp/tcp.log 2>&1 &")
        time.sleep(4)
        destination = "h1" if router.host != "h1" else "h3"
        guests.migrate(the_lab, router, destination)
        log = wait_for(left, "/tmp/tcp.log", "iperf Done", 30)
        per_second = iperf_intervals(log)
        figures["tcp_through_moving_router_mbit_s"] = per_second
        figures["tcp_survived"] = "iperf Done" in log
        print(f"TCP through the router while it moves to {destination}: "
              f"{'survived' if figures['tcp_survived'] else 'BROKE'}; Mbit/s per second: "
              + ", ".join(f"{r:.1f}" for r in per_second))

        right.run("iperf3 -s -D -1 > /dev/null 2>&1")
        time.sleep(1)
        shaped = left.run("iperf3 -R -c 10.1.2.2 -t 6 -f m 2>&1 | tail -4", timeout=40).output  # pc-right sends
        match = re.search(r"([\d.]+) Mbits/sec.*receiver", shaped)
        figures["shaped_10mbit_measured_mbit_s"] = float(match.group(1)) if match else None
        print(f"pc-right's NIC shaped to 10 Mbit/s, measured: {figures['shaped_10mbit_measured_mbit_s']} Mbit/s")
    finally:
        lab.down(name, root)
        root.rmdir()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=3, help="live migrations of the router to measure (default 3)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    reason = None
    try:
        lab.check_machine()
        image.collect_inputs()
    except (lab.LabError, image.ImageError) as exc:
        reason = str(exc)
    if reason:
        print(f"lab_bench: cannot run here: {reason}", file=sys.stderr)
        return 1
    figures = bench(args.moves)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
