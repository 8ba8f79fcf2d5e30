# set_scanout.gdb - gdb -batch script of tests/host/virtio_faults_guest.sh's gdb phase: run the
# daemon (gdb -batch -x set_scanout.gdb --args build/cuse-drm ...) with a breakpoint in the
# virtio-gpu driver's SET_SCANOUT path that prints the scanout and the resource id, then goes on.
# SIGTERM passes to the daemon, which exits cleanly, and the session ends.
set pagination off
set confirm off
set startup-with-shell off
handle SIGTERM nostop noprint pass
handle SIGPIPE nostop noprint pass
break virtgpu_set_scanout
commands
silent
printf "gdb: SET_SCANOUT scanout %u resource_id %u\n", out->index, resource_id
continue
end
run
