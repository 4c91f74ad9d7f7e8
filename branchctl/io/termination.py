"""SIGTERM and SIGHUP handled like Ctrl+C, so that a run ended by the system or by a closed
terminal removes its temporary files (see :func:`branchctl.io.outputs.atomic_output`) and says
so, as an interrupted run does. Kept apart from ``outputs`` so that start-up stays light.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


def handle_termination() -> None:
    """Make SIGTERM and SIGHUP end the run as Ctrl+C does (KeyboardInterrupt): the output being
    written is abandoned and its temporary file removed. Call once at start-up, from the main
    thread; a signal the parent process ignores (nohup) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)
