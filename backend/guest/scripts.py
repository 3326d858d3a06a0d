"""The shell scripts inside a guest: /init of the project's image, the configuration it applies from the
kernel command line, and the exec agent (also installed into users' cloud images by their NoCloud seed).

They are plain POSIX sh for busybox and for a distribution's dash or bash alike."""

from __future__ import annotations

# Applies vxi.* words (see backend/guest/config.py): NICs found by MAC, addresses, shaping, routes,
# forwarding. With VXI_ADDRESSES=0 it leaves addresses and routes to someone else (cloud-init).
CONFIGURE = r"""#!/bin/sh
# vxi-configure WORDS...: configure this guest from vxi.* words (docs/lab.md, "Kernel command line").
log() { echo "vxi-guest: $*"; }
find_nic() {
    n=0
    while [ $n -lt 100 ]; do
        for p in /sys/class/net/*; do
            [ "$(cat "$p/address" 2>/dev/null)" = "$1" ] && { echo "${p##*/}"; return 0; }
        done
        n=$((n + 1)); sleep 0.05
    done
    return 1
}
shape() {  # DEV RATE_BIT_S DELAY_US
    parent="root handle 1:"
    if [ "${3:-0}" != 0 ]; then
        tc qdisc replace dev "$1" root handle 1: netem delay "${3}us" || log "$1: netem failed"
        parent="parent 1:1 handle 10:"
    fi
    if [ "${2:-0}" != 0 ]; then
        burst=$(($2 / 800)); [ "$burst" -lt 3200 ] && burst=3200
        tc qdisc add dev "$1" $parent tbf rate "${2}bit" burst "$burst" latency 100ms || log "$1: tbf failed"
    fi
}
nic() {
    old=$IFS; IFS=,; set -- $1; IFS=$old
    dev=$(find_nic "$1") || { log "no interface with MAC $1"; return; }
    ip link set "$dev" up
    if [ "${VXI_ADDRESSES:-1}" = 1 ]; then
        for a in $(echo "$2" | tr + ' '); do ip addr add "$a" dev "$dev" || log "$dev: address $a failed"; done
    fi
    shape "$dev" "${3:-0}" "${4:-0}"
    log "$dev ($1) ${2:-no address} rate=${3:-0} delay_us=${4:-0}"
}
routes=""
for w in "$@"; do
    case "$w" in
        vxi.name=*) hostname "${w#vxi.name=}" ;;
        vxi.nic=*) nic "${w#vxi.nic=}" ;;
        vxi.route=*) routes="$routes ${w#vxi.route=}" ;;
        vxi.forward=1) echo 1 > /proc/sys/net/ipv4/ip_forward; log "forwarding on" ;;
    esac
done
if [ "${VXI_ADDRESSES:-1}" = 1 ]; then
    for r in $routes; do
        ip route replace "${r%%,*}" via "${r#*,}" || log "route $r failed"
    done
fi
"""

# Shaping a NIC again in a running guest (a period boundary on a host whose guests shape their own links):
# reshape MAC RATE|idle DELAY_US. Its egress only: the other way is the other end's egress. Idle drops everything.
RESHAPE = r"""dev=""
for p in /sys/class/net/*; do [ "$(cat "$p/address" 2>/dev/null)" = "$1" ] && dev="${p##*/}"; done
[ -n "$dev" ] || { echo "no interface with MAC $1" >&2; exit 2; }
tc qdisc del dev "$dev" root 2>/dev/null
[ "$2" = idle ] && exec tc qdisc add dev "$dev" root netem loss 100%
parent="root handle 1:"
if [ "${3:-0}" != 0 ]; then
    tc qdisc add dev "$dev" root handle 1: netem delay "${3}us" || exit 3
    parent="parent 1:1 handle 10:"
fi
if [ "${2:-0}" != 0 ]; then
    burst=$(($2 / 800)); [ "$burst" -lt 3200 ] && burst=3200
    tc qdisc add dev "$dev" $parent tbf rate "${2}bit" burst "$burst" latency 100ms || exit 4
fi
"""

# The exec agent: a small QEMU guest agent on the virtio-serial port org.qemu.guest_agent.0, speaking
# the part of its protocol that libvirt and `vxi exec` use (one JSON object per line each way):
# guest-sync, guest-sync-delimited, guest-ping, guest-exec (the script comes as base64 "input-data",
# run by /bin/sh) and guest-exec-status (exit code, output in base64). Anything else: CommandNotFound.
AGENT = r"""#!/bin/sh
# vxi-agent [PORT]: answer libvirt's guest agent commands on the virtio-serial port named PORT
# (docs/lab.md, "Exec channel").
name=${1:-org.qemu.guest_agent.0}
work=${VXI_AGENT_DIR:-/run/vxi-agent}
mkdir -p "$work"
n=0
port() {
    [ -n "$VXI_AGENT_DEVICE" ] && { echo "$VXI_AGENT_DEVICE"; return 0; }
    [ -c "/dev/virtio-ports/$name" ] && { echo "/dev/virtio-ports/$name"; return 0; }
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat "$p/name" 2>/dev/null)" = "$name" ] && [ -c "/dev/${p##*/}" ] && { echo "/dev/${p##*/}"; return 0; }
    done
    return 1
}
reply() { printf '%s\n' "$1" >&3; }
field() { printf '%s' "$line" | sed -n "s/.*\"$1\" *: *\"\{0,1\}\([^\",}]*\).*/\1/p"; }
b64() { base64 < "$1" | tr -d '\n'; }
execute() {
    n=$((n + 1))
    mkdir -p "$work/$n"
    field input-data | base64 -d > "$work/$n/cmd" 2>/dev/null
    ( /bin/sh "$work/$n/cmd" < /dev/null > "$work/$n/out" 2> "$work/$n/err"
      echo $? > "$work/$n/rc.new" && mv "$work/$n/rc.new" "$work/$n/rc" ) 3>&- &
    echo "$n" > "$work/pid.$!"
    reply "{\"return\": {\"pid\": $!}}"
}
status() {
    job=$(cat "$work/pid.$1" 2>/dev/null) || {
        reply '{"error": {"class": "InvalidParameter", "desc": "no such process"}}'; return; }
    if [ -f "$work/$job/rc" ]; then
        out=$(b64 "$work/$job/out") err=$(b64 "$work/$job/err") rc=$(cat "$work/$job/rc")
        reply "{\"return\": {\"exited\": true, \"exitcode\": $rc, \"out-data\": \"$out\", \"err-data\": \"$err\"}}"
        rm -rf "$work/$job" "$work/pid.$1"
    else
        reply '{"return": {"exited": false}}'
    fi
}
until dev=$(port); do sleep 1; done
while :; do
    exec 3<>"$dev" || { sleep 1; continue; }
    while IFS= read -r line <&3; do
        case "$line" in
            *'"guest-sync-delimited"'*) printf '\377' >&3; reply "{\"return\": $(field id)}" ;;
            *'"guest-sync"'*) reply "{\"return\": $(field id)}" ;;
            *'"guest-ping"'*) reply '{"return": {}}' ;;
            *'"guest-exec-status"'*) status "$(field pid)" ;;
            *'"guest-exec"'*) execute ;;
            *'"execute"'*) reply '{"error": {"class": "CommandNotFound", "desc": "not offered by vxi-agent"}}' ;;
        esac
    done
    exec 3<&-
    sleep 0.5  # the host side is not connected (the port reads end of file): look again soon
done
"""

# PID 1 of the project's image.
INIT = r"""#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run /mnt
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
exec < /dev/console > /dev/console 2>&1
echo "vxi-guest: init at $(cut -d' ' -f1 /proc/uptime) s"
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null || echo "vxi-guest: module $m not loaded"; done \
    < /etc/vxi/modules
ip link set lo up
sh /usr/sbin/vxi-configure $(cat /proc/cmdline)
( sh /usr/sbin/vxi-agent > /dev/null 2>&1 ) &
touch /run/vxi-ready
echo "vxi-guest: ready $(hostname) at $(cut -d' ' -f1 /proc/uptime) s"
while :; do wait; sleep 1; done
"""
