"""Ctrl-C and SIGTERM held off for a moment: noted during a step that must not be cut
short, and acted on as soon as it is done."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Sequence


@contextlib.contextmanager
def interrupts_deferred(signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[list[int]]:
    """Within the block, the ``signals`` that come are noted in the list yielded instead of
    acted on; after it, each noted one is delivered again, to the handler that was there
    before.

    Only a signal the process would act on counts: where one is ignored (SIG_IGN, as
    SIGINT in a script's background job) or handled outside Python, the block changes
    nothing for it. Only the main thread sets handlers; elsewhere the block changes
    nothing at all."""
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return
    previous = {}
    for number in signals:
        if signal.getsignal(number) not in (signal.SIG_IGN, None):
            previous[number] = signal.signal(number, lambda signum, frame: noted.append(signum))
    try:
        yield noted
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(noted):
            signal.raise_signal(number)
