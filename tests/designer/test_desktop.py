"""`vxi-designer --install-desktop` puts the menu entry, the icons and the AppStream metadata in the user's
XDG data folder, pointing at the program that installed them; `--uninstall-desktop` takes them away."""

from __future__ import annotations

from designer.__main__ import main


def test_install_and_uninstall_desktop(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["--install-desktop"]) == 0
    desktop = (tmp_path / "applications" / "vxi-designer.desktop").read_text()
    assert "Name=VXI Designer" in desktop and "Icon=vxi-designer" in desktop and "Exec=" in desktop
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "vxi-designer.svg").exists()
    for size in (16, 32, 48, 128, 256):
        assert (tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "vxi-designer.png").exists()
    assert "<id>vxi-designer</id>" in (tmp_path / "metainfo" / "vxi-designer.metainfo.xml").read_text()
    assert "files installed" in capsys.readouterr().out
    assert main(["--uninstall-desktop"]) == 0
    assert not (tmp_path / "applications" / "vxi-designer.desktop").exists()
