"""`vxi convert IN OUT`: VXDL to and from GraphML and GENI RSpec v3, chosen by file extension."""

from __future__ import annotations

from pathlib import Path

from backend.cli.errors import CliError
from backend.convert import Losses, graphml, rspec
from backend.files import FileError, atomic_write
from backend.vxdl import read_bytes, read_file
from backend.vxdl.writer import checked_bytes

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


def _read(path: str, src: str, dst: str):
    """The model of the input and what reading it dropped; a VXDL input must be a valid VXI."""
    if src != "vxdl":
        return FORMATS[src].read(path)
    result = read_file(path)
    if result.model is None or (result.model.role == "substrate" and dst != "vxdl"):
        raise CliError(f"{path}: not a VXI request that can be converted", 1)
    if result.errors:
        raise CliError(f"{path}: {len(result.errors)} error(s), nothing converted (see vxi validate): "
                       f"{_first(result.errors)}", 1)
    return result.model, Losses()


def _first(problems) -> str:
    p = problems[0]
    subject = f" ({p.element} '{p.element_id}')" if p.element_id is not None else ""
    return f"{p.message}{subject}" + (f", and {len(problems) - 1} more" if len(problems) > 1 else "")


def _vxdl(model, source: str, target: str) -> bytes:
    """The VXDL of an imported model, checked by the reader: an import never writes a file that does not
    validate."""
    data = checked_bytes(model, target)
    errors = read_bytes(data, target).errors
    if errors:
        raise CliError(f"{source}: the converted VXI would not be valid VXDL, nothing written: {_first(errors)}",
                       1)
    return data


def run(args) -> int:
    """Convert, check, write atomically and list what was dropped."""
    src, dst = _kind(args.input), _kind(args.output)
    try:
        model, losses = _read(args.input, src, dst)
        if dst == "vxdl":
            atomic_write(args.output, _vxdl(model, args.input, args.output))
        else:
            data, written_losses = FORMATS[dst].to_bytes(model)
            losses.items.update(written_losses.items)
            atomic_write(args.output, data)
    except FileError as exc:
        raise CliError(str(exc), 2) from None
    print(f"{args.input} -> {args.output}: {len(model.components)} components, {len(model.links)} links")
    for line in losses.lines():
        print(f"  {line}")
    if not losses.items:
        print("  nothing dropped")
    return 0
