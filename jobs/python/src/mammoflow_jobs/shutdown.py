"""SIGTERM: what a stage does when its pod is deleted or pre-empted.

A pod's process is PID 1 of its container, and PID 1 ignores SIGTERM unless it handles it, so
without a handler a deleted pod would go on until the kubelet's SIGKILL. Most stages end at once
(their outputs are written by atomic rename, so nothing half-written is left). A training stage
*cooperates*: it checks `stop_requested()` after every optimiser step, saves its resume state
there and exits, so a pre-empted fold resumes at most one step back instead of up to
`checkpointEverySteps`. The pod's grace period (MAMMOFLOW_TERMINATION_GRACE_SECONDS, from the
stage catalogue) bounds the wait: if no step ends in time (a long validation), the process exits
a few seconds before the kubelet would kill it.
"""

import os
import signal
import threading

EXIT_CODE = 128 + signal.SIGTERM
# Seconds kept in hand before the kubelet's SIGKILL, for the state to reach the disk.
_MARGIN_SECONDS = 5.0

_stop = threading.Event()
_cooperating = False


def _on_sigterm(signum, _frame) -> None:
    grace = float(os.environ.get("MAMMOFLOW_TERMINATION_GRACE_SECONDS") or 0)
    if not _cooperating or grace <= _MARGIN_SECONDS:
        os._exit(EXIT_CODE)
    _stop.set()
    deadline = threading.Timer(grace - _MARGIN_SECONDS, os._exit, args=(EXIT_CODE,))
    deadline.daemon = True
    deadline.start()


def install() -> None:
    """Handles SIGTERM (in the stage program's main thread, before the stage starts)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def cooperate() -> None:
    """The calling stage checks stop_requested() at safe points from now on."""
    global _cooperating
    _cooperating = True


def stop_requested() -> bool:
    return _stop.is_set()


def exit_stopped() -> None:
    """Ends the process after the stage saved what a resume needs."""
    os._exit(EXIT_CODE)
