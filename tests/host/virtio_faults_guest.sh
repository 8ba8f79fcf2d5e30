#!/bin/sh
# virtio_faults_guest.sh - the guest half of tests/host/test_virtio_faults.py.
# Runs in the test VM (tests/vm/run --monitor ...): our daemon drives the VFIO
# virtio-gpu ($VM_VFIO_GPU); no kernel DRM driver is loaded, so modetest -M
# virtio_gpu finds only ours.  Each phase writes its evidence to
# $VM_OUT/faults-<phase>-*.log and goes on after a failure, so the host's
# tests can say which part broke.  Where the host must look at the device
# (QEMU screendump), the guest writes $VM_OUT/ready-<name> and waits for the
# host's $VM_OUT/dumped-<name>.
#
#   virtio_faults_guest.sh [PHASE...]   phases: dma restart valgrind gdb (default: all)
set -u
cd "$(dirname "$0")/../.."
OUT=$VM_OUT
SHIM=$PWD/build/libcuse-drm-shim.so
NODE=/dev/dri/card9
PHASES=${*:-dma restart valgrind gdb}
rm -f "$OUT"/ready-* "$OUT"/dumped-* "$OUT"/faults-*

log() { echo "guest: $(date +%T) $*"; }

# reap PID NAME: wait for a killed process; while it lingers, log where the kernel holds it.
reap() {
	for i in $(seq 600); do
		[ -e /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null || break
		if [ $((i % 50)) = 0 ]; then
			log "$2 ($1) still there: $(grep State /proc/$1/status) wchan $(cat /proc/$1/wchan 2>/dev/null)"
			cat /proc/$1/stack 2>/dev/null | head -20
			for t in /proc/$1/task/*; do echo "  task $t: $(cat $t/wchan 2>/dev/null)"; done
		fi
		sleep 0.1
	done
	wait $1 2>/dev/null
}

wait_host() {
	echo "$2" > "$OUT/ready-$1"
	for i in $(seq 600); do [ -e "$OUT/dumped-$1" ] && return 0; sleep 0.1; done
	log "host never answered ready-$1"; return 1
}

# start_daemon LOG [WRAPPER...]: cuse-drm on the VFIO GPU as $NODE, in the background ($DAEMON).
start_daemon() {
	dlog=$1; shift
	"$@" build/cuse-drm --device "$VM_VFIO_GPU" --node card9 > "$dlog" 2>&1 &
	DAEMON=$!
	# "serving" is logged once the node, the fake sysfs and the side channel are up.
	for i in $(seq 3000); do
		grep -q "serving $NODE " "$dlog" 2>/dev/null && return 0
		kill -0 $DAEMON 2>/dev/null || { log "daemon died: $(cat "$dlog")"; return 1; }
		sleep 0.1
	done
	log "daemon never served $NODE"; return 1
}

# stat FIELD: a number from `drmctl stats` ("dma mappings", "gem objects", "crtc flips", ...).
# Every client of the daemon here runs under timeout(1): a daemon that stops answering makes
# the phase fail with its evidence logged, never a guest that waits until the VM's own timeout.
stat() {
	timeout 60 build/drmctl stats $NODE | awk -v f="$1:" 'index($0, f) == 1 { sub(f, ""); print $1; exit }'
}

# wait_stat FIELD OP VALUE SECONDS: poll `drmctl stats` until the field passes test(1)'s -OP
# VALUE (ge, eq), for at most SECONDS of wall time (each poll is a drmctl run through the daemon,
# which under valgrind and TCG takes a good part of a second, so the valgrind phase polls every
# $POLL = 2 s instead of 0.2 s).  wait_stat_ge / wait_stat_eq FIELD VALUE SECONDS.
POLL=0.2
wait_stat() {
	end=$(($(date +%s) + $4))
	while [ "$(date +%s)" -lt $end ]; do
		v=$(stat "$1"); [ -n "$v" ] && [ "$v" -"$2" "$3" ] && return 0; sleep $POLL
	done
	log "wait_stat_$2 $1 $3: gave up after $4 s at '$(stat "$1")'"
	return 1
}
wait_stat_ge() { wait_stat "$1" ge "$2" "$3"; }
wait_stat_eq() { wait_stat "$1" eq "$2" "$3"; }

# ids: "CONNECTOR CRTC" of the first connected connector and the first CRTC.
ids() {
	conn=$(LD_PRELOAD=$SHIM timeout 300 modetest -M virtio_gpu -c 2>/dev/null | awk '$3 == "connected" { print $1; exit }')
	crtc=$(LD_PRELOAD=$SHIM timeout 300 modetest -M virtio_gpu -p 2>/dev/null | awk '/^CRTCs:/ { getline; getline; print $1; exit }')
	echo "$conn $crtc"
}

# modetest_bg LOG ARGS...: modetest in the background ($MT), its stdin a FIFO held open by a
# sleep ($SLP) that nothing else inherits, so the VM's output closes when the guest is done.
# modetest_end: EOF on its stdin (modetest cleans up and exits); modetest_kill: SIGKILL.
modetest_bg() {
	mlog=$1; shift
	rm -f /tmp/mt.fifo; mkfifo /tmp/mt.fifo
	sleep 3600 > /tmp/mt.fifo 2>/dev/null < /dev/null &
	SLP=$!
	LD_PRELOAD=$SHIM stdbuf -oL modetest -M virtio_gpu "$@" < /tmp/mt.fifo > "$mlog" 2>&1 &
	MT=$!
}
modetest_end() { kill $SLP; wait $SLP 2>/dev/null; reap $MT modetest; }
modetest_kill() { kill -KILL $MT; reap $MT modetest; kill $SLP; wait $SLP 2>/dev/null; }

# threads PID: where each thread of the daemon is: valgrind's scheduler view (vgdb) for a daemon
# under valgrind, else gdb's backtraces; both bounded, so a wedged daemon cannot wedge the guest.
threads() {
	if grep -q valgrind /proc/$1/cmdline 2>/dev/null || grep -q '^Name:.*memcheck' /proc/$1/status 2>/dev/null; then
		timeout 60 vgdb --pid=$1 v.info scheduler 2>&1
	else
		timeout 60 gdb -batch -p $1 -ex "thread apply all bt" 2>&1
	fi
	for t in /proc/$1/task/*; do echo "  task ${t##*/}: $(cat $t/wchan 2>/dev/null) $(grep State $t/status)"; done
}

# stop_daemon: SIGTERM; a daemon still alive after 30 s gets its threads' backtraces logged
# (gdb -p) and SIGKILL, so a hang shows up as a failed "daemon exit" instead of a stuck VM.
stop_daemon() {
	kill $DAEMON
	for i in $(seq ${STOP_WAIT:-300}); do kill -0 $DAEMON 2>/dev/null || break; sleep 0.1; done
	if kill -0 $DAEMON 2>/dev/null; then
		echo "daemon hangs after SIGTERM:"
		threads $DAEMON
		kill -KILL $DAEMON
	fi
	wait $DAEMON
	echo "daemon exit $?"
}

# ---------------------------------------------------------------------------------------------
# dma: the daemon's DMA mapping count follows a client's dumb buffers, and returns to its
# baseline when they are destroyed, when modetest exits, and when a client holding buffers and a
# mode is SIGKILLed.
phase_dma() {
	R=$OUT/faults-dma-result.log
	start_daemon "$OUT/faults-dma-daemon.log" || return 1
	echo "baseline $(stat 'dma mappings') $(build/drmctl stats $NODE | grep 'dma mappings')" >> "$R"
	# Three dumb buffers through the plain uAPI (no mmap, no shim): counts after each step.
	timeout 300 /usr/bin/python3 - "$NODE" >> "$R" 2>&1 <<'EOF'
import fcntl, os, struct, subprocess, sys
node = sys.argv[1]
def iowr(nr, size): return (3 << 30) | (size << 16) | (ord("d") << 8) | nr
CREATE_DUMB, DESTROY_DUMB = iowr(0xB2, 32), iowr(0xB4, 4)
def dma():
    out = subprocess.run(["build/drmctl", "stats", node], capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("dma mappings:")][0]
    n, rest = line.split(":", 1)[1].split(None, 1)
    return int(n), int(rest.split(",")[1].split()[0])
fd = os.open(node, os.O_RDWR)
handles, sizes = [], []
for w, h in ((640, 480), (1024, 768), (64, 64)):
    b = bytearray(struct.pack("=IIIIIIQ", h, w, 32, 0, 0, 0, 0))
    fcntl.ioctl(fd, CREATE_DUMB, b, True)
    handles.append(struct.unpack("=IIIIIIQ", b)[4]); sizes.append(struct.unpack("=IIIIIIQ", b)[6])
    print("created %dx%d size %d -> dma %d %d" % ((w, h, sizes[-1]) + dma()), flush=True)
for hd in handles:
    fcntl.ioctl(fd, DESTROY_DUMB, bytearray(struct.pack("=I", hd)), True)
    print("destroyed -> dma %d %d" % dma(), flush=True)
os.close(fd)
EOF
	set -- $(ids)
	echo "ids $1 $2" >> "$R"
	# modetest -s: a framebuffer and a mode; it removes them itself at stdin's EOF.
	modetest_bg "$OUT/faults-dma-modetest1.log" -s "$1@$2:1024x768"
	wait_stat_ge "framebuffers" 1 60
	echo "modetest holding $(stat 'dma mappings') fbs $(stat framebuffers)" >> "$R"
	modetest_end
	wait_stat_eq "gem objects" 0 30
	echo "modetest exited $(stat 'dma mappings') gem $(stat 'gem objects')" >> "$R"
	# The same, SIGKILLed while it holds them.
	modetest_bg "$OUT/faults-dma-modetest2.log" -s "$1@$2:1024x768"
	wait_stat_ge "framebuffers" 1 60
	echo "modetest2 holding $(stat 'dma mappings') fbs $(stat framebuffers)" >> "$R"
	modetest_kill
	wait_stat_eq "gem objects" 0 30
	echo "modetest2 killed $(stat 'dma mappings') gem $(stat 'gem objects')" >> "$R"
	stop_daemon >> "$R"
}

# ---------------------------------------------------------------------------------------------
# restart: SIGKILL the daemon while modetest -v flips; a new daemon on the same device (function
# reset at open, virtio reset) serves modetest -s again; the host screendumps it.
phase_restart() {
	R=$OUT/faults-restart-result.log
	start_daemon "$OUT/faults-restart-daemon1.log" || return 1
	set -- $(ids)
	modetest_bg "$OUT/faults-restart-modetest1.log" -v -s "$1@$2:1024x768"
	if wait_stat_ge "crtc flips" 20 120; then echo "flipping $(stat 'crtc flips')" >> "$R"; fi
	log "SIGKILL daemon1"
	kill -KILL $DAEMON; reap $DAEMON daemon1
	echo "daemon1 killed: $?" >> "$R"
	log "daemon1 gone"
	modetest_kill
	start_daemon "$OUT/faults-restart-daemon2.log" || return 1
	echo "daemon2 serving" >> "$R"
	set -- $(ids)
	modetest_bg "$OUT/faults-restart-modetest2.log" -s "$1@$2:1024x768"
	wait_stat_ge "framebuffers" 1 60
	sleep 1
	LD_PRELOAD=$SHIM build/drmctl screenshot $NODE -o "$OUT/faults-restart-drmctl.png" > "$OUT/faults-restart-drmctl.log" 2>&1
	wait_host restart "$1 $2"
	modetest_kill
	stop_daemon >> "$R"
}

# ---------------------------------------------------------------------------------------------
# valgrind: the daemon under memcheck through a modeset, 100 page flips and cursor moves
# (modetest -s -C -v), then SIGTERM; valgrind's exit status and ERROR SUMMARY say the rest.
VALGRIND_ERROR=99
phase_valgrind() {
	R=$OUT/faults-valgrind-result.log
	POLL=2
	supp=
	[ -e tests/host/valgrind.supp ] && supp=--suppressions=tests/host/valgrind.supp
	start_daemon "$OUT/faults-valgrind-daemon.log" valgrind --error-exitcode=$VALGRIND_ERROR \
		--leak-check=full --show-leak-kinds=definite,indirect,possible \
		--log-file="$OUT/faults-valgrind.log" $supp || return 1
	log "valgrind: daemon serving"
	set -- $(ids)
	echo "ids $1 $2" >> "$R"
	log "valgrind: ids $*"
	modetest_bg "$OUT/faults-valgrind-modetest.log" -s "$1@$2:1024x768" -C -v
	if wait_stat_ge "crtc flips" 100 400; then
		echo "flips $(stat 'crtc flips')" >> "$R"
	else
		# Say why in the VM log, where CI shows it: the client's and the daemon's view.
		log "valgrind: no 100 flips; modetest: $(tail -5 "$OUT/faults-valgrind-modetest.log")"
		log "valgrind: daemon log: $(tail -20 "$OUT/faults-valgrind-daemon.log")"
		threads $DAEMON
	fi
	log "valgrind: flips done"
	modetest_end
	# modetest's cursor thread stops without hiding the cursor (libdrm tests/modetest/cursor.c
	# cursor_stop()), so when it stops on an "enable" step the cursor plane keeps its buffer
	# after modetest exits, as on the kernel's driver without fbdev: one GEM object may stay.
	# memcheck's leak check at exit covers the rest.
	wait_stat_eq "gem objects" 0 20
	echo "after modetest: gem $(stat 'gem objects') dma $(stat 'dma mappings')" >> "$R"
	STOP_WAIT=1200 stop_daemon >> "$R"
}

# ---------------------------------------------------------------------------------------------
# gdb: a scripted gdb -batch session runs the daemon with a breakpoint in the driver's
# SET_SCANOUT path (virtgpu_set_scanout) that prints the resource id; while modetest -s holds
# its mode, VIRTGPU_RESOURCE_INFO of the CRTC's framebuffer names the resource the driver made.
phase_gdb() {
	R=$OUT/faults-gdb-result.log
	start_daemon "$OUT/faults-gdb-daemon.log" gdb -batch -x tests/host/inject_bad_resource.gdb \
		-x tests/host/set_scanout.gdb --args || return 1
	GDB=$DAEMON
	DAEMON=$(pgrep -P $GDB -x cuse-drm)
	echo "gdb $GDB daemon $DAEMON" >> "$R"
	# The injected fault: QEMU answers the first RESOURCE_CREATE_2D with an error; the client
	# gets EINVAL, the next one works, nothing is left behind.
	timeout 300 /usr/bin/python3 - "$NODE" >> "$R" 2>&1 <<'EOF'
import errno, fcntl, os, struct, sys
def iowr(nr, size): return (3 << 30) | (size << 16) | (ord("d") << 8) | nr
CREATE_DUMB, DESTROY_DUMB = iowr(0xB2, 32), iowr(0xB4, 4)
fd = os.open(sys.argv[1], os.O_RDWR)
for attempt in (1, 2):
    b = bytearray(struct.pack("=IIIIIIQ", 64, 64, 32, 0, 0, 0, 0))
    try:
        fcntl.ioctl(fd, CREATE_DUMB, b, True)
    except OSError as e:
        print("create_dumb %d: %s" % (attempt, errno.errorcode[e.errno]), flush=True)
        continue
    print("create_dumb %d: ok" % attempt, flush=True)
    fcntl.ioctl(fd, DESTROY_DUMB, bytearray(struct.pack("=I", struct.unpack("=IIIIIIQ", b)[4])), True)
os.close(fd)
EOF
	echo "after injection: gem $(stat 'gem objects') dma $(stat 'dma mappings')" >> "$R"
	set -- $(ids)
	modetest_bg "$OUT/faults-gdb-modetest.log" -s "$1@$2:1024x768"
	wait_stat_ge "framebuffers" 1 180
	sleep 1
	timeout 300 /usr/bin/python3 - "$NODE" "$2" >> "$R" 2>&1 <<'EOF'
import fcntl, os, struct, sys
node, crtc = sys.argv[1], int(sys.argv[2])
def iowr(nr, size): return (3 << 30) | (size << 16) | (ord("d") << 8) | nr
GETCRTC, GETFB = iowr(0xA1, 104), iowr(0xAD, 28)
RESOURCE_INFO = iowr(0x40 + 0x05, 16)   # virtgpu_drm.h: DRM_VIRTGPU_RESOURCE_INFO
fd = os.open(node, os.O_RDWR)
c = bytearray(struct.pack("=QIIIIII", 0, 0, crtc, 0, 0, 0, 0) + bytes(72))
fcntl.ioctl(fd, GETCRTC, c, True)
fb_id = struct.unpack_from("=QIIII", c)[3]
f = bytearray(struct.pack("=7I", fb_id, 0, 0, 0, 0, 0, 0))
fcntl.ioctl(fd, GETFB, f, True)
handle = struct.unpack("=7I", f)[6]
ri = bytearray(struct.pack("=4I", handle, 0, 0, 0))
fcntl.ioctl(fd, RESOURCE_INFO, ri, True)
print("crtc %d fb %d handle %d resource_info res_handle %d" % (crtc, fb_id, handle, struct.unpack("=4I", ri)[1]))
EOF
	modetest_end
	kill $DAEMON
	for i in $(seq 300); do kill -0 $GDB 2>/dev/null || break; sleep 0.1; done
	kill -KILL $GDB 2>/dev/null
	wait $GDB
	echo "gdb exit $?" >> "$R"
}

for p in $PHASES; do
	log "phase $p"
	POLL=0.2; "phase_$p"
	echo "phase $p status $?" >> "$OUT/faults-phases.log"
done
echo "guest done"
