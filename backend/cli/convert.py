"""`vxi convert IN OUT`: VXDL to and from GraphML and GENI RSpec v3, chosen by file extension (or --from/--to,
needed with '-' for standard input or output); `--plain` writes VXDL 2.0 as the original schema accepts it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from backend.cli.errors import CliError
from backend.cli.output import STDIN, add_json_option, print_json, read_input, read_vxdl
from backend.convert import Losses
from backend.files import FileError, atomic_writer, read_regular, spooled_output
from backend.model.printable import printable
from backend.vxdl import read_bytes
from backend.vxdl.plain import write_plain_checked
from backend.vxdl.writer import write_checked

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


def _first(problems, count: int | None = None) -> str:
    p = problems[0]
    count = len(problems) if count is None else count
    subject = f" ({p.element} '{p.element_id}')" if p.element_id is not None else ""
    return f"{p.message}{subject}" + (f", and {count - 1} more" if count > 1 else "")


def _read(path: str, src: str, dst: str):
    """The model of the input and what reading it dropped; a VXDL input must be a valid VXI."""
    if src != "vxdl":
        if path == STDIN:
            data, name = read_input(path)
            return _converter(src).from_bytes(data, name)
        return _converter(src).read(path)
    result = read_vxdl(path)  # the first problems kept, every one counted
    if result.model is None or (result.model.role == "substrate" and dst != "vxdl"):
        raise CliError(f"{path}: not a VXI request that can be converted", 1)
    if result.error_count:
        raise CliError(f"{path}: {result.error_count} error(s), nothing converted (see vxi validate): "
                       f"{_first(result.errors, result.error_count) if result.errors else 'run vxi validate'}", 1)
    return result.model, Losses()


def _invalid(source: str, errors) -> CliError:
    return CliError(f"{source}: the converted VXI would not be valid VXDL, nothing written: {_first(errors)}", 1)


def _write_to(out, model, losses: Losses, dst: str, target: str) -> list[str]:
    """Write plain VXDL, GraphML or RSpec to `out` as it is made (what an export cannot say added to `losses`);
    what plain VXDL left out."""
    if dst == "vxdl":
        return write_plain_checked(model, out, target)
    losses.items.update(_converter(dst).write_to(model, out).items)
    return []


def _convert(args, src: str, dst: str) -> tuple[int, int, Losses, list[str]]:
    """Read, then write the output into the atomic writer's temporary file as it is made (standard output: GraphML
    and RSpec as they are made, VXDL into a nameless temporary file printed once whole, so that a refusal prints
    nothing): the counts of components and
    links, what was dropped and what plain VXDL left out. An import to VXDL is checked by the reader before it is
    renamed into place (an import never writes a file that does not validate); the imported model is let go first,
    so that the two are never held together."""
    model, losses = _read(args.input, src, dst)
    counts = len(model.components), len(model.links)
    if dst == "vxdl" and not args.plain:
        if args.output == STDIN:  # spooled, read back, then printed: a refusal prints nothing
            with spooled_output(sys.stdout.buffer) as spool:
                write_checked(model, spool, args.output)
                del model
                spool.seek(0)
                errors = read_bytes(spool.read(), args.output).errors
                if errors:
                    raise _invalid(args.input, errors)
            return *counts, losses, []
        with atomic_writer(args.output) as out:
            write_checked(model, out, args.output)
            del model
            errors = read_bytes(read_regular(out.temporary), args.output).errors
            if errors:
                raise _invalid(args.input, errors)
        return *counts, losses, []
    if args.output == STDIN:
        if dst != "vxdl":  # GraphML and RSpec: nothing refuses them once begun, so they go out as they are made
            _write_to(sys.stdout.buffer, model, losses, dst, args.output)
            sys.stdout.flush()
            return *counts, losses, []
        with spooled_output(sys.stdout.buffer) as spool:  # plain VXDL: printed once whole (a refusal prints nothing)
            left_out = _write_to(spool, model, losses, dst, args.output)
        return *counts, losses, left_out
    with atomic_writer(args.output) as out:
        return *counts, losses, _write_to(out, model, losses, dst, args.output)


def run(args) -> int:
    """Convert, check, write atomically (or to standard output) and list what was dropped."""
    src, dst = _kind(args.input, args.source_format), _kind(args.output, args.target_format)
    if args.plain and dst != "vxdl":
        raise CliError("--plain is for VXDL output", 2)
    if args.output == STDIN and args.json:
        raise CliError("--json and '-' for OUT both use standard output", 2)
    try:
        components, links, losses, left_out = _convert(args, src, dst)
    except FileError as exc:
        raise CliError(str(exc), 2) from None
    report = sys.stderr if args.output == STDIN else sys.stdout
    if args.json:
        print_json({"input": args.input, "output": args.output, "components": components,
                    "links": links, "dropped": losses.lines(), "left_out": left_out})
        return 0
    print(f"{printable(args.input)} -> {printable(args.output)}: {components} components, "
          f"{links} links", file=report)
    for line in [*losses.lines(), *(f"left out of plain VXDL 2.0: {what}" for what in left_out)]:
        print(f"  {printable(line)}", file=report)
    if not losses.items and not left_out:
        print("  nothing dropped", file=report)
    return 0
