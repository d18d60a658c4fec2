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

A worker also looks one chunk ahead: when the next chunk is already in its
pipe, it takes it and hands it to ``prefetch`` on a thread of its own while it
prepares the current one.  Indexing uses this to have the kernel read the next
files (``workers.read_ahead``): on a cold page cache each worker otherwise
waited for every file's read in turn (about a third of a 4x run's time).
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import traceback
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.reduction import ForkingPickler
from collections.abc import Callable, Iterator, Sequence

# Linux's F_SETPIPE_SZ (fcntl lacks the name before Python 3.10 on some builds); the size is
# bounded by /proc/sys/fs/pipe-max-size (1 MB by default), and a smaller pipe is only slower.
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_BYTES = 1 << 20
_F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)
# multiprocessing frames a message with a 4-byte length (12 bytes past 2 GB): counted generously.
_FRAME_BYTES = 16


def _pipe_size(connection) -> int:
    """How many bytes ``connection``'s pipe holds before a write blocks (64 KB when it cannot be asked)."""
    try:
        return fcntl.fcntl(connection.fileno(), _F_GETPIPE_SZ)
    except OSError:
        return 1 << 16


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
    prefetch: Callable[[list], None] | None = None,
) -> Iterator:
    """``map(func, jobs)`` in ``procs`` forked worker processes, results in the jobs' order.

    An exception inside ``func`` is raised here (as in ``Pool.imap``); closing the iterator
    early stops the workers.  ``prefetch(chunk)``, when given, runs in a worker's own thread for
    the chunk after the one it is working on (its failures are ignored: it is only advice).
    """
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    context = multiprocessing.get_context("fork")
    workers = []
    unanswered: list[deque] = []
    try:
        for _ in range(procs):
            tasks_to_read, tasks_to_send = context.Pipe(duplex=False)
            results_to_read, results_to_send = context.Pipe(duplex=False)
            for end in (tasks_to_send, results_to_send):
                with contextlib.suppress(OSError):
                    fcntl.fcntl(end.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
            # The writer's ends of this worker's pipes and of the earlier workers', which the fork
            # inherits: closed in the worker, so that the writer closing them is seen there (an end
            # of input, a broken pipe).
            others = [tasks_to_send, results_to_read, *(end for _, tasks, results in workers for end in (tasks, results))]
            process = context.Process(
                target=_work, args=(func, tasks_to_read, results_to_send, initializer, initargs, others, prefetch),
                daemon=True,
            )
            process.start()
            tasks_to_read.close()
            results_to_send.close()
            workers.append((process, tasks_to_send, results_to_read))
        capacity = [_pipe_size(tasks) for _, tasks, _ in workers]
        # Per worker, the sizes of the chunks sent and not answered yet: all may still sit in its task
        # pipe.  A chunk is sent only while they fit, so the writer never blocks on a task pipe while
        # that worker blocks on its full result pipe, which the writer reads only in turn (a deadlock).
        unanswered = [deque() for _ in workers]
        sent, waiting = 0, deque()
        held: bytes | None = None  # the next chunk, pickled, while it does not fit

        def send_what_fits() -> None:
            nonlocal sent, held
            while sent < len(chunks) and len(waiting) < window * procs:
                worker = sent % procs
                data, held = held or ForkingPickler.dumps(chunks[sent]), None
                size = len(data) + _FRAME_BYTES
                if unanswered[worker] and sum(unanswered[worker]) + size > capacity[worker]:
                    held = data
                    return  # sent after that worker's next answer
                workers[worker][1].send_bytes(data)  # an idle worker reads whatever the size
                unanswered[worker].append(size)
                waiting.append(worker)
                sent += 1

        send_what_fits()
        while waiting:
            worker = waiting.popleft()
            process, _, results = workers[worker]
            try:
                ok, answer = results.recv()
            except EOFError:
                raise WorkerDied(f"an indexing worker (pid {process.pid}) ended without answering") from None
            if not ok:
                raise RuntimeError(f"an indexing worker failed:\n{answer}")
            unanswered[worker].popleft()
            send_what_fits()
            yield from answer
    finally:
        # An idle worker is told to stop; closing both ends ends any other: one waiting for a task
        # reads the end of its pipe, one blocked handing over a result gets a broken pipe.
        for number, (process, tasks, results) in enumerate(workers):
            if number >= len(unanswered) or not unanswered[number]:
                with contextlib.suppress(OSError):
                    tasks.send(None)
            results.close()
            tasks.close()
        for process, _, _ in workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _work(func, tasks, results, initializer, initargs, others=(), prefetch=None) -> None:
    for end in others:
        end.close()
    if initializer is not None:
        initializer(*initargs)
    ahead: deque = deque()  # chunks received and not prepared yet, the stop sign (None) included
    helper = ThreadPoolExecutor(1) if prefetch is not None else None

    def receive() -> None:
        jobs = tasks.recv()
        if jobs is not None and helper is not None:
            helper.submit(_advise, prefetch, jobs)
        ahead.append(jobs)

    while True:
        try:
            if not ahead:
                receive()
            if helper is not None and ahead[-1] is not None and tasks.poll():
                receive()  # the next chunk is there: its prefetch overlaps this chunk's work
        except EOFError:  # the writer is gone
            return
        jobs = ahead.popleft()
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


def _advise(prefetch: Callable[[list], None], jobs: list) -> None:
    with contextlib.suppress(Exception):
        prefetch(jobs)
