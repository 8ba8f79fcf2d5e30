#!/bin/bash
# make demo: cuse-drm serves a vkms display, stock modetest sets 1024x768 and draws
# its SMPTE pattern, drmctl captures the scanout to build/demo/scanout.png.
# make demo DEMO=kmscube: Mesa's kmscube (software rendering, kms_swrast) draws its
# spinning cube on the same display instead; the capture shows a frame of it.
# Runs here when /dev/cuse is usable, otherwise inside the test VM (tests/vm/run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
OUT=$B/demo/scanout.png

DEMO=${DEMO:-modetest}
case "$DEMO" in
modetest | kmscube) ;;
*) echo "demo: DEMO=$DEMO: want modetest or kmscube" >&2; exit 2 ;;
esac

run_kmscube() {
	local node=$1 png=$2 pid klog
	klog=$(mktemp)
	echo "demo: kmscube -D $node (under the shim; Mesa renders with llvmpipe)"
	# kmscube quits when its stdin ends (FACTS.md): keep it open.
	sleep 30 | LD_PRELOAD=$B/libcuse-drm-shim.so kmscube -D "$node" -c 120 >"$klog" 2>&1 &
	pid=$!
	# Capture once the CRTC shows its frames (Mesa takes a few seconds to start here).
	for _ in $(seq 200); do
		"$B/drmctl" screenshot "$node" -o "$png" >/dev/null 2>&1 && break
		sleep 0.1
	done
	# Its first frames are only the grey clear colour; the cube follows within seconds.
	sleep 3
	"$B/drmctl" screenshot "$node" -o "$png"
	wait "$pid" 2>/dev/null || true
	pkill -x kmscube 2>/dev/null || true
	grep "Rendered" "$klog" | tail -1 || true
}

run_here() {
	local png=$1 n node log mt_pid conn crtc
	for n in $(seq 0 15); do [ -e /dev/dri/card$n ] || break; done
	node=/dev/dri/card$n
	log=$(mktemp)
	echo "demo: starting cuse-drm --driver vkms on $node"
	"$B/cuse-drm" --driver vkms --node card$n >"$log" 2>&1 &
	DAEMON_PID=$!
	trap 'kill $DAEMON_PID 2>/dev/null; wait $DAEMON_PID 2>/dev/null || true' EXIT
	# "serving" is logged once the node, the fake sysfs and the side channel are up.
	for _ in $(seq 400); do grep -q "serving $node " "$log" && break; sleep 0.05; done
	[ -e "$node" ] || { cat "$log"; echo "demo: $node did not appear" >&2; exit 1; }
	if [ "$DEMO" = kmscube ]; then
		run_kmscube "$node" "$png"
		return
	fi
	modetest -M vkms -c | sed -n '/^Connectors:/,/^  modes:/p' | head -3
	conn=$(modetest -M vkms -c | awk '/^Connectors:/{getline; getline; print $1; exit}')
	crtc=$(modetest -M vkms -p | awk '/^CRTCs:/{getline; getline; print $1; exit}')
	echo "demo: modetest -M vkms -s $conn@$crtc:1024x768 (under the shim)"
	# modetest holds the mode until its stdin gives input: keep stdin open with sleep.
	sleep 10 | LD_PRELOAD=$B/libcuse-drm-shim.so stdbuf -oL modetest -M vkms -s "$conn@$crtc:1024x768" &
	mt_pid=$!
	sleep 2
	"$B/drmctl" screenshot "$node" -o "$png"
	kill "$mt_pid" 2>/dev/null || true
	pkill -x modetest 2>/dev/null || true
	wait "$mt_pid" 2>/dev/null || true
}

if [ "${1:-}" = "--here" ]; then
	run_here "$2"
	exit 0
fi

mkdir -p "$B/demo"
if [ -c /dev/cuse ] && [ "$(id -u)" = 0 ] && [ -w /dev/cuse ]; then
	run_here "$OUT"
else
	echo "demo: no usable /dev/cuse on this host; running inside the test VM"
	VM_ENV="DEMO" DEMO=$DEMO "$ROOT/tests/vm/run" -- "$ROOT/tests/demo.sh" --here "$B/vm/out/scanout.png"
	cp "$B/vm/out/scanout.png" "$OUT"
fi
echo "demo: wrote $OUT"
