#!/bin/sh
# Install the Debian/Ubuntu packages VXI Designer needs when they are missing: as root directly,
# otherwise print the exact command to run.
#  - libvirt-python's build, Qt's runtime, iperf3, iproute2 (ip, tc), ping;
#  - the real hypervisor and its lab (docs/lab.md): libvirtd with its QEMU driver and QEMU itself
#    (software emulation works everywhere; KVM is used where it boots guests), the distribution's
#    kernel and busybox for the project's own guest image (`vxi image build`).
#    qemu-utils (qemu-img) makes the copy-on-write overlays of users' own disk images (<x:disk>).
#    openssh-server: a lab whose hosts are reached over ssh (`vxi lab up --ssh`) runs one sshd per host in
#    the host's namespaces. Installing it where systemd runs also enables and starts the machine's own sshd
#    (Debian's package does; where /usr/sbin/policy-rc.d denies it, as in containers, it does not).
#    iptables: libvirt's isolated networks (a link on a host handled as a host of another machine,
#    VXI_LAB_AS_REMOTE=1) have their firewall rules made with it, inside the host's namespace.
#    syslinux, syslinux-common, mtools, dosfstools, fdisk: the lab test of a user's own disk on a host of
#    another machine (tests/lab/test_remote_disk.py) builds a tiny bootable disk with them.
#    Not libvirt-daemon-system: it adds users, polkit and a default network, and starts the
#    system daemon where systemd runs; the lab starts its own daemons (`vxi lab up`).
set -e
PACKAGES="python3-venv python3-dev gcc pkg-config libvirt-dev iperf3 iproute2 iputils-ping procps libgl1 libegl1 libxkbcommon0 \
libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 xvfb \
libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils linux-image-amd64 openssh-server iptables \
syslinux syslinux-common mtools dosfstools fdisk"
if ! command -v dpkg >/dev/null 2>&1; then
    echo "system-deps: not a Debian/Ubuntu system; install the equivalents of: $PACKAGES busybox" >&2
    exit 0
fi
missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# busybox for the guest image: either flavour will do (they exclude each other)
dpkg -s busybox >/dev/null 2>&1 || dpkg -s busybox-static >/dev/null 2>&1 || missing="$missing busybox-static"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
    echo "system-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "system-deps: missing packages:$missing" >&2
    echo "run:  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
