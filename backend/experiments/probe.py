"""Small UDP probes run inside namespaces: an echo server, a round-trip pinger, and a paced stream
whose receiver finds the longest outage. Run as `python -m backend.experiments.probe MODE ...`;
each mode prints one JSON line (the kernel has no netem and the image no ping, so we measure ourselves).
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import time

HEADER = struct.Struct("!Iq")  # sequence number, send time in ns (the sender's monotonic clock)


def echo(port: int, seconds: float) -> dict:
    """Send every datagram back to its sender for `seconds`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(0.2)
    deadline, count = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        try:
            data, peer = sock.recvfrom(2048)
        except TimeoutError:
            continue
        sock.sendto(data, peer)
        count += 1
    return {"echoed": count}


def ping(target: str, port: int, count: int, interval: float, size: int = 64) -> dict:
    """Round-trip times (ms) of `count` probes `interval` s apart, each waiting at most 1 s."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1.0)
    padding = b"\0" * max(0, size - HEADER.size)
    rtts: list[float] = []
    lost = 0
    for seq in range(count):
        sent = time.perf_counter_ns()
        sock.sendto(HEADER.pack(seq, sent) + padding, (target, port))
        try:
            while True:
                data, _ = sock.recvfrom(2048)
                if HEADER.unpack_from(data)[0] == seq:
                    break
            rtts.append((time.perf_counter_ns() - sent) / 1e6)
        except TimeoutError:
            lost += 1
        pause = interval - (time.perf_counter_ns() - sent) / 1e9
        if pause > 0:
            time.sleep(pause)
    return {"rtt_ms": rtts, "lost": lost, "sent": count}


def stream_send(target: str, port: int, seconds: float, rate: float) -> dict:
    """Send `rate` numbered datagrams per second for `seconds`, stamped with their send time."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    spacing = 1.0 / rate
    start = time.monotonic()
    seq = 0
    while True:
        due = start + seq * spacing
        now = time.monotonic()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        try:
            sock.sendto(HEADER.pack(seq, time.monotonic_ns()), (target, port))
        except OSError:
            pass  # no route for a moment: the datagram counts as lost
        seq += 1
    return {"sent": seq}


def stream_receive(port: int, seconds: float) -> dict:
    """Receive a paced stream for `seconds`: received count and the longest gap in send times (s)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    last_seq, last_sent = None, None
    received, longest, gap_at = 0, 0.0, None
    while time.monotonic() < deadline:
        try:
            data, _ = sock.recvfrom(2048)
        except TimeoutError:
            continue
        seq, sent_ns = HEADER.unpack_from(data)
        received += 1
        if last_seq is not None and seq > last_seq + 1:
            gap = (sent_ns - last_sent) / 1e9
            if gap > longest:
                longest, gap_at = gap, last_sent / 1e9
        if last_seq is None or seq > last_seq:
            last_seq, last_sent = seq, sent_ns
    return {"received": received, "last_seq": last_seq, "longest_gap_s": longest, "gap_sent_at": gap_at}


def main(argv: list[str] | None = None) -> int:
    """Command line of the probes (one JSON line on stdout)."""
    parser = argparse.ArgumentParser(prog="python -m backend.experiments.probe")
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("echo")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p = sub.add_parser("ping")
    p.add_argument("--target", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--interval", type=float, default=0.01)
    p = sub.add_parser("send")
    p.add_argument("--target", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--rate", type=float, default=1000.0)
    p = sub.add_parser("receive")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    if args.mode == "echo":
        result = echo(args.port, args.seconds)
    elif args.mode == "ping":
        result = ping(args.target, args.port, args.count, args.interval)
    elif args.mode == "send":
        result = stream_send(args.target, args.port, args.seconds, args.rate)
    else:
        result = stream_receive(args.port, args.seconds)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
