#!/bin/bash
# make demo: cuse-drm serves a vkms display, stock modetest sets 1024x768 and draws
# its SMPTE pattern, drmctl captures the scanout to build/demo/scanout.png.
# make demo DEMO=kmscube: Mesa's kmscube (software rendering, kms_swrast) draws its
# spinning cube on the same display instead; the capture shows a frame of it.
# make demo DEMO=virtio: cuse-drm drives the test VM's second virtio-gpu through VFIO
# (cuse-drm --device $VM_VFIO_GPU), modetest draws its pattern there, and QEMU's own
# screendump of that device is saved as build/demo/virtio-screendump.png.  Always in the VM.
# make demo DEMO=virgl: the same VFIO virtio-gpu as a virtio-gpu-gl (tests/vm/run --gl), stock
# kmscube renders through Mesa's virgl driver and our driver core (the host's llvmpipe draws it),
# and drmctl screenshot, which reads a VIRGL scanout back with TRANSFER_FROM_HOST, saves a frame
# as build/demo/virgl-kmscube.png (QEMU's screendump has no surface for GL scanouts).  In the VM.
# Runs here when /dev/cuse is usable, otherwise inside the test VM (tests/vm/run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
OUT=$B/demo/scanout.png

DEMO=${DEMO:-modetest}
case "$DEMO" in
modetest | kmscube | virtio | virgl) ;;
*) echo "demo: DEMO=$DEMO: want modetest, kmscube, virtio or virgl" >&2; exit 2 ;;
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

# In the VM: our daemon on the VFIO virtio-gpu, modetest's pattern on it, then the host's
# screendump (tests/host/vmguest.sh's wait_host handshake).
run_virtio_guest() {
	cd "$ROOT"
	. tests/host/vmguest.sh
	echo "demo: starting cuse-drm --device $VM_VFIO_GPU (virtio-gpu through VFIO) on /dev/dri/card0"
	start_ours card0
	trap 'kill $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true' EXIT
	set -- $(ids)
	echo "demo: modetest -M virtio_gpu -s $1@$2:1024x768 (under the shim)"
	LD_PRELOAD=$SHIM stdbuf -oL modetest -M virtio_gpu -s "$1@$2:1024x768" <&3 &
	mt_pid=$!
	sleep 3
	wait_host demo
	kill "$mt_pid" 2>/dev/null || true
	wait "$mt_pid" 2>/dev/null || true
}

# On the host: boot the VM with a monitor, take QEMU's screendump of gpu-vfio when the guest
# is ready, and convert it to PNG (tests/host/vmhost.py, PIL).
run_virtio() {
	local png=$B/demo/virtio-screendump.png sock=$B/vm/monitor-demo.sock vm_pid
	rm -f "$B/vm/out/ready-demo" "$B/vm/out/dumped-demo" "$png"
	"$ROOT/tests/vm/run" --monitor "$sock" -- "$ROOT/tests/demo.sh" --virtio-here &
	vm_pid=$!
	for _ in $(seq 1800); do
		[ -e "$B/vm/out/ready-demo" ] && break
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -e "$B/vm/out/ready-demo" ]; then
		wait "$vm_pid" || true
		echo "demo: the guest never got ready" >&2
		exit 1
	fi
	/usr/bin/python3 "$ROOT/tests/host/vmhost.py" screendump "$sock" gpu-vfio "$png"
	touch "$B/vm/out/dumped-demo"
	wait "$vm_pid"
	echo "demo: QEMU's screendump of the virtio-gpu our driver drives: $png"
}

# In the GL VM: our daemon on the VFIO virtio-gpu-gl, kmscube on its card node under the shim,
# a screenshot once it has drawn for two seconds (it opened the node first, so it is master).
run_virgl_guest() {
	local png=$1 log=$VM_OUT/demo-virgl-kmscube.log pid
	cd "$ROOT"
	. tests/host/vmguest.sh
	echo "demo: starting cuse-drm --device $VM_VFIO_GPU (virtio-gpu-gl through VFIO) on /dev/dri/card0"
	start_ours card0
	trap 'kill $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true' EXIT
	grep "virgl\|capset" "$OUT/daemon-card0.log" || true
	echo "demo: kmscube -D /dev/dri/card0 (under the shim; Mesa's virgl driver, the host's llvmpipe)"
	# stdbuf: without it kmscube's "Using modifier" stays in its stdout buffer (a file).
	LD_PRELOAD=$SHIM timeout 120 stdbuf -oL kmscube -D /dev/dri/card0 <&3 >"$log" 2>&1 &
	pid=$!
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt "$end" ] && ! grep -q "Using modifier" "$log"; do sleep 0.1; done
	grep "renderer:" "$log" || { cat "$log"; echo "demo: kmscube did not start" >&2; exit 1; }
	sleep 2
	"$B/drmctl" screenshot /dev/dri/card0 -o "$png"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

if [ "${1:-}" = "--virgl-here" ]; then
	run_virgl_guest "$2"
	exit 0
fi
if [ "${1:-}" = "--here" ]; then
	run_here "$2"
	exit 0
fi
if [ "${1:-}" = "--virtio-here" ]; then
	run_virtio_guest
	exit 0
fi

mkdir -p "$B/demo"
if [ "$DEMO" = virtio ]; then
	run_virtio
	exit 0
fi
if [ "$DEMO" = virgl ]; then
	rm -f "$B/vm/out/virgl-kmscube.png"
	"$ROOT/tests/vm/run" --gl -- "$ROOT/tests/demo.sh" --virgl-here "$B/vm/out/virgl-kmscube.png"
	cp "$B/vm/out/virgl-kmscube.png" "$B/demo/virgl-kmscube.png"
	echo "demo: kmscube rendered by VIRGL through our virtio_gpu driver core: $B/demo/virgl-kmscube.png"
	exit 0
fi
if [ -c /dev/cuse ] && [ "$(id -u)" = 0 ] && [ -w /dev/cuse ]; then
	run_here "$OUT"
else
	echo "demo: no usable /dev/cuse on this host; running inside the test VM"
	VM_ENV="DEMO" DEMO=$DEMO "$ROOT/tests/vm/run" -- "$ROOT/tests/demo.sh" --here "$B/vm/out/scanout.png"
	cp "$B/vm/out/scanout.png" "$OUT"
fi
echo "demo: wrote $OUT"
