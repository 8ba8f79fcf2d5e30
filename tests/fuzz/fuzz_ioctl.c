/*
 * fuzz_ioctl.c - libFuzzer target for the DRM core's ioctl dispatch
 * (drm_ioctl_async()), with arbitrary ioctl numbers and argument bytes
 * against vkms, vgem and virtio-gpu (on a simulated device).  The input
 * format, the roles of the four files, the fake client memory, the device's
 * faults and the leak checks are described at the top of fuzz_exec.c.
 * Build and run: `make fuzz` (FUZZ_SECONDS=N).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run(data, size, NULL);
	return 0;
}
