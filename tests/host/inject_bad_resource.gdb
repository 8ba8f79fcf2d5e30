# inject_bad_resource.gdb - fault injection for tests/host/virtio_faults_guest.sh's gdb phase:
# the first RESOURCE_CREATE_2D (type 0x0101, virtio spec 5.7.6.7) the daemon sends gets
# resource_id 0 written into its command, which QEMU refuses with
# VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID ("resource id 0 is not allowed"), a real device
# error response.  Then the breakpoint (number 1: load this script first, before
# set_scanout.gdb, which runs the daemon) disables itself.
break virtgpu_cmd if ((const struct virtio_gpu_ctrl_hdr *)cmd)->type == 0x0101
commands
silent
set var ((struct virtio_gpu_resource_create_2d *)cmd)->resource_id = 0
printf "gdb: RESOURCE_CREATE_2D sent with resource_id 0\n"
disable 1
continue
end
