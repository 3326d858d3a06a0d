"""`vxi image build|show`: the project's guest image (docs/lab.md, "Guest image")."""

from __future__ import annotations

import json

from backend.cli.errors import CliError
from backend.cli.output import add_json_option, add_output_option


def register(sub) -> None:
    """Add `vxi image` and its subcommands."""
    p = sub.add_parser("image", help="build or show the guest image real libvirt guests boot")
    image_sub = p.add_subparsers(dest="image_command", metavar="ACTION")
    image_sub.required = True
    build = image_sub.add_parser("build", help="build the image into the cache (only when its inputs changed)")
    build.add_argument("--force", action="store_true", help="build again even when the cache holds it")
    build.add_argument("--prune", action="store_true",
                       help="remove older images from the cache (not while guests still boot from them)")
    add_json_option(build, "print the image's manifest as JSON")
    add_output_option(build)
    build.set_defaults(func=run_build)
    show = image_sub.add_parser("show", help="where the image is, what it holds, how guests will run")
    add_json_option(show, "print the image's manifest as JSON")
    add_output_option(show)
    show.set_defaults(func=run_show)


def run_build(args) -> int:
    """Build (or find) the image and describe it."""
    from backend.guest.image import ImageError, build, prune

    try:
        image, fresh = build(force=args.force)
    except ImageError as exc:
        raise CliError(str(exc), 1) from None
    _print(image, "built" if fresh else "cached", args.json)
    if args.prune:
        for folder in prune(image):
            print(f"removed {folder}")
    return 0


def run_show(args) -> int:
    """Describe the image of this machine's inputs, if it is built."""
    from backend.guest.image import ImageError, collect_inputs, image_for

    try:
        inputs = collect_inputs()
    except ImageError as exc:
        raise CliError(str(exc), 1) from None
    image = image_for(inputs.key(), inputs.version)
    if not (image.directory / "image.json").is_file():
        raise CliError(f"the guest image for this machine is not built yet (run: vxi image build); "
                       f"it would go to {image.directory}", 1)
    _print(image, "up to date", args.json)
    return 0


def _print(image, state: str, as_json: bool) -> None:
    from backend.guest.accel import detect

    manifest = image.manifest()
    found = detect(image)
    if as_json:
        print(json.dumps(manifest | {"directory": str(image.directory), "kernel": str(image.kernel),
                                     "initrd": str(image.initrd), "state": state,
                                     "domain_type": found.domain_type, "accel_reason": found.reason}, indent=2))
        return
    print(f"guest image {image.directory} ({state})")
    boot = "PVH entry, loaded as is" if image.kernel.name == "vmlinux" else "bzImage"
    print(f"  kernel: {image.kernel} (Linux {manifest['kernel_version']}, {boot}, "
          f"{manifest['kernel_bytes'] / 1e6:.1f} MB)")
    print(f"  initramfs: {image.initrd} ({manifest['initrd_bytes'] / 1e6:.1f} MB, sha256 "
          f"{manifest['initrd_sha256'][:16]}...)")
    print(f"  modules: {', '.join(m.removesuffix('.ko') for m in manifest['modules'])}")
    programs = sorted({p.rsplit("/", 1)[-1] for p in manifest["programs"] if ".so" not in p})
    print(f"  programs: {', '.join(programs)}")
    print(f"  key: {manifest['key']}")
    print(f"  guests run with {found.label}: {found.reason}")
