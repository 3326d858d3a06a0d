"""KVM or software emulation: which libvirt domain type boots guests on this machine, and why.

KVM is used only where it boots the project's guest. A /dev/kvm that is PVM (kvm_pvm: a paravirtual
KVM without VT-x/AMD-V) hangs distribution kernels, so it means software emulation (TCG, type 'qemu');
elsewhere a short boot of the image under KVM decides, and the answer is cached."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from backend.guest.image import GuestImage, cache_dir

PROBE_SECONDS = 20.0
QEMU = "qemu-system-x86_64"


@dataclass(frozen=True)
class Accel:
    """The domain type to use ('kvm' or 'qemu') and the reason, in a sentence."""

    domain_type: str
    reason: str

    @property
    def label(self) -> str:
        """'KVM' or 'software emulation (TCG)'."""
        return "KVM" if self.domain_type == "kvm" else "software emulation (TCG)"


def _cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def quick_answer() -> Accel | None:
    """The answer when no boot is needed to know it; None when only a probe can tell."""
    forced = os.environ.get("VXI_DOMAIN_TYPE")
    if forced in ("kvm", "qemu"):
        return Accel(forced, f"set by VXI_DOMAIN_TYPE={forced}")
    if not os.path.exists("/dev/kvm"):
        return Accel("qemu", "no /dev/kvm")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return Accel("qemu", "/dev/kvm is not usable by this user")
    if Path("/sys/module/kvm_pvm").exists():
        return Accel("qemu", "/dev/kvm is PVM (kvm_pvm), on which distribution guest kernels hang")
    if not _cpu_flags() & {"vmx", "svm"}:
        return Accel("qemu", "/dev/kvm without VT-x/AMD-V (a paravirtual KVM, on which distribution guest "
                             "kernels hang)")
    return None


def probe(image: GuestImage, seconds: float = PROBE_SECONDS) -> bool:
    """Boot the image under KVM (no disk, no network) and see its init start within `seconds`."""
    with tempfile.TemporaryDirectory(prefix="vxi-kvm-probe-") as folder:
        log = Path(folder) / "serial.log"
        argv = [QEMU, "-accel", "kvm", "-m", "128", "-nodefaults", "-no-user-config", "-display", "none",
                "-serial", f"file:{log}", "-monitor", "none", "-no-reboot", "-kernel", str(image.kernel),
                "-initrd", str(image.initrd), "-append", "console=ttyS0 panic=-1 quiet vxi.name=kvm-probe"]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and proc.poll() is None:
                if log.exists() and b"vxi-guest: init" in log.read_bytes():
                    return True
                time.sleep(0.2)
            return False
        finally:
            proc.kill()
            proc.wait()


def detect(image: GuestImage | None = None) -> Accel:
    """The domain type for guests of this machine (probing KVM once per kernel, QEMU and image)."""
    known = quick_answer()
    if known is not None:
        return known
    if image is None:
        return Accel("kvm", "/dev/kvm with VT-x/AMD-V (not probed)")
    qemu = subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    key = hashlib.sha256(f"{platform.release()}|{qemu}|{image.key}".encode()).hexdigest()[:16]
    cached = cache_dir() / f"accel-{key}.json"
    if cached.is_file():
        return Accel(**json.loads(cached.read_text()))
    started = time.monotonic()
    if probe(image):
        answer = Accel("kvm", f"KVM boots the guest (probe {time.monotonic() - started:.1f} s)")
    else:
        answer = Accel("qemu", f"KVM did not boot the guest within {PROBE_SECONDS:.0f} s")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(asdict(answer)))
    return answer
