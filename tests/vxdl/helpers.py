"""Shared helpers of the VXDL tests: the corpus location and running the real `vxi` command."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("VXI_CORPUS", ROOT.parent / "shared" / "corpus" / "vxdl2"))
EXAMPLES = ROOT / "examples"
# Files of the corpus that are wrong on purpose (or by mistake) and the problem code each must give.
KNOWN_BAD = {
    "misc/VR3-teste-vLink-erro.xml": "dangling-reference",
    "misc/ex2testevLink.xml": "dangling-reference",
    "virtual/tst.xml": "dangling-reference",
    "virtual/tst2.xml": "dangling-reference",
    "misc/exemplo_completo.xml": "duplicate-id",
}


def corpus_files() -> list[str]:
    """Relative paths of every VXDL document of the corpus."""
    if not CORPUS.is_dir():
        return []
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".xml", ".vxdl"))


def vxi(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run the real command line."""
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
