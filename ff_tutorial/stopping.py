"""Ctrl-C and SIGTERM stop a run the same clean way: what was learned is kept and saved.

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt, which the schedules already catch to return
the network trained so far. SIGTERM, what a scheduler or a closing terminal sends, would kill the
process with nothing saved; here it raises `Terminated`, a KeyboardInterrupt, so it takes the
same path. While the results are being saved, signals are only noted (`signals_deferred`): a
second Ctrl-C then cannot leave a half-written file (the command line defers them from the end of
training on, and lets them stop only the final measurement). The exit status is the shell's convention,
128 + the signal's number: 130 after Ctrl-C, 143 after SIGTERM.
"""

from __future__ import annotations

import contextlib
import signal
import threading

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt would be."""


@contextlib.contextmanager
def _handlers(handler):
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (and only it receives signals)
        return
    previous = {s: signal.signal(s, handler) for s in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextlib.contextmanager
def signals_stop_cleanly(received: list | None = None):
    """Within: Ctrl-C raises KeyboardInterrupt and SIGTERM raises Terminated. Yields the list of
    signals received, first first, for `exit_status`: `received` where given (so that a stretch
    within `signals_deferred` may be made interruptible again), else a new one."""
    received = [] if received is None else received

    def stop(signum, frame):
        received.append(signum)
        raise Terminated("SIGTERM") if signum == signal.SIGTERM else KeyboardInterrupt

    with _handlers(stop):
        yield received


@contextlib.contextmanager
def signals_deferred(received: list):
    """Within: Ctrl-C and SIGTERM are noted in `received` and nothing is interrupted."""
    with _handlers(lambda signum, frame: received.append(signum)):
        yield


def exit_status(received: list, interrupted: bool = False) -> int | None:
    """130 after Ctrl-C, 143 after SIGTERM (the first one received); None if there was none.

    `interrupted` covers a KeyboardInterrupt raised without a signal (as a test may raise it).
    """
    if received:
        return 128 + int(received[0])
    return 128 + int(signal.SIGINT) if interrupted else None


def signal_name(received: list) -> str | None:
    return signal.Signals(received[0]).name if received else None
