"""PDFs printed in a child process of their own.

WeasyPrint holds the GIL for seconds and grows the heap by a hundred MB or more while it lays
out a long invoice. In ``punchcard serve`` that would slow every ``/track`` ack sharing the
interpreter and keep the memory afterwards; in a child process it costs the serving process
nothing but a pickle each way. The child is started on first use (``spawn``: never a fork of a
threaded process), kept for the next PDFs, and replaced after ``RECYCLE`` of them or a crash.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.services.invoices.document import Document
from bot.views import invoice as invoice_view

logger = logging.getLogger(__name__)

RECYCLE = 50  # PDFs per child: WeasyPrint's caches only grow
TIMEOUT = 600.0  # seconds for one PDF before it is given up (and retried by its run)
PARENT_CHECK = 1.0  # seconds between the printer's looks at whether its parent still runs


class Printer:
    """``pdf(doc)``: the document's PDF bytes. ``in_process``: print here (the CLI, tests)."""

    def __init__(self, *, in_process: bool = False) -> None:
        self.in_process = in_process
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def pdf(self, doc: Document) -> bytes:
        if self.in_process:
            return invoice_view.pdf(doc)
        pool = self._ensure()
        try:
            return pool.submit(invoice_view.pdf, doc).result(timeout=TIMEOUT)
        except BrokenProcessPool:
            logger.warning("the PDF printer process died; starting another")
            self._drop(pool)
            raise
        except TimeoutError:
            logger.warning("a PDF took over %.0f s; its printer process is stopped", TIMEOUT)
            self._drop(pool, kill=True)
            raise

    def _ensure(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=context,
                    max_tasks_per_child=RECYCLE,
                    initializer=_watch_parent,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def _drop(self, pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:  # a stuck print: the pool cannot cancel what runs, so its process goes
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the printer process (serve's shutdown); a PDF being printed is finished first."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _watch_parent(parent: int) -> None:
    """In the printer process: exit when the process that started it is gone. A pool's worker
    keeps its own end of the task queue open, so it would otherwise wait for work forever
    once its parent was killed (SIGKILL, an OOM kill, a test runner timing out)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK)
        os._exit(0)

    threading.Thread(target=watch, name="punchcard-printer-parent", daemon=True).start()
