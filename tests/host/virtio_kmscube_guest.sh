#!/bin/sh
# virtio_kmscube_guest.sh - the guest half of tests/host/test_virtio_kmscube.py.
# Runs in the test VM (tests/vm/run, no kernel DRM drivers): our daemon on the VFIO virtio-gpu,
# Mesa's kmscube renders through it (GBM, kms_swrast, llvmpipe) under the shim.  kmscube is
# stopped (SIGSTOP) twice while it renders, for a screendump each (cube-1, cube-2), then runs
# until it has rendered 30 frames.
set -u
cd "$(dirname "$0")/../.."
. tests/host/vmguest.sh
rm -f "$OUT"/cube-*

start_ours card0 || exit 1
LD_PRELOAD=$SHIM stdbuf -oL kmscube -D /dev/dri/card0 <&3 > "$OUT/cube-kmscube.log" 2>&1 &
KC=$!
# kmscube prints "Rendered N frames in T sec" (N counted from its start) about every 2 s, the
# first when its first frame is done.  Stop it after the 2nd and 3rd such line.
for n in 1 2; do
	wait_lines "$OUT/cube-kmscube.log" "^Rendered" $((n + 1)) || exit 1
	kill -STOP $KC
	sleep 0.5
	wait_host "cube-$n" || exit 1
	kill -CONT $KC
done
# Then let it reach 30 frames at least.
for i in $(seq 1200); do
	n=$(grep -o "^Rendered [0-9]*" "$OUT/cube-kmscube.log" | tail -1 | cut -d' ' -f2)
	[ "${n:-0}" -ge 30 ] && break
	kill -0 $KC 2>/dev/null || break
	sleep 0.1
done
kill -0 $KC 2>/dev/null && echo "kmscube still running"
kill $KC; wait $KC
cat "$OUT/cube-kmscube.log"
# The daemon freed kmscube's buffers when its file was released.
for i in $(seq 50); do
	build/drmctl stats /dev/dri/card0 | grep -E "gem objects|framebuffers" > "$OUT/cube-stats-after.log"
	grep -q "gem objects: *0 " "$OUT/cube-stats-after.log" && break
	sleep 0.2
done
kill $DAEMON; wait $DAEMON
echo "daemon exit $?"
