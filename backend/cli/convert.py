"""`vxi convert IN OUT`: VXDL to and from GraphML and GENI RSpec v3, chosen by file extension (or --from/--to,
needed with '-' for standard input or output); `--plain` writes VXDL 2.0 as the original schema accepts it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from backend.cli.errors import CliError
from backend.cli.output import STDIN, add_json_option, print_json, read_input, read_vxdl
from backend.convert import Losses
from backend.files import FileError, atomic_write
from backend.model.printable import printable
from backend.vxdl import read_bytes
from backend.vxdl.writer import checked_bytes

VXDL_EXT = {".vxdl", ".xml"}
FORMATS = {".graphml": "graphml", ".rspec": "rspec"}  # modules of backend.convert (GraphML's loads networkx)
NAMES = {"vxdl": "vxdl", "graphml": ".graphml", "rspec": ".rspec"}


def _converter(ext: str):
    """The module reading and writing the format of an extension, imported when a conversion needs it."""
    return importlib.import_module(f"backend.convert.{FORMATS[ext]}")


def register(sub) -> None:
    """Add the convert subcommand."""
    p = sub.add_parser("convert", help="convert between VXDL (.vxdl/.xml), GraphML (.graphml) and RSpec (.rspec)")
    p.add_argument("input", metavar="IN", help="the file to read ('-': standard input, with --from)")
    p.add_argument("output", metavar="OUT", help="the file to write ('-': standard output, with --to)")
    p.add_argument("--from", dest="source_format", choices=tuple(NAMES),
                   help="the format of IN (default: its extension)")
    p.add_argument("--to", dest="target_format", choices=tuple(NAMES),
                   help="the format of OUT (default: its extension)")
    p.add_argument("--plain", action="store_true",
                   help="VXDL out: plain VXDL 2.0 as the original schema accepts it, leaving out (and listing) what "
                        "only VXI Designer's extension can say")
    add_json_option(p, "print the report (counts and what was left out) as JSON")
    p.set_defaults(func=run)


def _kind(path: str, given: str | None) -> str:
    if given:
        return NAMES[given]
    if path == STDIN:
        raise CliError("'-' needs --from (for IN) or --to (for OUT): vxdl, graphml or rspec", 2)
    ext = Path(path).suffix.lower()
    if ext in VXDL_EXT:
        return "vxdl"
    if ext in FORMATS:
        return ext
    raise CliError(f"{path}: unknown extension '{ext}' (use .vxdl, .xml, .graphml or .rspec, or --from/--to)", 2)


def _first(problems) -> str:
    p = problems[0]
    subject = f" ({p.element} '{p.element_id}')" if p.element_id is not None else ""
    return f"{p.message}{subject}" + (f", and {len(problems) - 1} more" if len(problems) > 1 else "")


def _read(path: str, src: str, dst: str):
    """The model of the input and what reading it dropped; a VXDL input must be a valid VXI."""
    if src != "vxdl":
        if path == STDIN:
            data, name = read_input(path)
            return _converter(src).from_bytes(data, name)
        return _converter(src).read(path)
    result = read_vxdl(path)
    if result.model is None or (result.model.role == "substrate" and dst != "vxdl"):
        raise CliError(f"{path}: not a VXI request that can be converted", 1)
    if result.errors:
        raise CliError(f"{path}: {len(result.errors)} error(s), nothing converted (see vxi validate): "
                       f"{_first(result.errors)}", 1)
    return result.model, Losses()


def _vxdl(model, source: str, target: str, plain: bool) -> tuple[bytes, list[str]]:
    """The VXDL of a model (plain 2.0 with what it left out, or the project's own, checked by the reader: an
    import never writes a file that does not validate)."""
    if plain:
        from backend.vxdl.plain import checked_plain_bytes

        result = checked_plain_bytes(model, target)
        return result.data, result.left_out
    data = checked_bytes(model, target)
    errors = read_bytes(data, target).errors
    if errors:
        raise CliError(f"{source}: the converted VXI would not be valid VXDL, nothing written: {_first(errors)}",
                       1)
    return data, []


def _write(target: str, data: bytes) -> None:
    if target == STDIN:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        atomic_write(target, data)


def run(args) -> int:
    """Convert, check, write atomically (or to standard output) and list what was dropped."""
    src, dst = _kind(args.input, args.source_format), _kind(args.output, args.target_format)
    if args.plain and dst != "vxdl":
        raise CliError("--plain is for VXDL output", 2)
    if args.output == STDIN and args.json:
        raise CliError("--json and '-' for OUT both use standard output", 2)
    left_out: list[str] = []
    try:
        model, losses = _read(args.input, src, dst)
        if dst == "vxdl":
            data, left_out = _vxdl(model, args.input, args.output, args.plain)
        else:
            data, written_losses = _converter(dst).to_bytes(model)
            losses.items.update(written_losses.items)
        _write(args.output, data)
    except FileError as exc:
        raise CliError(str(exc), 2) from None
    report = sys.stderr if args.output == STDIN else sys.stdout
    if args.json:
        print_json({"input": args.input, "output": args.output, "components": len(model.components),
                    "links": len(model.links), "dropped": losses.lines(), "left_out": left_out})
        return 0
    print(f"{printable(args.input)} -> {printable(args.output)}: {len(model.components)} components, "
          f"{len(model.links)} links", file=report)
    for line in [*losses.lines(), *(f"left out of plain VXDL 2.0: {what}" for what in left_out)]:
        print(f"  {printable(line)}", file=report)
    if not losses.items and not left_out:
        print("  nothing dropped", file=report)
    return 0
