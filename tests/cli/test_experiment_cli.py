"""`vxi experiment` refuses bad arguments with one clear line."""

import pytest

from backend.cli import main


@pytest.mark.parametrize("argv, words", [
    (["experiment", "sharing", "--routers", "1,x"], "not a list of numbers"),
    (["experiment", "sharing", "--routers", "0"], "from 1 to 16"),
    (["experiment", "latency", "--capacity", "fast"], "not a rate"),
    (["experiment", "migration", "--protocol", "sctp"], "invalid choice"),
])
def test_bad_arguments_are_explained(argv, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert words in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["experiment", "migration", "--duration", "2"], "--duration goes from 6 to 3600 seconds"),
    (["experiment", "sharing", "--seconds", "0"], "--seconds goes from 1 to 600"),
    (["experiment", "latency", "--probes", "3"], "--probes goes from 10 to 10000"),
    (["experiment", "migration", "--backend", "libvirt", "--protocol", "udp"], "TCP flows only"),
    (["experiment", "migration", "--backend", "libvirt", "--lab", "no-such-lab-here"],
     "no lab 'no-such-lab-here'"),
    (["experiment", "sharing", "--backend", "libvirt", "--routers", "1,2,4"], "--routers goes up to 2"),
    (["experiment", "sharing", "--backend", "libvirt", "--protocol", "udp"], "TCP flows only"),
    (["experiment", "latency", "--backend", "libvirt", "--routers", "1,9"], "--routers goes up to 8"),
])
def test_out_of_range_values_are_refused(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_the_vm_latency_table_has_a_row_per_count_of_busy_neighbours_and_the_references():
    from backend.experiments.latency import plot_spec
    from backend.experiments.tables import text

    def rtt(ms):
        return {"mean_ms": ms, "median_ms": ms, "p95_ms": ms, "lost": 0}

    rows = [{"routers": n, "busy_neighbours": n - 1, "idle_ms": 1.0, "busy_ms": ms, "idle": rtt(1.0),
             "busy": {**rtt(ms), "load": [n + 0.5, n + 1.0]}, "neighbours_bps": 30e6 * (n - 1)}
            for n, ms in ((1, 1.0), (2, 2.5), (8, 9.75))]
    result = {"experiment": "latency", "backend": "libvirt", "probes": 100, "interval_s": 0.05, "protocol": "udp",
              "measured": "r1", "guests": 10, "domain_type": "qemu", "results": rows,
              "neighbour_traffic": {"senders": "outside the VMs"},
              "linux": {"idle": rtt(0.05)}, "namespace_router": {"idle": rtt(0.07)},
              "samples_ms": {"plain Linux": [0.05], "8 idle": [1.0], "2 busy": [2.5], "8 busy": [9.75]}}
    lines = text(result).splitlines()
    assert "router VM r1" in lines[0] and "UDP, 64-byte datagrams" in lines[0] and "10 guests" in lines[0]
    assert "each its own flow from senders outside the VMs" in lines[0]
    assert lines[2].split() == ["1", "0", "1.000/1.000/1.000", "-", "1.5/2.0"]
    assert lines[4].split() == ["8", "7", "9.750/9.750/9.750", "210.0", "Mbit/s", "8.5/9.0"]
    assert "plain Linux 0.050/0.050/0.050, one namespace router 0.070/0.070/0.070" in lines[6]
    assert [label for _, label in plot_spec(result)["markers"]] == ["plain Linux", "7 idle", "1 busy", "7 busy"]
