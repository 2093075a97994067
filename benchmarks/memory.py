"""Peak memory of one piece of work: extra bytes it needed at its worst, over what was there before.

On a GPU, torch's allocator counts every byte it hands out, so its own statistics are exact.
On a CPU there is no such counter; the operating system's peak resident set size (RSS) is the
honest measure, and it is only meaningful in a process that has done nothing bigger before. The
work therefore runs in a fresh process (see `worker`), and we subtract the RSS it had just before
the work began, after its imports and its data.
"""

from __future__ import annotations

import gc
import resource
import sys

import torch


def _status_kib(field: str) -> int | None:
    """A field of /proc/self/status in KiB (Linux), or None where there is no such file."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _max_rss_bytes() -> int:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _reset_peak_rss() -> bool:
    """Set the process's peak RSS back to its current RSS (Linux 4.0+); False where not possible.

    Even in a fresh process the imports and the loading of the data can leave a peak above what
    the work itself reaches; resetting it makes the measured peak the work's own.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """`with PeakMemory(device) as peak: work()`, then `peak.bytes` and `peak.method`."""

    def __init__(self, device: torch.device):
        self.device = device
        self.bytes = None
        self.method = None

    def __enter__(self):
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._before = torch.cuda.memory_allocated(self.device)
            self.method = "torch.cuda.max_memory_allocated minus memory allocated before"
        else:
            rss_kib = _status_kib("VmRSS")
            self._before = rss_kib * 1024 if rss_kib is not None else _max_rss_bytes()
            self._reset = _reset_peak_rss()
            self.method = ("peak RSS (VmHWM, reset just before) minus RSS before" if self._reset
                           else "peak RSS of the process (ru_maxrss) minus RSS before")
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
        else:
            hwm_kib = _status_kib("VmHWM") if self._reset else None
            peak = hwm_kib * 1024 if hwm_kib is not None else _max_rss_bytes()
        self.bytes = max(0, peak - self._before)
        return False
