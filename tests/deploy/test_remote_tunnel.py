"""Link tunnels on hosts of other machines, made over ssh with the libvirt URI's credentials: the ssh command
line libvirt would run, shell commands of checked and quoted arguments only, the script run for real in a
network namespace of its own, and each failure one line saying where and why (no lab needed)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import threading
import time

import pytest

from backend.deploy.libvirt import real, remote

URI = ("qemu+ssh://vxi@node1.example:2222/system?keyfile=/keys/id_ed25519&known_hosts=/keys/known&"
       "command=/opt/bin/cluster-ssh&no_verify=0")


def test_the_uri_gives_ssh_what_it_gives_libvirt():
    target = remote.target_of(URI)
    assert target == remote.SshTarget("node1.example", "vxi", 2222, "/keys/id_ed25519", "/keys/known", False,
                                      "/opt/bin/cluster-ssh")
    assert remote.ssh_argv(target, "sh -c 'ip -o link show'", 7) == [
        "/opt/bin/cluster-ssh", "-p", "2222", "-l", "vxi", "-i", "/keys/id_ed25519", "-T", "-e", "none",
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=7", "-o", "UserKnownHostsFile=/keys/known",
        "-o", "StrictHostKeyChecking=yes", "--", "node1.example", "sh -c 'ip -o link show'"]
    loose = remote.target_of("qemu+ssh://root@10.1.0.2/system?no_verify=1")
    assert remote.ssh_argv(loose, "true")[-5:] == ["-o", "StrictHostKeyChecking=no", "--", "10.1.0.2", "true"]
    assert remote.ssh_argv(loose, "true")[0] == "ssh"
    assert remote.target_of("qemu+libssh2://root@n2/system").host == "n2"
    assert remote.target_of("qemu+tcp://n2/system") is None and remote.target_of("qemu:///system") is None
    for bad in ("qemu+ssh://-oProxyCommand=x@n2/system", "qemu+ssh://root@-oProxyCommand=x/system",
                "qemu+ssh://a%3Bb@n2/system"):
        with pytest.raises(ValueError, match="not a plain"):
            remote.target_of(bad)


def test_commands_sent_are_built_from_checked_names_and_addresses_only():
    script = remote.tunnel_script("vxab12v3", "vxab12b3", 4242, ["10.1.0.2", "10.1.0.3"], 1600, new=True)
    assert "ip link add vxab12v3 mtu 1600 type vxlan id 4242 dstport 4789" in script
    assert "master vxab12b3" in script and "exit 73" in script
    for name in ("vx; reboot", "vxab12v3 dev eth0", "eth0", "vxabcdefghijklv1"):
        with pytest.raises(ValueError):
            remote.tunnel_script(name, "vxab12b3", 1, [], 1600, False)
    with pytest.raises(ValueError):
        remote.tunnel_script("vxab12v3", "vxab12b3", 1, ["10.1.0.2; reboot"], 1600, False)
    with pytest.raises(ValueError):
        remote.tunnel_script("vxab12v3", "vxab12b3", 2**24, [], 1600, False)
    with pytest.raises(ValueError):
        remote.remove_script(["vxab12v3", "$(reboot)"])


@pytest.mark.root
def test_the_script_makes_changes_and_removes_a_tunnel_on_a_kernel(tmp_path):
    """The commands vxi sends, run by sh in a network namespace of their own (gone when it ends)."""
    if not shutil.which("unshare") or not shutil.which("bridge"):
        pytest.skip("needs unshare and iproute2")
    def sent(script: str) -> str:  # as run() sends it
        return f"sh -c {shlex.quote(script)}"

    make = sent(remote.tunnel_script("vxt1v0", "vxt1b0", 77, ["192.0.2.2", "192.0.2.3"], 1600, True))
    move = sent(remote.tunnel_script("vxt1v0", "vxt1b0", 77, ["192.0.2.3", "192.0.2.4"], 1600, False))
    remove = sent(remote.remove_script(["vxt1v0"]))
    steps = "\n".join([
        "ip link add vxt1b0 type bridge", make, "echo made; bridge fdb show dev vxt1v0 | grep 00:00:00:00:00:00",
        "ip -d -o link show vxt1v0", move, "echo moved; bridge fdb show dev vxt1v0 | grep 00:00:00:00:00:00",
        f"{make} && echo again 0 || echo again $?",  # a second first making: the name is taken
        remove, remove, "echo left; ip -o link show type vxlan"])
    done = subprocess.run(["unshare", "-n", "sh", "-ec", steps], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
    made, _, rest = done.stdout.partition("moved")
    assert made.count("dst 192.0.2.2") == 1 and made.count("dst 192.0.2.3") == 1
    assert "vxlan id 77" in made and "master vxt1b0" in made and "dstport 4789" in made
    moved, _, rest = rest.partition("again")
    assert "192.0.2.2" not in moved and moved.count("dst 192.0.2.3") == 1 and moved.count("dst 192.0.2.4") == 1
    assert rest.startswith(f" {remote.TAKEN}\n") and rest.split("left")[1].strip() == ""


def _fake_ssh(tmp_path, body: str) -> str:
    """A `command=` program standing for ssh (libvirt runs one the same way): runs its last argument with `sh`."""
    program = tmp_path / "ssh"
    program.write_text(f"#!/bin/sh\nfor last; do :; done\n{body}\n")
    program.chmod(0o755)
    return str(program)


def test_each_failure_is_one_line_saying_where_and_why(tmp_path, monkeypatch):
    host = real.RealHost("h2", "qemu+ssh://root@127.0.0.1:1/system", None, "127.0.0.1", "qemu", True, "")
    monkeypatch.setenv("VXI_CONNECT_TIMEOUT", "3")
    if shutil.which("ssh"):  # nothing listens on port 1 of loopback: ssh's own refusal
        with pytest.raises(real.RealHostError) as failed:
            real.set_tunnel(host, "ab12", 0, [])
        assert str(failed.value) == ("removing tunnel vxab12v0 over ssh to root@127.0.0.1:1: ssh: connect to host "
                                     "127.0.0.1 port 1: Connection refused")

    def with_program(body: str) -> real.RealHost:
        return real.RealHost("h2", f"qemu+ssh://root@n2/system?command={_fake_ssh(tmp_path, body)}", None, "n2",
                             "qemu", True, "")

    peer = real.RealHost("h3", "qemu+ssh://root@192.0.2.3/system", None, "192.0.2.3", "qemu", True, "")
    no_iproute = with_program('PATH=/nonexistent; eval "/bin/$last"')
    with pytest.raises(real.RealHostError, match=r"^tunnel vxab12v0 \(VNI \d+\) over ssh to root@n2: ip or bridge "
                                                 r"\(iproute2\) is not installed on the host$"):
        real.set_tunnel(no_iproute, "ab12", 0, [peer])
    refused = with_program('echo "root@n2: Permission denied (publickey)." >&2; exit 255')
    with pytest.raises(real.RealHostError, match=r"^listing devices over ssh to root@n2: root@n2: Permission denied "
                                                 r"\(publickey\)\. \(the key was refused"):
        real.remove_all(refused, "ab12")
    silent = with_program("sleep 10")
    with pytest.raises(remote.RemoteError, match=r"^listing devices over ssh to root@n2: no answer within 0.5 s \(the "
                                                 r"host or the network to it is down\)$"):
        remote.run(remote.target_of(silent.uri), remote.list_script(), "listing devices", 0.5)
    missing = real.RealHost("h2", "qemu+ssh://root@n2/system?command=/nonexistent/ssh", None, "n2", "qemu", True,
                            "")
    with pytest.raises(real.RealHostError, match="^removing tunnel vxab12v0 over ssh to root@n2: cannot run "
                                                 "/nonexistent/ssh: No such file or directory$"):
        real.remove_segment(missing, "ab12", 0)
    tcp = real.RealHost("h2", "qemu+tcp://n2/system", None, "n2", "qemu", True, "")
    with pytest.raises(real.RealHostError, match="is not a qemu\\+ssh:// URI"):
        real.make_segment(tcp, "ab12", 0, [peer])
    lab = real.RealHost("h1", "qemu+unix:///system?socket=/x", "vxl-h1", "10.254.0.1", "qemu", False, "", True)
    with pytest.raises(real.RealHostError, match="joins a lab host to a host of another machine"):
        real.set_tunnel(lab, "ab12", 0, [peer])


def test_a_host_found_silent_by_ssh_or_by_libvirt_fails_the_other_at_once_with_one_sentence(tmp_path):
    from backend.deploy.libvirt.guard import Guarded, HostGuard, HostUnreachable

    answered = threading.Event()
    guard = HostGuard("qemu+ssh://root@n2/system", probe=lambda: answered.wait(30))  # the host answers when set
    silent = remote.target_of(f"qemu+ssh://root@n2/system?command={_fake_ssh(tmp_path, 'sleep 10')}")
    ran, other = tmp_path / "ran", tmp_path / "other"
    other.mkdir()
    quick = remote.target_of(f"qemu+ssh://root@n2/system?command={_fake_ssh(other, f'touch {ran}')}")  # answers
    called = []

    class Connection:  # stands for a libvirt connection: the guard decides before any call reaches it
        def listAllDomains(self):
            called.append("listAllDomains")

    with pytest.raises(remote.Silent, match="^listing devices over ssh to root@n2: no answer within 0.5 s"):
        remote.run(silent, remote.list_script(), "listing devices", 0.5, guard=guard)
    sentence = "host h2: no answer over ssh from root@n2 within 0.5 s (the host or the network to it is down)"
    with pytest.raises(HostUnreachable) as failed:  # libvirt's next call: not made, the same sentence
        Guarded(Connection(), "h2", guard).listAllDomains()
    assert str(failed.value) == sentence and called == []
    with pytest.raises(remote.Silent) as again:  # ssh's next call: not made either
        remote.run(quick, remote.list_script(), "listing devices", guard=guard)
    assert str(again.value) == f"listing devices over ssh to root@n2: not tried: {sentence[len('host h2: '):]}"
    assert not ran.exists()
    answered.set()  # a probe of the host has its answer: calls go through again
    deadline = time.monotonic() + 10
    while guard.unreachable and time.monotonic() < deadline:
        time.sleep(0.05)
    Guarded(Connection(), "h2", guard).listAllDomains()
    assert called == ["listAllDomains"]

    frozen = threading.Event()  # a libvirt call that hangs: ssh is not tried while it does
    with pytest.raises(HostUnreachable) as hung:
        guard.run("h2", lambda: frozen.wait(30), 0.2)
    with pytest.raises(remote.Silent) as skipped:
        remote.run(quick, remote.list_script(), "listing devices", guard=guard)
    assert hung.value.reason in str(skipped.value) and "\n" not in str(skipped.value)
    assert not ran.exists()
    frozen.set()
    deadline = time.monotonic() + 10
    while guard.unreachable and time.monotonic() < deadline:
        time.sleep(0.05)
    remote.run(quick, remote.list_script(), "listing devices", guard=guard)
    assert ran.exists()
