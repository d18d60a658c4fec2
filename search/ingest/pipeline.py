"""Worker processes that prepare files in order, each with its own pipes, read by the writer's own thread.

``multiprocessing.Pool.imap`` hands results to the calling process through a
result-handling thread, and feeds tasks through another: with the writer's
own thread busy in Python (Whoosh's ``add_document``) the three contend for
the GIL, and on 2 cores the workers spent about half the run waiting to hand
over results (measured: 115 CPU seconds per 112 MB of news took 109 s of wall
time).  Here the writer reads each worker's results itself, in order: chunk
``i`` goes to worker ``i % procs`` and is read back from that worker's pipe;
each worker has at most ``window`` chunks in hand, so results never pile up
in the writer's memory, and the result pipes are enlarged so that a worker
is rarely blocked handing over a finished chunk.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence

# Linux's F_SETPIPE_SZ (fcntl lacks the name before Python 3.10 on some builds); the size is
# bounded by /proc/sys/fs/pipe-max-size (1 MB by default), and a smaller pipe is only slower.
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
RESULT_PIPE_BYTES = 1 << 20


class WorkerDied(RuntimeError):
    """A worker process ended without answering (killed, or out of memory)."""


def ordered_map(
    func: Callable,
    jobs: Sequence,
    procs: int,
    *,
    chunk: int,
    window: int,
    initializer: Callable | None = None,
    initargs: tuple = (),
) -> Iterator:
    """``map(func, jobs)`` in ``procs`` forked worker processes, results in the jobs' order.

    An exception inside ``func`` is raised here (as in ``Pool.imap``); closing the iterator
    early stops the workers.
    """
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    context = multiprocessing.get_context("fork")
    workers = []
    try:
        for _ in range(procs):
            tasks_to_read, tasks_to_send = context.Pipe(duplex=False)
            results_to_read, results_to_send = context.Pipe(duplex=False)
            with contextlib.suppress(OSError):
                fcntl.fcntl(results_to_send.fileno(), _F_SETPIPE_SZ, RESULT_PIPE_BYTES)
            process = context.Process(
                target=_work, args=(func, tasks_to_read, results_to_send, initializer, initargs), daemon=True
            )
            process.start()
            tasks_to_read.close()
            results_to_send.close()
            workers.append((process, tasks_to_send, results_to_read))
        sent, waiting = 0, deque()

        def send() -> None:
            nonlocal sent
            process, tasks, _ = workers[sent % procs]
            tasks.send(chunks[sent])
            waiting.append(sent % procs)
            sent += 1

        while sent < len(chunks) and sent < window * procs:
            send()
        while waiting:
            process, _, results = workers[waiting.popleft()]
            try:
                ok, answer = results.recv()
            except EOFError:
                raise WorkerDied(f"an indexing worker (pid {process.pid}) ended without answering") from None
            if not ok:
                raise RuntimeError(f"an indexing worker failed:\n{answer}")
            if sent < len(chunks):
                send()
            yield from answer
    finally:
        for process, tasks, results in workers:
            with contextlib.suppress(OSError):
                tasks.send(None)
            tasks.close()
            results.close()
        for process, _, _ in workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _work(func, tasks, results, initializer, initargs) -> None:
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            jobs = tasks.recv()
        except EOFError:  # the writer is gone
            return
        if jobs is None:
            return
        try:
            answer = (True, [func(job) for job in jobs])
        except Exception:  # noqa: BLE001 (any failure goes back to the writer, which raises it)
            answer = (False, traceback.format_exc())
        try:
            results.send(answer)
        except (BrokenPipeError, OSError):  # the writer stopped reading: it is closing
            return
