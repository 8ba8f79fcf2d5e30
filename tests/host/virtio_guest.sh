#!/bin/sh
# virtio_guest.sh - the guest half of tests/host/test_virtio_screendump.py.
# Runs in the test VM (tests/vm/run --kernel-drm): our daemon drives the
# VFIO virtio-gpu ($VM_VFIO_GPU), the kernel's virtio_gpu the other one
# (00:04.0).  modetest draws its SMPTE pattern on each in turn; after each
# it writes $VM_OUT/ready-<which> and waits for the host's $VM_OUT/dumped-<which>
# (the host took a QEMU screendump meanwhile).
set -u
cd "$(dirname "$0")/../.."
. tests/host/vmguest.sh
rm -f "$OUT"/virtio-*.log

# modetest finds a driver by name in card0..15 order: the kernel's virtio_gpu steps aside for our run.
echo 0000:00:04.0 > /sys/bus/pci/devices/0000:00:04.0/driver/unbind
build/cuse-drm --device "$VM_VFIO_GPU" --node card9 > "$OUT/virtio-daemon.log" 2>&1 &
DAEMON=$!
for i in $(seq 100); do [ -e /dev/dri/card9 ] && break; sleep 0.1; done
sleep 0.5
set -- $(ids)
echo "ours: connector $1 crtc $2"
LD_PRELOAD=$SHIM stdbuf -oL modetest -M virtio_gpu -s "$1@$2:1024x768" <&3 > "$OUT/virtio-modetest-ours.log" 2>&1 &
MT=$!
sleep 3
LD_PRELOAD=$SHIM build/drmctl screenshot /dev/dri/card9 -o "$OUT/virtio-ours-drmctl.png" > "$OUT/virtio-drmctl.log" 2>&1
build/drmctl stats /dev/dri/card9 | grep -E "gem objects|framebuffers" > "$OUT/virtio-stats-during.log"
wait_host ours "$1 $2" || exit 1
kill $MT; wait $MT 2>/dev/null
sleep 0.5
build/drmctl stats /dev/dri/card9 | grep -E "gem objects|framebuffers" > "$OUT/virtio-stats-after.log"

echo 0000:00:04.0 > /sys/bus/pci/drivers_probe
sleep 1
KCARD=$(kernel_card)
set -- $(ids)
echo "kernel: $KCARD connector $1 crtc $2"
stdbuf -oL modetest -M virtio_gpu -s "$1@$2:1024x768" <&3 > "$OUT/virtio-modetest-kernel.log" 2>&1 &
MT=$!
sleep 3
wait_host kernel "$1 $2" || exit 1
kill $MT; wait $MT 2>/dev/null
kill $DAEMON; wait $DAEMON
echo "daemon exit $?"
