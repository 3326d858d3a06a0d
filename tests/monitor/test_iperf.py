"""iperf3 JSON output and Jain's fairness index."""

import json
from pathlib import Path

import pytest

from backend.monitor.iperf import IperfError, jain_index, parse_iperf_json

DATA = Path(__file__).parent / "data"


def test_udp_result_reports_received_rate_and_loss():
    result = parse_iperf_json((DATA / "iperf3-udp.json").read_text())
    assert result.protocol == "udp"
    assert result.received_bps == pytest.approx(50e6, rel=0.02)
    assert result.lost_packets == 0 and result.packets > 4000


def test_udp_loss_is_taken_off_the_received_bytes():
    data = json.loads((DATA / "iperf3-udp.json").read_text())
    data["end"]["sum"].update(lost_packets=data["end"]["sum"]["packets"] // 2, lost_percent=50.0)
    result = parse_iperf_json(json.dumps(data))
    assert result.received_bps == pytest.approx(25e6, rel=0.02)
    assert result.lost_percent == 50.0


def test_tcp_result_reports_the_receiver_side():
    result = parse_iperf_json((DATA / "iperf3-tcp.json").read_text())
    assert result.protocol == "tcp"
    assert result.received_bps > 1e9
    assert result.retransmits is not None


@pytest.mark.parametrize("text, words", [
    ("not json", "did not print JSON"),
    ('{"error": "unable to connect to server"}', "unable to connect"),
    ('{"start": {}, "end": {}}', "did not finish"),
])
def test_bad_output_is_explained(text, words):
    with pytest.raises(IperfError, match=words):
        parse_iperf_json(text)


def test_jain_index():
    assert jain_index([5.0, 5.0, 5.0, 5.0]) == pytest.approx(1.0)
    assert jain_index([8.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert 0.95 < jain_index([100.0, 90.0]) < 1.0


def test_interrupted_run_reports_the_senders_figures():
    result = parse_iperf_json((DATA / "iperf3-tcp-interrupted.json").read_text())
    assert result.interrupted and result.protocol == "tcp"
    assert result.received_bps > 1e6 and result.seconds > 1
