#!/bin/sh
# virgl_guest.sh WHICH - the guest half of tests/host/test_virgl.py, run in the test VM.
#   kernel: (tests/vm/run --gl=kernel --kernel-drm) virgl-probe on the render node of the
#           kernel's virtio_gpu on the GL device 00:04.0.
#   ours:   (tests/vm/run --gl) cuse-drm on the GL device $VM_VFIO_GPU; virgl-probe on its
#           render node under the shim; stock kmscube on its card node under the shim; then
#           the daemon's counts once both have exited.
# Writes $VM_OUT/virgl-probe-WHICH.txt (and virgl-*-WHICH.log).
set -u
cd "$(dirname "$0")/../.."
OUT=$VM_OUT
SHIM=$PWD/build/libcuse-drm-shim.so
rm -f "$OUT"/virgl-*-"$1".*
# Frames gles-render draws for its frame rate (figures only, no test on them).
FRAMES=${VIRGL_FRAMES:-200}

# run_kmscube NODE WHICH: stock kmscube, KMS and all, for KMSCUBE_FRAMES frames.  It quits at
# stdin's EOF or input, so its stdin is a FIFO this shell holds open and never writes.
run_kmscube() {
	rm -f /tmp/kmscube.in; mkfifo /tmp/kmscube.in
	exec 3<>/tmp/kmscube.in
	timeout 240 kmscube -D "$1" -c "${KMSCUBE_FRAMES:-100}" <&3 > "$OUT/virgl-kmscube-$2.log" 2>&1
	echo "kmscube exit $?"
	exec 3<&-
}
# shoot_kmscube NODE WHICH: stock kmscube spins on NODE while `drmctl screenshot` (which reads a
# VIRGL scanout back with TRANSFER_FROM_HOST) saves two frames of it, half a second apart, as
# virgl-shot1-WHICH.png and virgl-shot2-WHICH.png.  drmctl opens NODE only after kmscube has (it
# logs "Using display" after its open), so kmscube is the master.  The kernel's card shows fbcon
# until kmscube's first SETCRTC, and kmscube's first frames are its clear colour only: the shots
# follow two seconds after it created its surface ("Using modifier"), about 100 frames here; it
# runs for at most 120 s, after which fbcon would show again.
shoot_kmscube() {
	rm -f /tmp/kmscube-shot.in; mkfifo /tmp/kmscube-shot.in
	exec 4<>/tmp/kmscube-shot.in
	# stdbuf: kmscube's stdout is a file, so without it "Using modifier" waits in its buffer.
	timeout 120 stdbuf -oL kmscube -D "$1" <&4 > "$OUT/virgl-kmscube-shot-$2.log" 2>&1 &
	pid=$!
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt $end ] && ! grep -q "Using modifier" "$OUT/virgl-kmscube-shot-$2.log"; do sleep 0.1; done
	sleep 2
	env -u LD_PRELOAD build/drmctl screenshot "$1" -o "$OUT/virgl-shot1-$2.png" > "$OUT/virgl-shot-$2.log" 2>&1
	echo "shot1 exit $?"
	sleep 0.5
	env -u LD_PRELOAD build/drmctl screenshot "$1" -o "$OUT/virgl-shot2-$2.png" >> "$OUT/virgl-shot-$2.log" 2>&1
	echo "shot2 exit $?"
	kill $pid; wait $pid
	exec 4<&-
}
case "$1" in
kernel)
	node=$(ls -d /sys/bus/pci/devices/0000:00:04.0/drm/renderD* 2>/dev/null | head -n1)
	[ -n "$node" ] || { echo "no render node for 00:04.0"; exit 1; }
	dmesg | grep -i "virtio_gpu\|\[drm\] features" > "$OUT/virgl-dmesg-kernel.log"
	build/virgl-probe "/dev/dri/${node##*/}" > "$OUT/virgl-probe-kernel.txt" 2> "$OUT/virgl-probe-kernel.log"
	echo "probe exit $?"
	build/gles-render "/dev/dri/${node##*/}" $FRAMES > "$OUT/virgl-gles-kernel.txt" 2> "$OUT/virgl-gles-kernel.log"
	echo "gles exit $?"
	card=$(ls -d /sys/bus/pci/devices/0000:00:04.0/drm/card* 2>/dev/null | head -n1)
	run_kmscube "/dev/dri/${card##*/}" kernel
	shoot_kmscube "/dev/dri/${card##*/}" kernel
	;;
ours)
	build/cuse-drm --device "$VM_VFIO_GPU" --node card9 > "$OUT/virgl-daemon-ours.log" 2>&1 &
	DAEMON=$!
	for i in $(seq 300); do grep -q "serving /dev/dri/card9 " "$OUT/virgl-daemon-ours.log" && break; sleep 0.1; done
	render=$(sed -n 's/.*serving \/dev\/dri\/\(renderD[0-9]*\) .*/\1/p' "$OUT/virgl-daemon-ours.log" | head -n1)
	[ -n "$render" ] || render=renderD137
	echo "ours: /dev/dri/$render"
	LD_PRELOAD=$SHIM build/virgl-probe "/dev/dri/$render" > "$OUT/virgl-probe-ours.txt" 2> "$OUT/virgl-probe-ours.log"
	echo "probe exit $?"
	LD_PRELOAD=$SHIM build/gles-render "/dev/dri/$render" $FRAMES > "$OUT/virgl-gles-ours.txt" 2> "$OUT/virgl-gles-ours.log"
	echo "gles exit $?"
	# Stock Mesa through the shim: kmscube prints the renderer Mesa's virgl driver reports.
	LD_PRELOAD=$SHIM run_kmscube /dev/dri/card9 ours
	LD_PRELOAD=$SHIM shoot_kmscube /dev/dri/card9 ours
	build/drmctl stats /dev/dri/card9 > "$OUT/virgl-stats-ours.log" 2>&1
	kill $DAEMON; wait $DAEMON
	echo "daemon exit $?"
	;;
esac
