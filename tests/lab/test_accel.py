"""Which domain type guests get: KVM only where it boots them, software emulation otherwise, with why."""

from __future__ import annotations

from backend.guest import accel


def test_a_forced_domain_type_wins(monkeypatch):
    monkeypatch.setenv("VXI_DOMAIN_TYPE", "qemu")
    assert accel.detect() == accel.Accel("qemu", "set by VXI_DOMAIN_TYPE=qemu")
    monkeypatch.setenv("VXI_DOMAIN_TYPE", "kvm")
    assert accel.detect().domain_type == "kvm"


def test_without_usable_kvm_guests_run_in_software_emulation(monkeypatch):
    monkeypatch.delenv("VXI_DOMAIN_TYPE", raising=False)
    monkeypatch.setattr(accel.os.path, "exists", lambda path: path != "/dev/kvm")
    found = accel.detect()
    assert found.domain_type == "qemu" and "no /dev/kvm" in found.reason and found.label.startswith("software")


def test_pvm_kvm_is_not_used(monkeypatch, tmp_path):
    monkeypatch.delenv("VXI_DOMAIN_TYPE", raising=False)
    real_exists = accel.Path.exists
    monkeypatch.setattr(accel.os.path, "exists", lambda path: True)
    monkeypatch.setattr(accel.os, "access", lambda path, mode: True)
    monkeypatch.setattr(accel.Path, "exists", lambda self: str(self) == "/sys/module/kvm_pvm" or real_exists(self))
    found = accel.quick_answer()
    assert found.domain_type == "qemu" and "PVM" in found.reason
