"""The project's own guest: a small image (distribution kernel, busybox and iproute2 initramfs) configured
from its kernel command line, an exec channel on a virtio console, and NoCloud seeds for users' own images."""
