"""`vxi convert IN OUT`: VXDL to and from GraphML and GENI RSpec v3, chosen by file extension."""

from __future__ import annotations

from pathlib import Path

from backend.cli.errors import CliError
from backend.convert import Losses, graphml, rspec
from backend.vxdl import VxdlFileError, read_file, write_file
from backend.vxdl.secure import MAX_BYTES

VXDL_EXT = {".vxdl", ".xml"}
FORMATS = {".graphml": graphml, ".rspec": rspec}


def register(sub) -> None:
    """Add the convert subcommand."""
    p = sub.add_parser("convert", help="convert between VXDL (.vxdl/.xml), GraphML (.graphml) and RSpec (.rspec)")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.set_defaults(func=run)


def _kind(path: str) -> str:
    ext = Path(path).suffix.lower()
    if ext in VXDL_EXT:
        return "vxdl"
    if ext in FORMATS:
        return ext
    raise CliError(f"{path}: unknown extension '{ext}' (use .vxdl, .xml, .graphml or .rspec)", 2)


def run(args) -> int:
    """Convert and list what was dropped."""
    src, dst = _kind(args.input), _kind(args.output)
    losses = Losses()
    try:
        if src == "vxdl":
            result = read_file(args.input)
            if result.model is None or (result.model.role == "substrate" and dst != "vxdl"):
                raise CliError(f"{args.input}: not a VXI request that can be converted", 1)
            model = result.model
        else:
            size = Path(args.input).stat().st_size if Path(args.input).exists() else 0
            if size > MAX_BYTES:
                raise CliError(f"{args.input}: file is over the {MAX_BYTES / 1e6:.0f} MB limit", 2)
            model, losses = FORMATS[src].read(args.input)
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    except FileNotFoundError:
        raise CliError(f"{args.input}: no such file", 2) from None
    except (ValueError, KeyError) as exc:
        raise CliError(f"{args.input}: cannot be read as {src.lstrip('.')}: {exc}", 2) from None
    if dst == "vxdl":
        write_file(model, args.output)
    else:
        losses = FORMATS[dst].write(model, args.output)
    print(f"{args.input} -> {args.output}: {len(model.components)} components, {len(model.links)} links")
    for line in losses.lines():
        print(f"  {line}")
    if not losses.items:
        print("  nothing dropped")
    return 0
