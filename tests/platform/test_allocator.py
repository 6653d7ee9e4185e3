"""The recorder's process keeps large buffers in the heap (glibc's malloc thresholds): sealing
a segment then reuses memory instead of faulting in fresh pages for each one."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import os, resource, sys
from hearthwatch.allocator import keep_large_buffers
from hearthwatch.media.sealed import Binding, seal
if sys.argv[1] == "tuned":
    assert keep_large_buffers()
key, binding = os.urandom(32), Binding("account", "camera", "object")
segment = os.urandom(1_250_000)
for _ in range(3):
    seal(key, binding, segment)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):
    seal(key, binding, segment)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults_sealing_40_segments(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def test_sealing_segments_reuses_the_heap_once_the_thresholds_are_raised() -> None:
    untuned = page_faults_sealing_40_segments("untuned")
    tuned = page_faults_sealing_40_segments("tuned")
    # Untuned, the 256 KiB chunks are mapped (or the heap trimmed and regrown) for each
    # segment: hundreds of faults per segment. Tuned, the heap is simply reused.
    assert untuned > 40 * 100, untuned
    assert tuned < 200, (untuned, tuned)
