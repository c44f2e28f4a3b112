"""Memory figures the benchmarks share: the peak traced by tracemalloc while a function runs, and a
process's own peak resident size."""
from __future__ import annotations

import gc
import resource
import tracemalloc
from typing import Callable


def traced_peak_mib(function: Callable[[], object]) -> float:
    """Peak memory Python allocated while ``function`` ran, in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def max_rss_mib() -> float:
    """This process's own peak resident size, in MiB.

    VmHWM belongs to this process alone; ru_maxrss (kibibytes on Linux) keeps the parent's peak
    across fork and exec, so a child started by a large parent would report the parent's size. It
    is only the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
