"""A real cloud image as a component's own disk (<x:disk>) on the lab, end to end: the guest boots an overlay of
the image with its NoCloud seed, cloud-init applies the deployment's configuration (address, route, shaping,
latency), it is judged ready through qemu-guest-agent once cloud-init is done, pings through the router VM,
carries an iperf3 flow, moves live to another host, and teardown removes its overlay and seed; the image itself
is never written.

Opt-in: a full Debian guest boots in minutes under software emulation, too slow for CI. Build the image once
(`sudo scripts/build-cloud-image.sh`, cached) and run with VXI_CLOUD_IMAGE=PATH (root)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.state import load_all, pick_record

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.timeout(1500)]  # a boot takes minutes
IMAGE = os.environ.get("VXI_CLOUD_IMAGE")
if not IMAGE:
    pytest.skip("set VXI_CLOUD_IMAGE to a cloud image (sudo scripts/build-cloud-image.sh makes one) to boot it on "
                "the lab: minutes under software emulation, so not in CI", allow_module_level=True)

VXI = Path(__file__).resolve().parents[2] / "examples" / "lab-router.vxdl"  # r1, pc-a at h1, pc-b at h2


def run(capfd, *argv: str) -> tuple[int, str]:
    capfd.readouterr()
    code = main(list(argv))
    return code, capfd.readouterr().out


def test_a_cloud_image_boots_configured_by_its_seed_moves_live_and_leaves_nothing(lab, tmp_path, capfd):
    image = Path(IMAGE).resolve()
    stamp = (image.stat().st_mtime_ns, image.stat().st_size)
    text = VXI.read_text().replace(  # pc-a not anchored (an anchored component does not move)
        "<id>pc-a</id>\n      <location>h1</location>\n      <memory><unit>MB</unit><simple>128</simple></memory>",
        f'<id>pc-a</id>\n      <memory><unit>MB</unit><simple>512</simple></memory>\n'
        f'      <x:disk source="{image}"/>')
    assert "x:disk" in text
    vxi = tmp_path / "cloud.vxdl"
    vxi.write_text(text)
    started = time.monotonic()
    code, out = run(capfd, "deploy", lab.substrate, str(vxi), "--backend", "libvirt", "--json")
    assert code == 0, out
    deploy_seconds = time.monotonic() - started
    record = pick_record(json.loads(out)["id"])
    try:
        disk = record.files["disks"]["pc-a"]
        assert Path(disk["overlay"]).is_file() and Path(disk["seed"]).is_file()
        ready = record.files["ready_by"]["pc-a"]
        assert ready.startswith("qemu-guest-agent") and "cloud-init done" in ready, ready
        code, out = run(capfd, "exec", "pc-a", "--", "sh", "-c",
                        "hostname; ip -4 -o addr show; ip -4 route; tc qdisc show dev eth0")
        assert code == 0, out
        assert out.splitlines()[0] == "pc-a" and record.components["pc-a"].addresses[0] in out, out
        gateway = record.components["r1"].addresses[0].split("/")[0]
        assert f"default via {gateway}" in out and "netem" in out and "delay 5ms" in out, out
        code, out = run(capfd, "exec", "pc-a", "--", "ping", "-c", "3", "-W", "5", "pc-b")
        assert code == 0 and "ttl=63" in out, out
        code, out = run(capfd, "traffic", "start", "pc-a", "pc-b", "--seconds", "3", "--json")
        assert code == 0, out
        time.sleep(6)
        code, out = run(capfd, "traffic", "list", "--json")
        flow = json.loads(out)["flows"][0]
        assert flow["state"] == "finished" and flow["result"]["received_bps"] > 1e6, flow
        destination = next(h for h in ("h3", "h1", "h2") if h != record.components["pc-a"].host)
        capfd.readouterr()
        code = main(["migrate", "pc-a", destination, "--json"])
        out, err = capfd.readouterr()
        assert code == 0, err
        moved = json.loads(out)
        code, out = run(capfd, "exec", "pc-a", "--", "ping", "-c", "2", "-W", "5", "pc-b")
        assert code == 0, out
        print(f"\ncloud image: deploy {deploy_seconds:.1f} s, pc-a ready {record.files['ready_seconds']['pc-a']} s "
              f"({ready}); flow pc-a -> pc-b {flow['result']['received_bps'] / 1e6:.2f} Mbit/s; "
              f"migration {moved['notice']}")
    finally:
        assert main(["teardown", record.id]) == 0
    assert not Path(disk["overlay"]).exists() and not Path(disk["seed"]).exists()
    assert not any(r.id == record.id for r in load_all())
    assert (image.stat().st_mtime_ns, image.stat().st_size) == stamp  # the user's image was never written
