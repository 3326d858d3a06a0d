"""An adversary's pass over the libvirt backend under kill and concurrency, on a local lab of real libvirtd
daemons and QEMU guests (`vxi lab up`, named red6; root). A VXI of three guests (n1 on h1, n2 on h2, m free,
linked to both) is deployed with `vxi deploy --backend libvirt`. Groups: `kill` (the deploy killed with SIGKILL
at random moments, with SIGTERM and SIGINT), `teardown-kill` (`vxi teardown` killed mid-way), `migrate-kill`
(`vxi migrate` of m killed while libvirt's live migration runs), `concurrent` (two deploys at once on a substrate
that takes one or both, a teardown and a status at once), `daemon` (a host's libvirtd frozen with SIGSTOP or
killed during deploy and teardown). Each case checks: exit 0, 1 or 2 (never 3, never a traceback, never a
hang), one line on standard error for a failure, after `vxi teardown --all` nothing left on any lab daemon
(domains, networks, nwfilters, storage pools and their volumes, the hosts' network devices, QEMU processes)
nor in the state database, and no guest running on two hosts.

Prints each case that failed and the counts held/failed per group; asserts nothing.

Usage: python bench/adversary_red6.py [--only GROUP] [--kills N] [--seed S] [-v]
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from adversary_cli import OPTIONS, ROOT, db_rows, finish, options, problems, record, records_left, run, start, summary

LAB = os.environ.get("RED6_LAB", "red6")  # (another name runs a second pass beside, e.g. on an older checkout)
LAB_DIR = Path(f"/tmp/{LAB}lab")  # short: the daemons' socket paths must fit
VXI = """<?xml version='1.0' encoding='UTF-8'?>
<description xmlns="http://www.vxdlforum.org/vxdl">
  <virtualInfrastructure><id>red6</id>
    <vNode><id>n1</id><location>h1</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    <vNode><id>n2</id><location>h2</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    <vNode><id>m</id><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    <vLink><id>l1</id><source>n1</source><destination>m</destination></vLink>
    <vLink><id>l2</id><source>n2</source><destination>m</destination></vLink>
  </virtualInfrastructure>
</description>
"""
SHORT = {"VXI_CONNECT_TIMEOUT": "3", "VXI_CALL_TIMEOUT": "3"}  # a host silent for 3 s is unreachable
FILES: dict[str, str] = {}  # substrate, tight (hosts of 200 MB: one VXI fits), vxi


# ----- the lab -----
def lab():
    import libvirt

    from backend.lab.lab import load

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # the bench's own calls print nothing

    return load(LAB, LAB_DIR)


def lab_up(base: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "backend.cli", "lab", "up", "--hosts", "3", "--name", LAB],
                         cwd=ROOT, env={**os.environ, "VXI_LAB_DIR": str(LAB_DIR)}, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"lab up: {res.stderr.strip()}")
    FILES["substrate"] = res.stdout.strip().splitlines()[-1]
    text = Path(FILES["substrate"]).read_text()
    tight = re.sub(r"<memory>\s*<unit>GB</unit>\s*<simple>[^<]+</simple>", "<memory><unit>MB</unit><simple>200"
                   "</simple>", text)
    (base / "tight.vxdl").write_text(tight)
    (base / "vxi.vxdl").write_text(VXI)
    FILES["tight"], FILES["vxi"] = str(base / "tight.vxdl"), str(base / "vxi.vxdl")


def lab_down() -> None:
    subprocess.run([sys.executable, "-m", "backend.cli", "lab", "down", "--name", LAB], cwd=ROOT,
                   env={**os.environ, "VXI_LAB_DIR": str(LAB_DIR)}, capture_output=True, text=True)


def snapshot(skip: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """What each lab host holds (but `skip`'s: a frozen daemon): domains (with their state), networks,
    nwfilters, storage pools and their volumes, network devices in its namespace, QEMU processes."""
    from backend.lab import netns

    found: dict[str, set[str]] = {}
    the_lab = lab()
    for host in the_lab.hosts:
        if host.id in skip:
            continue
        items: set[str] = set()
        conn = the_lab.connect(host.id)
        try:
            items |= {f"domain {d.name()} {'active' if d.isActive() else 'defined'}" for d in conn.listAllDomains()}
            items |= {f"network {n.name()}" for n in conn.listAllNetworks()}
            items |= {f"nwfilter {f.name()}" for f in conn.listAllNWFilters()}
            for pool in conn.listAllStoragePools():
                items.add(f"pool {pool.name()}")
                if pool.isActive():
                    items |= {f"volume {v.name()} in {pool.name()}" for v in pool.listAllVolumes()}
        finally:
            conn.close()
        items |= {f"device {n}" for n in netns.links(host.netns)}
        items |= {f"qemu {pid}" for pid in netns.pids(host.netns) if "qemu" in _comm(pid)}
        found[host.id] = items
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text()
    except OSError:
        return ""


def changed(before: dict[str, set[str]], skip: tuple[str, ...] = ()) -> list[str]:
    """What the lab holds that it did not before (and what it lost)."""
    after = snapshot(skip)
    found = []
    for host, items in after.items():
        found += [f"left on {host}: {x}" for x in sorted(items - before.get(host, set()))]
        found += [f"gone from {host}: {x}" for x in sorted(before.get(host, set()) - items)]
    return found


def scrub(before: dict[str, set[str]]) -> None:
    """Remove what a failed case left on the lab (domains, networks, devices), so that the next case starts from
    the lab as it was."""
    import libvirt

    from backend.lab import netns

    the_lab = lab()
    for host, items in snapshot().items():
        new = items - before.get(host, set())
        conn = the_lab.connect(host)
        try:
            for item in sorted(new):
                kind, name = item.split()[:2]
                try:
                    if kind == "domain":
                        dom = conn.lookupByName(name)
                        if dom.isActive():
                            dom.destroy()
                        dom.undefine()
                    elif kind == "network":
                        net = conn.networkLookupByName(name)
                        if net.isActive():
                            net.destroy()
                        net.undefine()
                except libvirt.libvirtError:
                    pass
        finally:
            conn.close()
        for item in sorted(new, key=lambda x: "v" not in x.split()[-1][-3:]):  # tunnels before bridges
            if item.startswith("device "):
                netns.ip(the_lab.host(host).netns, "link", "delete", item.split()[1], check=False)


def twice() -> list[str]:
    """Guests active on two hosts at once."""
    where: dict[str, list[str]] = {}
    for host, items in snapshot().items():
        for item in items:
            if item.startswith("domain ") and item.endswith(" active"):
                where.setdefault(item.split()[1], []).append(host)
    return [f"{name} runs on {hosts}" for name, hosts in where.items() if len(hosts) > 1]


def settled(timeout: float = 60.0) -> None:
    """Wait until no domain of the lab has a job running (a migration that goes on in libvirtd)."""
    import libvirt

    deadline = time.monotonic() + timeout
    the_lab = lab()
    while time.monotonic() < deadline:
        busy = False
        for host in the_lab.hosts:
            conn = the_lab.connect(host.id)
            try:
                for dom in conn.listAllDomains():
                    try:
                        busy |= dom.jobInfo()[0] not in (0,)  # VIR_DOMAIN_JOB_NONE
                    except libvirt.libvirtError:
                        pass
            finally:
                conn.close()
        if not busy:
            return
        time.sleep(0.5)


def deploy(state: Path, *more: str, substrate: str | None = None, **extra: str) -> subprocess.Popen:
    return start(state, "deploy", substrate or FILES["substrate"], FILES["vxi"], "--backend", "libvirt", *more,
                 **extra)


def one_line(res, *words: str) -> list[str]:
    """A failure said in one line holding `words`."""
    code, _out, err = res
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if code == 0:
        return ["exit 0 where a failure was expected"]
    found = [] if len(lines) == 1 else [f"{len(lines)} lines on stderr: {err.strip()[:300]}"]
    return found + [f"'{w}' not said: {err.strip()[:200]}" for w in words if w not in err]


def clean(state: Path, before: dict[str, set[str]], label: str = "teardown") -> list[str]:
    """`teardown --all` exits 0; afterwards nothing is left on the lab nor recorded; status exits 0."""
    down = run(state, "teardown", "--all")
    found = [f"{label}: {p}" for p in problems(down, allowed=(0,))]
    if down[0] != 0:
        found.append(f"{label}: " + down[2].strip()[:200])
    settled()
    left = changed(before)
    if left:
        scrub(before)
    found += left + records_left(state)
    found += [f"status after: {p}" for p in problems(run(state, "status"), allowed=(0,))]
    return found


def status_says(state: Path) -> tuple[list[str], str]:
    """`vxi status` after an interruption: exit 0 or 1, no traceback; an interrupted deploy said so."""
    rows = db_rows(state, "SELECT id, state FROM deployments")
    res = run(state, "status")
    found = [f"status: {p}" for p in problems(res, allowed=(0, 1))]
    for tag, kind in rows if isinstance(rows, list) else []:
        if kind == "deploying" and "interrupted" not in res[1]:
            found.append(f"status: {tag} not said interrupted: {res[1].strip()[:200]}")
    return found, res[1]


# ----- kill -----
def kill_cases(n: int, rng: random.Random, base: Path, before) -> None:
    state = base / "probe"
    began = time.monotonic()
    res = finish(deploy(state))
    took = time.monotonic() - began
    record("kill", "probe deploy", problems(res, allowed=(0,)) + clean(state, before))
    if res[0] != 0:
        return
    cases = [signal.SIGKILL] * n + [signal.SIGTERM, signal.SIGINT]
    for i, sig in enumerate(cases):
        state = base / f"kill{i}"
        delay = rng.uniform(0.3, took * 1.05)
        proc = deploy(state)
        time.sleep(delay)
        proc.send_signal(sig)
        res = finish(proc, 90)
        found = []
        if sig != signal.SIGKILL and not (res[0] == -sig and not res[2]):  # rolled back, said in one line (a
            found += [f"deploy: {p}" for p in problems(res, allowed=(0, 1, 130))]  # SIGTERM while Python starts
            if res[0] != 0:  # ends it as before, saying nothing: documented in security.md)
                found += one_line(res, "interrupted")
        settled()
        said, _out = status_says(state)
        found += said
        kept = db_rows(state, "SELECT state FROM deployments")
        finished = isinstance(kept, list) and ("running",) in kept  # killed once its deploy was over: it holds
        again = finish(deploy(state))  # its capacity, and a second VXI does not fit beside it (h1's 2 cores)
        found += [f"deploy after: {p}" for p in problems(again, allowed=(0, 1) if finished else (0,))]
        if again[0] == 1 and finished:
            found += one_line(again, "does not fit", "already holds")
        elif again[0] != 0:
            found.append("deploy after: " + again[2].strip()[:200])
        found += clean(state, before)
        record("kill", f"{i} {sig.name} at {delay:.2f}s of {took:.1f}s{' (after its end)' if finished else ''}",
               found)


# ----- teardown killed -----
def teardown_kill_cases(n: int, rng: random.Random, base: Path, before) -> None:
    for i in range(n):
        state = base / f"tdkill{i}"
        res = finish(deploy(state, "--json"))
        if res[0] != 0:
            record("teardown-kill", f"{i}", [f"deploy: {res[2].strip()[:200]}"])
            clean(state, before)
            continue
        tag = json.loads(res[1])["id"]
        delay = rng.uniform(0.1, 2.0)
        proc = start(state, "teardown", tag)
        time.sleep(delay)
        proc.send_signal(rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGTERM]))
        finish(proc)
        found, _out = status_says(state)
        again = run(state, "teardown", tag)
        found += [f"teardown again: {p}" for p in problems(again, allowed=(0, 2))]
        found += clean(state, before)
        record("teardown-kill", f"{i} at {delay:.2f}s", found)


# ----- migrate killed -----
def where_is(state: Path, component: str) -> str:
    res = run(state, "status", "--json")
    try:
        return json.loads(res[1])["deployments"][0]["components"][component]["host"]
    except (ValueError, KeyError, IndexError):
        return ""


def migrate_kill_cases(n: int, rng: random.Random, base: Path, before) -> None:
    for i in range(n + 1):  # the last: torn down at once, while libvirt may still move the guest
        state = base / f"migkill{i}"
        res = finish(deploy(state))
        if res[0] != 0:
            record("migrate-kill", f"{i}", [f"deploy: {res[2].strip()[:200]}"])
            clean(state, before)
            continue
        source = where_is(state, "m")
        target = rng.choice([h for h in ("h1", "h2", "h3") if h != source])
        delay = rng.uniform(0.5, 5.0)
        proc = start(state, "migrate", "m", target)
        time.sleep(delay)
        sig = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGTERM])
        proc.send_signal(sig)
        finish(proc)
        if i == n:
            found = clean(state, before) + twice()
            record("migrate-kill", f"{i} {source}->{target} {sig.name} at {delay:.2f}s, teardown at once", found)
            continue
        settled()
        found = twice()
        said, _out = status_says(state)
        found += said
        shown = where_is(state, "m")
        actual = [h for h, items in snapshot().items() if any(x.startswith("domain ") and x.endswith("-m active")
                                                              for x in items)]
        if actual and shown not in actual:
            found.append(f"status says m on {shown!r}, it runs on {actual}")
        found += clean(state, before)
        record("migrate-kill", f"{i} {source}->{target} {sig.name} at {delay:.2f}s", found)


# ----- concurrent -----
def concurrent_cases(base: Path, before) -> None:
    state = base / "conc-tight"  # two deploys at once where one fits: the other refused, saying why
    results = [finish(p) for p in [deploy(state, substrate=FILES["tight"]), deploy(state, substrate=FILES["tight"])]]
    found = [f"deploy: {p}" for r in results for p in problems(r)]
    codes = sorted(r[0] for r in results)
    if codes != [0, 1]:
        found.append(f"exits {codes}, one deploy should fit: {[r[2].strip()[:160] for r in results]}")
    else:
        found += one_line(next(r for r in results if r[0] == 1), "memory")
    found += clean(state, before)
    record("concurrent", "two deploys, room for one", found)

    state = base / "conc-both"  # two deploys on the lab's hosts (2 cores each: both fit unless the first puts m
    deploys = [finish(p) for p in [deploy(state), deploy(state)]]  # beside n1), then a teardown and a status at once
    found = [f"deploy: {p}" for r in deploys for p in problems(r)]
    for res in deploys:
        if res[0] != 0:
            found += one_line(res, "does not fit")
    found += twice()
    procs = [start(state, "teardown", "--all"), start(state, "status")]
    results = [finish(p) for p in procs]
    found += [f"teardown: {p}" for p in problems(results[0], allowed=(0,))]
    found += [f"status: {p}" for p in problems(results[1], allowed=(0,))]
    found += clean(state, before)
    record("concurrent", f"two deploys (exits {sorted(r[0] for r in deploys)}), then teardown and status at once",
           found)

    state = base / "conc-during"  # status, teardown --all and a second deploy while a deploy boots its guests
    first = deploy(state)
    time.sleep(2.0)
    procs = {"status": start(state, "status"), "teardown": start(state, "teardown", "--all"),
             "deploy": deploy(state)}
    results = {k: finish(p) for k, p in procs.items()}
    found = [f"first deploy: {p}" for p in problems(finish(first))]
    found += [f"{k}: {p}" for k, r in results.items() for p in problems(r)]
    found += twice()
    found += clean(state, before)
    record("concurrent", "status, teardown --all and deploy during a deploy", found)


# ----- daemon -----
def daemon_cases(rng: random.Random, base: Path, before) -> None:
    from backend.lab import daemon

    the_lab = lab()
    state = base / "d-stop-deploy"  # h2's daemon frozen while the deploy runs
    proc = deploy(state, **SHORT)
    delay = rng.uniform(0.5, 3.0)
    time.sleep(delay)
    pid = the_lab.host("h2").pid
    os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        res = finish(proc, 120)
        seconds = time.monotonic() - began
        found = [f"deploy: {p}" for p in problems(res)] + (one_line(res, "host h2") if res[0] != 0 else [])
        if seconds > 60:
            found.append(f"deploy took {seconds:.0f} s after the freeze")
        if res[0] != 0:
            found += [f"not rolled back: {x}" for x in changed(before, skip=("h2",))]
        status = run(state, "status", **SHORT)
        found += [f"status while frozen: {p}" for p in problems(status, allowed=(0, 1))]
    finally:
        os.kill(pid, signal.SIGCONT)
    found += clean(state, before)
    record("daemon", f"libvirtd of h2 frozen {delay:.1f}s into a deploy", found)

    state = base / "d-stop-teardown"  # h1's daemon frozen during teardown
    res = finish(deploy(state, "--json"))
    found = [f"deploy: {p}" for p in problems(res, allowed=(0,))]
    pid = the_lab.host("h1").pid
    os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        res = run(state, "teardown", "--all", **SHORT)
        seconds = time.monotonic() - began
        found += [f"teardown: {p}" for p in problems(res)] + one_line(res, "host h1")
        if seconds > 60:
            found.append(f"teardown took {seconds:.0f} s")
        found += [f"others not removed: {x}" for x in changed(before, skip=("h1",))]
    finally:
        os.kill(pid, signal.SIGCONT)
    found += clean(state, before)
    record("daemon", "libvirtd of h1 frozen during teardown", found)

    state = base / "d-kill-deploy"  # h2's daemon killed while the deploy runs, started again afterwards
    proc = deploy(state, **SHORT)
    delay = rng.uniform(0.5, 3.0)
    time.sleep(delay)
    host = the_lab.host("h2")
    daemon.stop_pid(host.pid, 10)
    try:
        res = finish(proc, 120)
        found = [f"deploy: {p}" for p in problems(res)] + (one_line(res, "host h2") if res[0] != 0 else [])
        status = run(state, "status", **SHORT)
        found += [f"status with h2 down: {p}" for p in problems(status, allowed=(0, 1))]
    finally:
        daemon.start(host, LAB)
        the_lab.save()
    found += clean(state, before)
    record("daemon", f"libvirtd of h2 killed {delay:.1f}s into a deploy", found)


def main() -> None:
    args = options(kills=3, seed=6)
    OPTIONS["env"] = {"VXI_LAB_DIR": str(LAB_DIR)}
    os.environ["VXI_LAB_DIR"] = str(LAB_DIR)
    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="red6-"))
    lab_up(base)
    try:
        before = snapshot()
        groups = {
            "kill": lambda: kill_cases(args.kills, rng, base, before),
            "teardown-kill": lambda: teardown_kill_cases(max(1, args.kills // 2 + 1), rng, base, before),
            "migrate-kill": lambda: migrate_kill_cases(max(1, args.kills // 2 + 1), rng, base, before),
            "concurrent": lambda: concurrent_cases(base, before),
            "daemon": lambda: daemon_cases(rng, base, before),
        }
        for name, group in groups.items():
            if not args.only or args.only in name:
                group()
    finally:
        lab_down()
    summary()


if __name__ == "__main__":
    main()
