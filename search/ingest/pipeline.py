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

While it waits, the writer watches every worker (``limits``): one whose job in
hand has run too long, or which holds too much memory, is killed and replaced;
its other chunks go to the replacement, and that job's result is what
``on_limit`` makes of it (a file skipped with a warning naming the limit).  A
hostile file costs at most the limits, never the run.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any, NoReturn, TypeVar

# Linux's F_SETPIPE_SZ (fcntl lacks the name before Python 3.10 on some builds); the size is
# bounded by /proc/sys/fs/pipe-max-size (1 MB by default), and a smaller pipe is only slower.
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_BYTES = 1 << 20
_F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)
# multiprocessing frames a message with a 4-byte length (12 bytes past 2 GB): counted generously.
_FRAME_BYTES = 16


def _pipe_size(connection: Connection) -> int:
    """How many bytes ``connection``'s pipe holds before a write blocks (64 KB when it cannot be asked)."""
    try:
        return fcntl.fcntl(connection.fileno(), _F_GETPIPE_SZ)
    except OSError:
        return 1 << 16


J = TypeVar("J")  # a job
R = TypeVar("R")  # its result


class WorkerDied(RuntimeError):
    """A worker process ended without answering (killed, or out of memory)."""


@dataclass(frozen=True)
class JobLimits:
    """What one job may cost in a worker: wall time and resident memory; past either the worker is
    killed, replaced, and the job given to ``on_limit`` with the reason."""

    seconds: float
    memory_mb: int
    seconds_setting: str = "SEARCH_LIMIT_FILE_SECONDS"
    memory_setting: str = "SEARCH_LIMIT_FILE_MEMORY_MB"


@dataclass(frozen=True)
class _OverLimit:
    """In a worker's answer: the job at this place was not run (its worker was killed for it)."""

    reason: str


# A worker's answer when it was interrupted (SIGINT) while preparing: the writer raises KeyboardInterrupt.
_INTERRUPTED = "KeyboardInterrupt"
# How often the writer looks at the workers while it waits for one (a file taking 5 GB takes seconds).
WATCH_SECONDS = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# A worker's progress, in shared memory: the chunk number, the job's place in it, and when it started
# (CLOCK_MONOTONIC, which all processes share; 0 while the worker is between jobs).
_CHUNK, _PLACE, _STARTED = range(3)


def _resident_mb(pid: int) -> float:
    """A process's resident memory in MB (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE / (1 << 20)
    except (OSError, ValueError, IndexError):
        return 0.0


def ordered_map(
    func: Callable[[J], R],
    jobs: Sequence[J],
    procs: int,
    *,
    chunk: int,
    window: int,
    initializer: Callable | None = None,
    initargs: tuple = (),
    prefetch: Callable[[list], None] | None = None,
    limits: JobLimits | None = None,
    on_limit: Callable[[J, str], R] | None = None,
) -> Iterator[R]:
    """``map(func, jobs)`` in ``procs`` forked worker processes, results in the jobs' order.

    An exception inside ``func`` is raised here (as in ``Pool.imap``); closing the iterator
    early stops the workers.  ``prefetch(chunk)``, when given, runs in a worker's own thread for
    the chunk after the one it is working on (its failures are ignored: it is only advice).

    With ``on_limit``, a job whose worker exceeds ``limits`` (or dies while running it, as the
    kernel's out-of-memory killer does) gives ``on_limit(job, reason)`` as its result: the worker
    is killed and replaced, and the jobs it held are given to its replacement.  Without it a
    worker's death raises :class:`WorkerDied`.
    """
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    context = multiprocessing.get_context("fork")
    workers: list = []  # (process, task pipe, result pipe, progress) per worker
    unanswered: list[deque[tuple[int, int]]] = []  # (chunk, bytes) sent to each worker and not answered
    skips: dict[int, dict[int, str]] = {}  # chunk number -> {place: why that job is not run}

    def start(slot: int | None = None) -> None:
        _start_worker(context, workers, slot, (func, initializer, initargs, prefetch))

    def replace(slot: int, reason: str | None) -> None:
        """Kill worker ``slot``, note why its job in hand is not run, and give its chunks to a new one."""
        process, tasks, results, progress = workers[slot]
        number, place, started = int(progress[_CHUNK]), int(progress[_PLACE]), progress[_STARTED]
        process.kill()
        process.join()
        tasks.close()
        results.close()
        pending = [n for n, _ in unanswered[slot]]
        if started and number in pending:
            skips.setdefault(number, {})[place] = reason or "its worker died while reading it (out of memory?)"
        elif reason is None:  # died between jobs: nothing to blame, nothing to skip
            raise WorkerDied(f"an indexing worker (pid {process.pid}) ended without answering")
        start(slot)
        for n in pending:
            workers[slot][1].send((n, chunks[n], skips.get(n, {})))

    def over_limit(slot: int) -> str | None:
        process, _, _, progress = workers[slot]
        started = progress[_STARTED]
        if not started or limits is None:
            return None
        if time.monotonic() - started > limits.seconds:
            return f"took longer than {limits.seconds:g} s to read (limit {limits.seconds_setting})"
        if _resident_mb(process.pid) > limits.memory_mb:
            return f"took more than {limits.memory_mb} MB of memory to read (limit {limits.memory_setting})"
        return None

    def watch() -> None:
        for slot in range(len(workers)):
            if unanswered[slot]:
                reason = over_limit(slot)
                if reason is not None:
                    replace(slot, reason)

    try:
        for _ in range(procs):
            start()
        capacity = [_pipe_size(tasks) for _, tasks, _, _ in workers]
        # Per worker, the (chunk number, size) of the chunks sent and not answered yet: all may still
        # sit in its task pipe.  A chunk is sent only while they fit, so the writer never blocks on a
        # task pipe while that worker blocks on its full result pipe, which the writer reads only in
        # turn (a deadlock).
        unanswered = [deque() for _ in workers]
        sent = 0
        waiting: deque[int] = deque()  # the worker of each chunk sent and not answered, in order
        held: bytes | memoryview | None = None  # the next chunk, pickled, while it does not fit

        def send_what_fits() -> None:
            nonlocal sent, held
            while sent < len(chunks) and len(waiting) < window * procs:
                worker = sent % procs
                data, held = held or ForkingPickler.dumps((sent, chunks[sent], {})), None
                size = len(data) + _FRAME_BYTES
                if unanswered[worker] and sum(s for _, s in unanswered[worker]) + size > capacity[worker]:
                    held = data
                    return  # sent after that worker's next answer
                workers[worker][1].send_bytes(data)  # an idle worker reads whatever the size
                unanswered[worker].append((sent, size))
                waiting.append(worker)
                sent += 1

        send_what_fits()
        while waiting:
            worker = waiting[0]
            while True:
                results = workers[worker][2]
                try:
                    if on_limit is not None and not results.poll(WATCH_SECONDS):
                        watch()
                        continue
                    ok, answer = results.recv()
                    break
                except EOFError:
                    if on_limit is None:
                        raise WorkerDied(
                            f"an indexing worker (pid {workers[worker][0].pid}) ended without answering"
                        ) from None
                    replace(worker, None)
            waiting.popleft()
            if not ok:
                _raise_failure(answer)
            number, _ = unanswered[worker].popleft()
            send_what_fits()
            yield from _results_of(chunks[number], answer, on_limit)
    finally:
        # An idle worker is told to stop; closing both ends ends any other: one waiting for a task
        # reads the end of its pipe, one blocked handing over a result gets a broken pipe.
        for number, (_, tasks, results, _) in enumerate(workers):
            if number >= len(unanswered) or not unanswered[number]:
                with contextlib.suppress(OSError):
                    tasks.send(None)
            results.close()
            tasks.close()
        for process, _, _, _ in workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _work(
    func: Callable,
    tasks: Connection,
    results: Connection,
    initializer: Callable | None,
    initargs: tuple,
    others: Sequence[Connection] = (),
    prefetch: Callable[[list], None] | None = None,
    progress: Any = None,
) -> None:
    for end in others:
        end.close()
    if initializer is not None:
        initializer(*initargs)
    ahead: deque = deque()  # tasks received and not prepared yet, the stop sign (None) included
    helper = ThreadPoolExecutor(1) if prefetch is not None else None

    def receive() -> None:
        task = tasks.recv()
        if task is not None and helper is not None and prefetch is not None:
            helper.submit(_advise, prefetch, task[1])
        ahead.append(task)

    while True:
        try:
            if not ahead:
                receive()
            if helper is not None and ahead[-1] is not None and tasks.poll():
                receive()  # the next chunk is there: its prefetch overlaps this chunk's work
        except EOFError:  # the writer is gone
            return
        task = ahead.popleft()
        if task is None:
            return
        number, jobs, skips = task
        answer: tuple[bool, Any]  # (True, results) or (False, the traceback)
        try:
            answer = (True, [_run(func, job, number, place, skips, progress) for place, job in enumerate(jobs)])
        except Exception:  # noqa: BLE001 (any failure goes back to the writer, which raises it)
            answer = (False, traceback.format_exc())
        except KeyboardInterrupt:  # Ctrl-C: the writer stops as it would have in one process
            answer = (False, _INTERRUPTED)
        finally:
            if progress is not None:
                progress[_STARTED] = 0.0
        try:
            results.send(answer)
        except (BrokenPipeError, OSError):  # the writer stopped reading: it is closing
            return


def _run(func: Callable, job: object, number: int, place: int, skips: dict[int, str], progress: Any) -> object:
    """``func(job)``, with the worker's progress noted for the writer's watch; a job skipped for a
    limit is not run again."""
    if place in skips:
        return _OverLimit(skips[place])
    if progress is not None:
        progress[_STARTED] = 0.0  # written last below: the writer never pairs a start with an old place
        progress[_CHUNK] = number
        progress[_PLACE] = place
        progress[_STARTED] = time.monotonic()
    return func(job)


def _advise(prefetch: Callable[[list], None], jobs: list) -> None:
    with contextlib.suppress(Exception):
        prefetch(jobs)


def _start_worker(context: Any, workers: list, slot: int | None, job: tuple) -> None:
    """Fork a worker with its task and result pipes; it takes place ``slot`` in ``workers`` (or is appended)."""
    func, initializer, initargs, prefetch = job
    tasks_to_read, tasks_to_send = context.Pipe(duplex=False)
    results_to_read, results_to_send = context.Pipe(duplex=False)
    for end in (tasks_to_send, results_to_send):
        with contextlib.suppress(OSError):
            fcntl.fcntl(end.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
    progress = context.RawArray("d", 3)
    # The writer's ends of this worker's pipes and of the other workers', which the fork
    # inherits: closed in the worker, so that the writer closing them is seen there (an end
    # of input, a broken pipe).
    others = [
        tasks_to_send,
        results_to_read,
        *(end for number, (_, tasks, results, _) in enumerate(workers) if number != slot for end in (tasks, results)),
    ]
    process = context.Process(
        target=_work,
        args=(func, tasks_to_read, results_to_send, initializer, initargs, others, prefetch, progress),
        daemon=True,
    )
    process.start()
    tasks_to_read.close()
    results_to_send.close()
    if slot is None:
        workers.append((process, tasks_to_send, results_to_read, progress))
    else:
        workers[slot] = (process, tasks_to_send, results_to_read, progress)


def _results_of(jobs: Sequence[J], answer: list, on_limit: Callable[[J, str], R] | None) -> Iterator[R]:
    """A chunk's results in its jobs' order; a job skipped for a limit gives ``on_limit(job, reason)``."""
    for job, result in zip(jobs, answer, strict=True):
        if isinstance(result, _OverLimit):
            if on_limit is None:  # not reached: a job is skipped for a limit only with on_limit
                raise WorkerDied(f"a job was skipped for a limit: {result.reason}")
            yield on_limit(job, result.reason)
        else:
            yield result


def _raise_failure(answer: object) -> NoReturn:
    """A worker's failure raised here: Ctrl-C as KeyboardInterrupt, anything else with its traceback."""
    if answer == _INTERRUPTED:
        raise KeyboardInterrupt
    raise RuntimeError(f"an indexing worker failed:\n{answer}")
