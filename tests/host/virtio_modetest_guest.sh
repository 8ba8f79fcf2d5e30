#!/bin/sh
# virtio_modetest_guest.sh - the guest half of tests/host/test_virtio_modetest.py.
# Runs in the test VM (tests/vm/run --kernel-drm, QEMU tracing virtio-gpu commands).
#  1. flip-ours:   our daemon on the VFIO virtio-gpu; modetest -v page-flips; once it has
#                  printed two "freq:" lines it is stopped (SIGSTOP) and drmctl screenshot
#                  and the host's screendump see the same frame; it then goes on flipping.
#  2. cursor-ours: modetest -s -C on ours, between cursor-ours-start and cursor-ours-end
#                  (the host cuts QEMU's trace log there), a screendump meanwhile.
#  3. cursor-kernel: the same on the kernel's virtio_gpu (00:04.0, reprobed).
set -u
cd "$(dirname "$0")/../.."
. tests/host/vmguest.sh
rm -f "$OUT"/vorc-*

# Let modetest -C's cursor thread run this long (its steps are timed by modetest itself;
# the host compares the common prefix of the two drivers' cursor sequences).
CURSOR_SECS=6

# cursor_run WHICH MODETEST_PREFIX...: modetest -s -C between the two trace cut points.
cursor_run() {
	which=$1; shift
	say "cursor on $which"
	wait_host "cursor-$which-start" || exit 1
	"$@" stdbuf -oL modetest -M virtio_gpu -s "$CONN@$CRTC:1024x768" -C \
		<&3 > "$OUT/vorc-cursor-$which.log" 2>&1 &
	MT=$!
	sleep 3
	wait_host "cursor-$which-mid" || exit 1
	sleep $((CURSOR_SECS - 3))
	kill -STOP $MT
	sleep 0.5
	wait_host "cursor-$which-end" || exit 1
	kill -CONT $MT; kill $MT; wait $MT 2>/dev/null
	sleep 0.5
}

# stats_settled FILE: our daemon's GEM and framebuffer counts once a dead client's file is
# released (CUSE releases it a little after the exit): when they reach 0, or after 10 s.
stats_settled() {
	for i in $(seq 50); do
		build/drmctl stats /dev/dri/card9 | grep -E "gem objects|framebuffers" > "$OUT/$1"
		grep -q "gem objects: *0 " "$OUT/$1" && return
		sleep 0.2
	done
}

echo 0000:00:04.0 > /sys/bus/pci/devices/0000:00:04.0/driver/unbind
start_ours card9 || exit 1
set -- $(ids)
CONN=$1 CRTC=$2
say "ours: connector $CONN crtc $CRTC"

# 1. Page flips.
wait_host flip-ours-start || exit 1
LD_PRELOAD=$SHIM stdbuf -oL modetest -M virtio_gpu -s "$CONN@$CRTC:1024x768" -v \
	<&3 > "$OUT/vorc-flip-ours.log" 2>&1 &
MT=$!
wait_lines "$OUT/vorc-flip-ours.log" "^freq:" 2 || exit 1
kill -STOP $MT
sleep 1
build/drmctl stats /dev/dri/card9 > "$OUT/vorc-flip-stats.log" 2>&1
LD_PRELOAD=$SHIM build/drmctl screenshot /dev/dri/card9 -o "$OUT/vorc-flip-ours-drmctl.png" \
	> "$OUT/vorc-flip-drmctl.log" 2>&1
say "flipping, stopped"
wait_host flip-ours || exit 1
kill -CONT $MT
# It keeps flipping after the stop.
wait_lines "$OUT/vorc-flip-ours.log" "^freq:" 3 || exit 1
kill $MT; wait $MT 2>/dev/null
stats_settled vorc-stats-after-flip.log

# 2. Cursor on ours.
cursor_run ours env LD_PRELOAD=$SHIM
stats_settled vorc-stats-after-cursor.log
kill $DAEMON; wait $DAEMON
echo "daemon exit $?"

# 3. Cursor on the kernel's virtio_gpu.
echo 0000:00:04.0 > /sys/bus/pci/drivers_probe
sleep 1
KCARD=$(kernel_card)
set -- $(ids)
CONN=$1 CRTC=$2
say "kernel: $KCARD connector $CONN crtc $CRTC"
cursor_run kernel env
say "guest done"
