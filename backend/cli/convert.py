"""`vxi convert IN OUT`: VXDL to and from GraphML and GENI RSpec v3, chosen by file extension (or --from/--to,
needed with '-' for standard input or output); `--plain` writes VXDL 2.0 as the original schema accepts it."""

from __future__ import annotations

import sys
from pathlib import Path

from backend.cli.errors import CliError
from backend.cli.output import STDIN, add_json_option, print_json, read_input, read_vxdl
from backend.convert import Losses, graphml, rspec
from backend.vxdl import VxdlFileError, write_bytes
from backend.vxdl.secure import MAX_BYTES
from backend.vxdl.writer import atomic_write

VXDL_EXT = {".vxdl", ".xml"}
FORMATS = {".graphml": graphml, ".rspec": rspec}
NAMES = {"vxdl": "vxdl", "graphml": ".graphml", "rspec": ".rspec"}


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


def _read(args, src: str, dst: str):
    losses = Losses()
    try:
        if src == "vxdl":
            result = read_vxdl(args.input)
            if result.model is None or (result.model.role == "substrate" and dst != "vxdl"):
                raise CliError(f"{args.input}: not a VXI request that can be converted", 1)
            return result.model, losses
        if args.input == STDIN:
            data, _name = read_input(args.input)
            import tempfile

            with tempfile.NamedTemporaryFile(suffix=src) as tmp:
                tmp.write(data)
                tmp.flush()
                return FORMATS[src].read(tmp.name)
        size = Path(args.input).stat().st_size if Path(args.input).exists() else 0
        if size > MAX_BYTES:
            raise CliError(f"{args.input}: file is over the {MAX_BYTES / 1e6:.0f} MB limit", 2)
        return FORMATS[src].read(args.input)
    except VxdlFileError as exc:
        raise CliError(str(exc), 2) from None
    except FileNotFoundError:
        raise CliError(f"{args.input}: no such file", 2) from None
    except (ValueError, KeyError) as exc:
        raise CliError(f"{args.input}: cannot be read as {src.lstrip('.')}: {exc}", 2) from None


def _write(args, model, dst: str) -> tuple[Losses, list[str]]:
    """Write OUT; the losses of a foreign format, and what plain VXDL left out."""
    left_out: list[str] = []
    losses = Losses()
    if dst == "vxdl":
        if args.plain:
            from backend.vxdl.plain import plain_bytes

            plain = plain_bytes(model)
            data, left_out = plain.data, plain.left_out
        else:
            data = write_bytes(model)
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder) / f"out{dst}"
            losses = FORMATS[dst].write(model, str(tmp))
            data = tmp.read_bytes()
    if args.output == STDIN:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            atomic_write(args.output, data)
        except OSError as exc:
            raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}", 2) from None
    return losses, left_out


def run(args) -> int:
    """Convert and list what was dropped."""
    src, dst = _kind(args.input, args.source_format), _kind(args.output, args.target_format)
    if args.plain and dst != "vxdl":
        raise CliError("--plain is for VXDL output", 2)
    if args.output == STDIN and args.json:
        raise CliError("--json and '-' for OUT both use standard output", 2)
    model, read_losses = _read(args, src, dst)
    write_losses, left_out = _write(args, model, dst)
    losses = Losses()
    losses.items = read_losses.items + write_losses.items
    report = sys.stderr if args.output == STDIN else sys.stdout
    if args.json:
        print_json({"input": args.input, "output": args.output, "components": len(model.components),
                    "links": len(model.links), "dropped": losses.lines(), "left_out": left_out})
        return 0
    print(f"{args.input} -> {args.output}: {len(model.components)} components, {len(model.links)} links", file=report)
    for line in [*losses.lines(), *(f"left out of plain VXDL 2.0: {what}" for what in left_out)]:
        print(f"  {line}", file=report)
    if not losses.items and not left_out:
        print("  nothing dropped", file=report)
    return 0
