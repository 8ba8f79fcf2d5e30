# vmguest.sh - sourced by the guest halves of the tests in tests/host (run in the test VM
# by tests/host/vmhost.py's run_guest).  Needs: cd to the project root first.
OUT=$VM_OUT
SHIM=$PWD/build/libcuse-drm-shim.so
T0=$(date +%s.%N)

# say MSG: MSG with the seconds since the script started.
say() { echo "$(echo "$(date +%s.%N) - $T0" | bc 2>/dev/null || date +%T) $*"; }

# A stdin that never ends for modetest and kmscube, which quit at EOF (FACTS.md): fd 3, a fifo
# this shell holds open for writing.  Run them with <&3; no extra process stays behind.
STDIN_FIFO=/tmp/vmguest-stdin.$$
rm -f "$STDIN_FIFO"; mkfifo "$STDIN_FIFO"; exec 3<>"$STDIN_FIFO"

# wait_host NAME [TEXT]: hand over to the host (it screendumps, reads QEMU's trace log...)
# and wait until it is done.
wait_host() {
	echo "${2:-}" > "$OUT/ready-$1"
	for i in $(seq 600); do [ -e "$OUT/dumped-$1" ] && return 0; sleep 0.1; done
	echo "host never answered ready-$1"; return 1
}

# ids: "CONNECTOR CRTC" of the first connected virtio_gpu connector and the first CRTC.
ids() {
	conn=$(LD_PRELOAD=$SHIM modetest -M virtio_gpu -c 2>/dev/null | awk '$3 == "connected" { print $1; exit }')
	crtc=$(LD_PRELOAD=$SHIM modetest -M virtio_gpu -p 2>/dev/null | awk '/^CRTCs:/ { getline; getline; print $1; exit }')
	echo "$conn $crtc"
}

# start_ours NODE: cuse-drm on the VFIO virtio-gpu, serving /dev/dri/NODE; sets DAEMON.
# modetest finds a driver by name in card0..15 order: unbind the kernel's virtio_gpu (00:04.0)
# first when it is loaded.
start_ours() {
	build/cuse-drm --device "$VM_VFIO_GPU" --node "$1" > "$OUT/daemon-$1.log" 2>&1 &
	DAEMON=$!
	for i in $(seq 200); do grep -q "serving /dev/dri/$1 " "$OUT/daemon-$1.log" && return 0; sleep 0.1; done
	echo "cuse-drm did not come up:"; cat "$OUT/daemon-$1.log"; return 1
}

# kernel_card: /dev/dri/cardN of the kernel's virtio_gpu on 00:04.0 (after a reprobe).
kernel_card() {
	for c in /sys/class/drm/card?; do
		case "$(readlink -f "$c/device")" in *0000:00:04.0) echo "/dev/dri/${c##*/}"; return ;; esac
	done
}

# wait_lines FILE PATTERN N: wait until FILE has N lines matching PATTERN (at most 120 s).
wait_lines() {
	for i in $(seq 1200); do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $3 x '$2' in $1:"; cat "$1"; return 1
}
