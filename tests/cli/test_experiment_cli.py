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
])
def test_out_of_range_values_are_refused(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err
