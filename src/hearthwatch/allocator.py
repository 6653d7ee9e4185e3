"""Keep large buffers in the C heap instead of mapping fresh pages for each one.

glibc's malloc serves every block above its mmap threshold (128 KiB to start with) with a
fresh memory mapping, and gives freed heap back to the system once the free space at the
top passes its trim threshold. A recorder allocates such blocks all the time: keyframes,
each 4 s segment (about 1 MB), its 256 KiB sealed chunks, the joined object. Each fresh
mapping then costs a page fault per 4 KiB page, zeroed by the kernel, and a virtual
machine makes faults dearer still: sealing one segment took 0.60 ms instead of 0.14 ms.

`keep_large_buffers()` raises both thresholds, once per process: blocks up to
`MMAP_THRESHOLD` come from the heap, and up to `TRIM_THRESHOLD` of free heap is kept for
reuse. Elsewhere than glibc (musl, macOS) it does nothing and says so.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger("hearthwatch")

M_TRIM_THRESHOLD = -1  # from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 16 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024


def keep_large_buffers() -> bool:
    """Set glibc's thresholds (see the module's docstring); False where that is not possible."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done: bool = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    done = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and done
    if not done:
        log.info("the C allocator's thresholds could not be set; large buffers stay mapped")
    return done
