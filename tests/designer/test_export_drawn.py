"""The headless export draws components, links, labels and problem badges with no scene item each (a picture-only
scene): the same picture, a fraction of the memory (100,000 links took 379 MB over the designer's imports with one
LinkItem each, 47 MB over a one-node export now)."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

from PySide6.QtGui import QImage

from backend.model import Cloud, Infrastructure, Link, Node, Quantity, Router
from backend.model import units as U
from backend.vxdl import read_bytes, read_file, write_bytes
from designer.appearance import scene_colours
from designer.document import fill_positions
from designer.image_export import export_image
from designer.items import ComponentItem, LinkItem
from designer.scene import DesignScene
from tests.vxdl.test_streaming import NS, _bare_links

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
A_BAD_LINK = (f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>bad</id>'
              "<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vNode><id>c</id></vNode>"
              "<vLink><id>l1</id><bandwidth><forward><simple>100</simple></forward></bandwidth>"
              "<source>a</source><destination>b</destination></vLink>"
              "<vLink><id>l2</id><source>b</source><destination>a</destination></vLink>"
              "<vLink><id>l3</id><source>c</source><destination>a</destination></vLink>"
              "</virtualInfrastructure></description>").encode()


def _overlapping() -> Infrastructure:
    """Routers with ports and nodes whose icons overlap (40 apart, 48 wide), a group, QoS on links to ports, one
    dangling link (a problem), all close enough to be drawn at twice their size with their labels."""
    vxi = Infrastructure(id="overlapping")
    for r in range(4):
        vxi.components[f"r{r}"] = Router(f"r{r}", ports=[f"p{i}" for i in range(6)], position=(r * 50.0, 0.0))
    for n in range(30):
        vxi.components[f"n{n}"] = Node(f"n{n}", position=(n % 10 * 40.0, 40.0 + n // 10 * 40.0))
        vxi.links[f"l{n}"] = Link(f"l{n}", f"n{n}", f"r{n % 4}", destination_port=f"p{n // 4 % 6}",
                                  forward=Quantity.simple(U.BANDWIDTH, n + 1))
    vxi.components["g"] = Cloud("g", cardinality=12, position=(60.0, 60.0))
    vxi.links["gone"] = Link("gone", "g", "nowhere")
    return vxi


def _with_problems() -> Infrastructure:
    """The overlapping design with a problem on links, components and ports: links onto ports that do not exist,
    links joining the same ends again (a warning, some drawn over a link with an error: their badges overlap),
    a link back to its source, negative values, a router with a port twice and one with too few ports."""
    vxi = _overlapping()
    for n in range(0, 30, 3):
        link = vxi.links[f"l{n}"]
        if n % 2:
            link.destination_port = "nope"
        vxi.links[f"again{n}"] = Link(f"again{n}", link.source, link.destination,
                                      destination_port=link.destination_port)
    vxi.links["loop"] = Link("loop", "n7", "n7")
    for n in (4, 11, 25):
        vxi.components[f"n{n}"].cores = Quantity.simple(U.COUNT, -1)
    vxi.components["r1"].ports = ["p0", "p1", "p1"]
    return vxi


def _picture(result, path: Path, picture: bool) -> tuple[QImage, int, int]:
    """The PNG of a read document, and how many ComponentItems and LinkItems its scene made."""
    fill_positions(result.model)
    scene = DesignScene(result.model, scene_colours(), picture=picture)
    scene.set_problems(result.problems)
    try:
        export_image(scene, path, "picture")
        return (QImage(str(path)), sum(isinstance(item, ComponentItem) for item in scene.items()),
                sum(isinstance(item, LinkItem) for item in scene.items()))
    finally:
        scene.detach()


def export_peak_ratio(path: Path, out: Path) -> float:
    """The headless export's own peak (VmHWM over its resident memory before it) in a fresh process, × the file."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        def kb(key):
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith(key))
        from designer.app import make_application
        make_application(theme="light")
        from designer.__main__ import export_headless
        import backend.vxdl, designer.image_export, designer.scene  # the imports are not what is measured
        base = kb("VmRSS:")
        assert export_headless({str(path)!r}, {str(out)!r}, "light") == 0
        print((kb("VmHWM:") - base) * 1024 / os.path.getsize({str(path)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.split()[-1])


def test_a_picture_drawn_without_items_is_the_one_drawn_with_them(qapp, tmp_path):
    """Labels (a QoS label, an id) and a problem badge on a link, routers with their ports, a cloud, icons
    overlapping (drawn in the same order): a link gets its item only for its badge, a component none."""
    for name, read in (("figure4", lambda: read_file(EXAMPLES / "figure4.vxdl")),
                       ("figure6", lambda: read_file(EXAMPLES / "figure6-vxi-a.vxdl")),
                       ("bad", lambda: read_bytes(A_BAD_LINK, "bad.vxdl")),
                       ("overlapping", lambda: read_bytes(write_bytes(_overlapping()), "overlapping.vxdl")),
                       ("problems", lambda: read_bytes(write_bytes(_with_problems()), "problems.vxdl"))):
        with_items, components, links = _picture(read(), tmp_path / f"{name}-items.png", picture=False)
        drawn, drawn_components, drawn_links = _picture(read(), tmp_path / f"{name}-drawn.png", picture=True)
        assert drawn.size() == with_items.size() and drawn == with_items, name
        assert components == len(read().model.components) and links
        assert drawn_components == 0 and drawn_links == 0, name  # a link's badge is drawn by the badge layer
    result = read_bytes(A_BAD_LINK, "bad.vxdl")
    assert [p.element_id for p in result.problems] == ["l2"]  # the badge drawn is l2's (joins a and b again)
    problems = read_bytes(write_bytes(_with_problems()), "problems.vxdl")
    on = {kind: {p.severity for p in problems.problems if p.element_id in getattr(problems.model, kind)}
          for kind in ("links", "components")}
    assert on == {"links": {"error", "warning"}, "components": {"error"}}, on


def test_a_png_is_the_same_byte_for_byte_whatever_its_band_height(qapp, tmp_path, monkeypatch):
    """3,000 nodes with 6,000 links (a picture 3,000 pixels wide, its links thin lines) exported in bands of 8 rows
    (50,000 bytes) and of 1 MiB: the same PNG. Drawn in an image of its own, a band made Qt clip the thin lines
    crossing its edges where it ended, and draw their pixels from there: other bands, other pixels (bands of 58 rows
    made 3.2 million bytes of *links* differ by a shade)."""
    import designer.image_export as image_export

    made = {}
    for band in (1 << 20, 50_000):  # 4 rows of pixels: the fewest a band has (MIN_BAND_ROWS)
        monkeypatch.setattr(image_export, "BAND_BYTES", band, raising=False)
        monkeypatch.setattr(image_export, "BAND_PIXELS", band // 4, raising=False)  # the old code's band
        image, _, _ = _picture(read_bytes(_bare_links(3_000, 6_000), "wide.vxdl"), tmp_path / f"{band}.png", True)
        made[band] = (tmp_path / f"{band}.png").read_bytes()
    assert image.width() > 2_000 and image.height() > 200
    assert made[50_000] == made[1 << 20]


def test_the_headless_export_draws_many_links_with_no_item_each(qapp, tmp_path, monkeypatch):
    """2,000 nodes and 10,000 bare links, the last 2,000 reusing ids (a problem on each link reused): building the
    picture's scene made 18.1 MB of Python objects with an item per link, 9.3 MB with a DrawnLink kept per link and
    an item per component, 1.2 MB with neither (Qt's own part of an item, 1.4 to 3 KB, is not counted here). Its
    2,000 problem badges made a LinkItem and a BadgeItem each (about 4 KB with their Qt parts and tooltip); one
    layer item draws them now."""
    import designer.scene

    made = []
    monkeypatch.setattr(designer.scene, "DesignScene",
                        lambda *a, **k: made.append(k) or DesignScene(*a, **k))
    small = tmp_path / "small.vxdl"
    small.write_bytes(A_BAD_LINK)
    from designer.__main__ import export_headless

    assert export_headless(str(small), str(tmp_path / "small.png"), "light") == 0
    assert [k["picture"] for k in made] == [True]
    reused = re.sub(rb"<id>l(\d+)</id>", lambda m: b"<id>l%d</id>" % (int(m.group(1)) % 8_000),
                    _bare_links(2_000, 10_000))
    result = read_bytes(reused, "links.vxdl")
    fill_positions(result.model)
    tracemalloc.start()
    try:
        scene = DesignScene(result.model, scene_colours(), picture=True)
        peak = tracemalloc.get_traced_memory()[1]
        scene.set_problems(result.problems)
        badges = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    try:
        assert not scene.links and scene.index.count() == (2_000, 8_000)
        assert sum(p.element_id in result.model.links for p in result.problems) == 2_000
        assert len(scene.link_badges.badges) == 2_000 and len(scene.items()) == 3  # the three layers
        assert peak < 3_000_000 and badges < 3_000_000, f"{peak / 1e6:.1f} MB, {badges / 1e6:.1f} MB"
    finally:
        scene.detach()


def test_the_headless_export_takes_a_few_times_its_file_not_an_item_per_component(tmp_path):
    """10,000 bare nodes and 10,000 links (1.2 MB), drawn at a quarter of their size: the export's own peak
    (VmHWM, in a fresh process: ru_maxrss starts from pytest's) over its size before reading was 75 times the
    file with an item per component (about 1.4 KB each with its Qt parts), a PNG of whole bands and its copies
    held; 16 times now (the model, the index, one band of pixels)."""
    path, out = tmp_path / "many.vxdl", tmp_path / "many.png"
    path.write_bytes(_bare_links(10_000, 10_000))
    ratio = export_peak_ratio(path, out)
    assert QImage(str(out)).width() > 4000
    assert ratio < 30, f"the export took {ratio:.1f} times the file's size"


def _export_peak_kb(path: Path, out: Path) -> int:
    """VmHWM of a fresh process running `vxi-designer PATH --export-image OUT` (ru_maxrss starts from the parent's,
    pytest's, kept across exec)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from designer.__main__ import main
        code = main([{str(path)!r}, "--export-image", {str(out)!r}])
        with open("/proc/self/status") as status:
            print(code, next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.split()[-2] == "0", done.stderr
    return int(done.stdout.split()[-1])


def test_the_export_of_many_bare_links_peaks_at_a_few_times_the_file(tmp_path):
    """50,000 bare links between 10,000 nodes (4.5 MB), the export's peak over that of a one-node export
    (bench/memory_bench.py's baseline), each in a fresh process: 6.3-6.4 times the file when it read the file with
    Qt loaded, kept the line of every element read (an int object each) and copied a band's blue channel (2 MB);
    5.8 now (the model, the picture's index and one band of pixels, 8 MB, which a file this small feels most)."""
    one, path = tmp_path / "one.vxdl", tmp_path / "links.vxdl"
    one.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>one</id>'
                   "<vNode><id>n</id></vNode></virtualInfrastructure></description>\n")
    path.write_bytes(_bare_links(10_000, 50_000))
    base = _export_peak_kb(one, tmp_path / "one.png")
    ratio = (_export_peak_kb(path, tmp_path / "links.png") - base) * 1024 / path.stat().st_size
    assert QImage(str(tmp_path / "links.png")).width() > 4000
    assert ratio < 6.1, f"the export took {ratio:.1f} times the file's size over a one-node export"
