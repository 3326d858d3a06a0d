"""What the lab writes and how it finds its own namespaces, without starting anything."""

from __future__ import annotations

import pytest

from backend.lab import daemon, lab
from backend.lab.daemon import LabHost
from backend.lab.netns import LabError


def test_each_daemon_gets_its_own_socket_uuid_ports_and_an_unconfined_root_qemu():
    one = LabHost("h1", 1, "vxlab-x-h1", "10.254.0.1", "/labs/x/h1", "uuid-1")
    two = LabHost("h2", 2, "vxlab-x-h2", "10.254.0.2", "/labs/x/h2", "uuid-2")
    conf = daemon.libvirtd_conf(one)
    assert 'unix_sock_dir = "/labs/x/h1/sock"' in conf and 'host_uuid = "uuid-1"' in conf
    qemu = daemon.qemu_conf(two)
    for line in ('user = "root"', 'security_driver = "none"', "namespaces = [ ]", "cgroup_controllers = [ ]",
                 'stdio_handler = "file"', 'migration_host = "10.254.0.2"'):
        assert line in qemu
    assert one.migration_ports[1] < two.migration_ports[0]
    assert two.uri == "qemu+unix:///system?socket=/labs/x/h2/sock/libvirt-sock"


def test_a_lab_finds_only_its_own_namespaces(monkeypatch):
    present = ["vxlab-t1", "vxlab-t1-h1", "vxlab-t1-h2", "vxlab-t12", "vxlab-t12-h1", "vxlab-t1-x"]
    monkeypatch.setattr(lab.netns, "names", lambda prefix: [n for n in present if n.startswith(prefix)])
    assert lab.namespaces_of("t1") == ["vxlab-t1", "vxlab-t1-h1", "vxlab-t1-h2"]
    assert lab.namespaces_of("t12") == ["vxlab-t12", "vxlab-t12-h1"]


@pytest.mark.parametrize("name", ["bad name", "x" * 17, "lab-h2", "-x"])
def test_a_lab_name_that_would_be_ambiguous_is_refused(name):
    with pytest.raises(LabError, match="lab name"):
        lab.up(1, name)


def test_an_ssh_lab_host_is_reached_by_key_its_host_key_checked_its_socket_kept():
    from backend.lab import sshd

    host = LabHost("h1", 1, "vxlab-x-h1", "10.254.0.1", "/labs/x/h1", "uuid-1",
                   ssh_uri=sshd.uri("10.254.0.1", "/labs/x"))
    assert host.uri == "qemu+ssh://root@10.254.0.1/system?keyfile=/labs/x/ssh/id_ed25519&command=/labs/x/ssh/ssh"
    assert LabHost.from_json(host.to_json()) == host
    assert host.to_json()["socket_uri"] == "qemu+unix:///system?socket=/labs/x/h1/sock/libvirt-sock"
    conf = sshd.sshd_config(host.directory, host.address, "/labs/x")
    for line in ("ListenAddress 10.254.0.1", "PasswordAuthentication no",
                 "AuthorizedKeysFile /labs/x/ssh/authorized_keys", "PermitRootLogin prohibit-password"):
        assert line in conf
    client = sshd.client_config("/labs/x")
    assert "UserKnownHostsFile /labs/x/ssh/known_hosts" in client and "StrictHostKeyChecking yes" in client
    # vxi (no lab address where it runs) enters the switch's namespace; a host's daemon connects directly
    script = sshd.wrapper("/labs/x", "vxlab-x", "10.254.0")
    assert "if ip -o -4 addr show to 10.254.0.0/24" in script
    assert "exec ip netns exec vxlab-x ssh -F /labs/x/ssh/config" in script
