#!/bin/sh
# Build a small Debian 12 cloud image as a user would make one for <x:disk>: debootstrap + the distribution's
# cloud kernel + cloud-init (NoCloud) + qemu-guest-agent + iperf3, booted by syslinux, as a qcow2 file.
#
#   sudo scripts/build-cloud-image.sh [OUTPUT.qcow2]
#
# Default output: ${XDG_CACHE_HOME:-~/.cache}/vxi-designer/cloud-images/debian-12-vxi.qcow2 (kept: a second run
# prints its path and does nothing; VXI_REBUILD=1 builds again). Needs root (debootstrap, chroot), the Debian
# packages debootstrap, qemu-utils, syslinux, syslinux-common, mtools, dosfstools, fdisk, and a Debian mirror
# (VXI_MIRROR, default http://deb.debian.org/debian); the packages are kept in the cache's debs/ for the next
# build. No loop device or mount of the image is needed: the root file system is made with `mkfs.ext4 -d`, the
# boot partition is FAT with syslinux installed into the file.
#
# Layout: MBR, partition 1 FAT (bootable: syslinux, vmlinuz, initrd.img), partition 2 ext4 labelled vxiroot.
# cloud-init renders the NoCloud network-config with systemd-networkd (no ifupdown in the image).
set -eu
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vxi-designer/cloud-images"
OUT="${1:-$CACHE/debian-12-vxi.qcow2}"
MIRROR="${VXI_MIRROR:-http://deb.debian.org/debian}"
SIZE_MB="${VXI_IMAGE_MB:-2048}"
BOOT_MB=96
if [ -f "$OUT" ] && [ -z "${VXI_REBUILD:-}" ]; then
    echo "$OUT (cached)"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-cloud-image: needs root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap qemu-img syslinux mcopy mkfs.vfat mkfs.ext4 sfdisk; do
    command -v "$tool" >/dev/null || { echo "build-cloud-image: $tool missing (apt-get install debootstrap qemu-utils syslinux syslinux-common mtools dosfstools fdisk)" >&2; exit 1; }
done
START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vxi-cloud-image.XXXXXX")
cleanup() {
    for m in proc sys dev/pts dev; do umount "$WORK/root/$m" 2>/dev/null || true; done
    if grep -q " $WORK/" /proc/mounts; then
        echo "build-cloud-image: $WORK left in place: something is still mounted in it" >&2
        return
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
ROOT="$WORK/root"
echo "build-cloud-image: debootstrap bookworm into $ROOT" >&2
# python3-cffi-backend by name: debootstrap does not resolve the virtual package python3-cryptography needs
mkdir -p "$CACHE/debs"
debootstrap --variant=minbase --cache-dir="$CACHE/debs" \
    --include=systemd-sysv,udev,dbus,linux-image-cloud-amd64,cloud-init,python3-cffi-backend,qemu-guest-agent,iproute2,iperf3,iputils-ping,procps,kmod \
    bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }

echo "build-cloud-image: configuring" >&2
echo "vxi-cloud" >"$ROOT/etc/hostname"
printf 'LABEL=vxiroot / ext4 defaults 0 1\n' >"$ROOT/etc/fstab"
mkdir -p "$ROOT/etc/cloud/cloud.cfg.d"
cat >"$ROOT/etc/cloud/cloud.cfg.d/90-vxi.cfg" <<'EOF'
# Look for a NoCloud seed (a volume labelled cidata) only, render the network with systemd-networkd.
datasource_list: [NoCloud, None]
system_info:
  network:
    renderers: [networkd]
# C.UTF-8 is built into glibc: nothing to generate (the default en_US.UTF-8 is not in a minbase system, and
# cloud-init's locale module then fails); no ssh server here, so no host keys to make.
locale: C.UTF-8
ssh_genkeytypes: []
EOF
chroot "$ROOT" systemctl enable systemd-networkd.service qemu-guest-agent.service >/dev/null 2>&1 || true
chroot "$ROOT" systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1 || true
# the agent's port appears as /dev/virtio-ports/org.qemu.guest_agent.0; Debian's unit waits for that device
chroot "$ROOT" apt-get clean
rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/var/cache/apt/"*.bin
KERNEL=$(ls "$ROOT"/boot/vmlinuz-* | sort -V | tail -1)
INITRD=$(ls "$ROOT"/boot/initrd.img-* | sort -V | tail -1)

echo "build-cloud-image: assembling the disk" >&2
mkfs.vfat -C -n VXIBOOT "$WORK/boot.img" $((BOOT_MB * 1024)) >/dev/null
syslinux --install "$WORK/boot.img"
cat >"$WORK/syslinux.cfg" <<'EOF'
SERIAL 0 115200
DEFAULT linux
TIMEOUT 1
LABEL linux
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=vxiroot ro console=ttyS0,115200 net.ifnames=0
EOF
mcopy -i "$WORK/boot.img" "$KERNEL" ::/vmlinuz
mcopy -i "$WORK/boot.img" "$INITRD" ::/initrd.img
mcopy -i "$WORK/boot.img" "$WORK/syslinux.cfg" ::/syslinux.cfg
ROOT_MB=$((SIZE_MB - BOOT_MB - 2))
mkfs.ext4 -q -L vxiroot -d "$ROOT" "$WORK/root.img" "${ROOT_MB}M"
truncate -s "${SIZE_MB}M" "$WORK/disk.img"
sfdisk -q "$WORK/disk.img" <<EOF
label: dos
start=2048, size=$((BOOT_MB * 2048)), type=c, bootable
start=$((2048 + BOOT_MB * 2048)), size=$((ROOT_MB * 2048)), type=83
EOF
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$WORK/disk.img" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/boot.img" of="$WORK/disk.img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$WORK/root.img" of="$WORK/disk.img" bs=1M seek=$((1 + BOOT_MB)) conv=notrunc,sparse status=none
mkdir -p "$(dirname "$OUT")"
qemu-img convert -O qcow2 "$WORK/disk.img" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "build-cloud-image: $(basename "$KERNEL"), $(du -h "$OUT" | cut -f1) qcow2, built in $(( $(date +%s) - START )) s" >&2
echo "$OUT"
