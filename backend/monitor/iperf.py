"""Reading iperf3's JSON output (`-J`) into the figures an experiment reports."""

from __future__ import annotations

import json
from dataclasses import dataclass


class IperfError(ValueError):
    """iperf3 reported an error or printed something that is not its JSON."""


@dataclass(frozen=True)
class IperfResult:
    """One iperf3 run: protocol, seconds, bytes and bit/s received, packets and loss (UDP)."""

    protocol: str
    seconds: float
    received_bytes: int
    received_bps: float
    sent_bps: float
    packets: int | None = None
    lost_packets: int | None = None
    lost_percent: float | None = None
    jitter_ms: float | None = None
    retransmits: int | None = None
    interrupted: bool = False  # stopped before its end: the figures are the sender's (no server report)

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def parse_iperf_json(text: str) -> IperfResult:
    """Parse the client's `iperf3 -J` output; IperfError names what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IperfError(f"iperf3 did not print JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise IperfError("iperf3 printed JSON that is not an object")
    start, end = data.get("start", {}), data.get("end", {})
    if data.get("error"):
        if "interrupt" in str(data["error"]) and end.get("sum_sent", {}).get("seconds"):
            return _interrupted(start, end)
        raise IperfError(f"iperf3: {data['error']}")
    protocol = str(start.get("test_start", {}).get("protocol", "TCP")).lower()
    if protocol == "udp":
        total = end.get("sum", {})
        sent = end.get("sum_sent", total)
        lost = int(total.get("lost_packets", 0))
        packets = int(total.get("packets", 0))
        seconds = float(total.get("seconds") or 0.0)
        # iperf3 3.12 repeats the sender's bytes as received: take away the packets the server lost.
        received_bytes = int(total.get("bytes", 0) * (packets - lost) / packets) if packets else 0
        rate = received_bytes * 8 / seconds if seconds else 0.0
        return IperfResult("udp", seconds, received_bytes, rate, float(sent.get("bits_per_second", 0.0)),
                           packets, lost, float(total.get("lost_percent", 0.0)),
                           float(total.get("jitter_ms", 0.0)))
    received, sent = end.get("sum_received", {}), end.get("sum_sent", {})
    if not received:
        raise IperfError("iperf3 output has no 'end.sum_received' (the test did not finish)")
    return IperfResult("tcp", float(received.get("seconds", 0.0)), int(received.get("bytes", 0)),
                       float(received.get("bits_per_second", 0.0)), float(sent.get("bits_per_second", 0.0)),
                       retransmits=int(sent.get("retransmits", 0)))


def _interrupted(start: dict, end: dict) -> IperfResult:
    """A run stopped early (`vxi traffic stop`): only the sender's side is known."""
    sent = end["sum_sent"]
    protocol = str(start.get("test_start", {}).get("protocol", "TCP")).lower()
    rate = float(sent.get("bits_per_second", 0.0))
    return IperfResult(protocol, float(sent["seconds"]), int(sent.get("bytes", 0)), rate, rate,
                       retransmits=sent.get("retransmits"), interrupted=True)


def jain_index(values: list[float]) -> float:
    """Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all are equal, 1/n when one takes all."""
    if not values:
        raise ValueError("Jain's index needs at least one value")
    squares = sum(v * v for v in values)
    if squares == 0:
        return 1.0
    return sum(values) ** 2 / (len(values) * squares)
