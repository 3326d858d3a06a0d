"""Optional dependencies, installed as pip extras: whether each is usable here, and the one sentence that says
what is missing and the pip command that adds it. Nothing imports an optional library at module level; code
that needs one calls `require_libvirt(what)` first (or lets its ImportError reach `missing_extra`)."""

from __future__ import annotations

import functools

DISTRIBUTION = "vxi-designer"
LIBVIRT_MODULES = ("libvirt", "libvirtaio", "libvirt_qemu", "libvirtmod", "libvirtmod_qemu")


class MissingExtra(RuntimeError):
    """An optional dependency this command needs is not installed (or does not import): one sentence with the
    pip command that installs it."""

    def __init__(self, what: str, extra: str, reason: str):
        super().__init__(f"{what} needs {reason}: pip install '{DISTRIBUTION}[{extra}]' "
                         "(libvirt-python builds from source: gcc, pkg-config and libvirt-dev)")
        self.extra = extra


@functools.cache
def libvirt_missing() -> str | None:
    """Why libvirt-python cannot be used in this process ('libvirt-python, which is not installed'), or None
    when it imports."""
    try:
        import libvirt  # noqa: F401
        import libvirtaio  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name in LIBVIRT_MODULES:
            return "libvirt-python, which is not installed"
        return f"libvirt-python, which does not import ({exc})"
    except ImportError as exc:  # installed but broken: its C library is missing, say
        return f"libvirt-python, which does not import ({exc})"
    return None


def libvirt_version() -> str | None:
    """The installed libvirt-python's version ('12.8.0'), or None when it cannot be used."""
    if libvirt_missing() is not None:
        return None
    from importlib import metadata

    try:
        return metadata.version("libvirt-python")
    except metadata.PackageNotFoundError:  # importable from elsewhere (a system package)
        import libvirt

        major, rest = divmod(libvirt.getVersion(), 1_000_000)
        return f"{major}.{rest // 1000}.{rest % 1000}"


def require_libvirt(what: str) -> None:
    """Raise MissingExtra naming `what` ('the libvirt backend', 'vxi lab') when libvirt-python cannot be used."""
    reason = libvirt_missing()
    if reason is not None:
        raise MissingExtra(what, "libvirt", reason)


def missing_extra(exc: BaseException, what: str) -> MissingExtra | None:
    """The MissingExtra an ImportError of an optional library stands for (None for any other error)."""
    if isinstance(exc, MissingExtra):
        return exc
    if isinstance(exc, ImportError) and (exc.name or "").split(".")[0] in LIBVIRT_MODULES:
        return MissingExtra(what, "libvirt", libvirt_missing() or "libvirt-python, which does not import")
    return None
