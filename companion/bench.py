"""Time the NumPy LSTM against ``torch.nn.LSTM``, and batching against a loop over sequences.

Run ``python -m companion.bench`` (or ``make bench``). For each shape it
prints the best of several runs of

- the NumPy LSTM (``companion.numpy_rnn``), forward only and forward + backward;
- ``torch.nn.LSTM`` on the same weights and inputs, in the same process, with
  as many threads as this process may use;
- the per-sequence loop: the NumPy LSTM called with B = 1, once per sequence,
  which is how code written for one sequence at a time (column vectors, as in
  many tutorials) processes a batch.

Timings depend on the machine and on what else runs on it; the best of
several repeats is the least disturbed estimate. Chapter 10 reuses
``time_numpy``, ``time_torch`` and ``time_per_sequence`` with smaller repeat counts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from companion.numpy_rnn import init_weights, lstm_backward, lstm_forward
from companion.torch_bridge import weights_to_torch


@dataclass(frozen=True)
class Shape:
    """A problem size: sequence length T, batch size B, input size D, hidden size H."""

    T: int
    B: int
    D: int
    H: int

    def __str__(self) -> str:
        return f"T={self.T}, B={self.B}, D={self.D}, H={self.H}"


REFERENCE = Shape(T=100, B=64, D=32, H=128)
SHAPES = (REFERENCE, Shape(T=50, B=16, D=16, H=64), Shape(T=100, B=64, D=64, H=256))
QUICK_SHAPES = (Shape(T=5, B=3, D=2, H=4), Shape(T=4, B=2, D=3, H=5))


@dataclass(frozen=True)
class Timing:
    """Best times in seconds for one shape: forward and forward + backward of each method."""

    shape: Shape
    numpy_forward: float
    numpy_both: float
    torch_forward: float
    torch_both: float
    loop_forward: float
    loop_both: float


def available_threads() -> int:
    """The number of CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def limit_threads(threads: int | None) -> Iterator[None]:
    """Inside the block, NumPy's BLAS and torch use ``threads`` threads (``None``: every available core).

    One thread makes timings robust on a busy machine, where a parallel
    matrix product can wait a whole scheduler time slice for its second
    thread. Limiting NumPy's BLAS needs ``threadpoolctl``, which is installed
    with scikit-learn.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(threads or available_threads())
    if threads is None:
        blas = contextlib.nullcontext()
    else:
        from threadpoolctl import threadpool_limits

        blas = threadpool_limits(limits=threads, user_api="blas")
    try:
        with blas:
            yield
    finally:
        torch.set_num_threads(previous)


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """The shortest of ``repeats`` timed calls of ``fn``, in seconds, after one untimed warm-up call."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1; got {repeats}")
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_problem(shape: Shape, dtype=np.float32, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Inputs ``x: (T, B, D)``, LSTM weights (PyTorch's initialisation) and an upstream gradient ``(T, B, H)``."""
    rng = np.random.default_rng(seed)
    weights = init_weights("lstm", shape.D, shape.H, rng, dtype)
    x = rng.standard_normal((shape.T, shape.B, shape.D)).astype(dtype)
    d_outputs = rng.standard_normal((shape.T, shape.B, shape.H)).astype(dtype)
    return x, weights, d_outputs


def numpy_step(x: np.ndarray, weights: dict[str, np.ndarray], d_outputs: np.ndarray | None) -> None:
    """One forward pass of the NumPy LSTM over ``x: (T, B, D)``, and a backward pass if ``d_outputs`` is given."""
    _, _, cache = lstm_forward(x, None, None, **weights)
    if d_outputs is not None:
        lstm_backward(d_outputs, cache)


def time_numpy(shape: Shape, backward: bool, repeats: int = 5, dtype=np.float32) -> float:
    """Best time of the batched NumPy LSTM on ``shape``: forward, or forward + backward."""
    x, weights, d_outputs = make_problem(shape, dtype)
    return best_time(lambda: numpy_step(x, weights, d_outputs if backward else None), repeats)


def time_per_sequence(shape: Shape, backward: bool, repeats: int = 3, dtype=np.float32) -> float:
    """Best time of the per-sequence loop: the NumPy LSTM called with B = 1 for each of the B sequences."""
    x, weights, d_outputs = make_problem(shape, dtype)
    # Each sequence as its own (T, 1, D) array, sliced before timing, as if it came alone.
    xs = [np.ascontiguousarray(x[:, b : b + 1]) for b in range(shape.B)]
    ds = [np.ascontiguousarray(d_outputs[:, b : b + 1]) for b in range(shape.B)]

    def loop() -> None:
        for x_b, d_b in zip(xs, ds):
            numpy_step(x_b, weights, d_b if backward else None)

    return best_time(loop, repeats)


def time_torch(shape: Shape, backward: bool, repeats: int = 5, dtype=np.float32) -> float:
    """Best time of ``torch.nn.LSTM`` on the same problem: forward (no autograd), or forward + backward.

    The backward pass computes the gradients of the weights and of ``x``, as
    the NumPy backward does. Torch uses its current number of threads (see
    :func:`limit_threads`).
    """
    x, weights, d_outputs = make_problem(shape, dtype)
    module = torch.nn.LSTM(shape.D, shape.H, dtype=torch.float32 if dtype == np.float32 else torch.float64)
    weights_to_torch(module, weights)
    x_t = torch.from_numpy(x).requires_grad_(backward)
    d_t = torch.from_numpy(d_outputs)

    def forward() -> None:
        with torch.set_grad_enabled(False):
            module(x_t)

    def both() -> None:
        module.zero_grad(set_to_none=True)
        x_t.grad = None
        with torch.set_grad_enabled(True):
            outputs, _ = module(x_t)
            outputs.backward(d_t)

    return best_time(both if backward else forward, repeats)


def measure(shape: Shape, repeats: int = 5, loop_repeats: int = 3, threads: int | None = None) -> Timing:
    """All six timings for one shape, with NumPy and torch on ``threads`` threads (``None``: all cores).

    NumPy and torch run in separate blocks with a pause between them, so that
    the worker threads one library leaves spinning do not slow the other.
    """
    with limit_threads(threads):
        numpy_forward = time_numpy(shape, False, repeats)
        numpy_both = time_numpy(shape, True, repeats)
        loop_forward = time_per_sequence(shape, False, loop_repeats)
        loop_both = time_per_sequence(shape, True, loop_repeats)
        time.sleep(0.2)
        torch_forward = time_torch(shape, False, repeats)
        torch_both = time_torch(shape, True, repeats)
        time.sleep(0.2)
    return Timing(shape, numpy_forward, numpy_both, torch_forward, torch_both, loop_forward, loop_both)


def format_table(timings: list[Timing]) -> str:
    """A plain-text table: milliseconds per call, the NumPy/torch ratio and the speed-up of batching."""
    header = (
        f"{'shape':<28} {'pass':<10} {'NumPy ms':>9} {'torch ms':>9} {'NumPy/torch':>12} "
        f"{'loop ms':>9} {'loop/batched':>13}"
    )
    lines = [header, "-" * len(header)]
    for t in timings:
        for label, ours, theirs, loop in [
            ("forward", t.numpy_forward, t.torch_forward, t.loop_forward),
            ("fwd+bwd", t.numpy_both, t.torch_both, t.loop_both),
        ]:
            lines.append(
                f"{str(t.shape):<28} {label:<10} {1e3 * ours:9.2f} {1e3 * theirs:9.2f} {ours / theirs:11.2f}x "
                f"{1e3 * loop:9.1f} {loop / ours:12.1f}x"
            )
    return "\n".join(lines)


def _load() -> str:
    """The 1-minute load average, a hint of how busy the machine was, or "unknown"."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the NumPy LSTM against torch.nn.LSTM (float32).")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per measurement; the best is kept")
    parser.add_argument("--loop-repeats", type=int, default=3, help="timed runs of the slow per-sequence loop")
    parser.add_argument("--threads", type=int, default=None, help="threads for NumPy's BLAS and torch (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="tiny shapes, one repeat: a smoke test")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.loop_repeats < 1 or (args.threads is not None and args.threads < 1):
        parser.error("--repeats, --loop-repeats and --threads must be at least 1")
    shapes = QUICK_SHAPES if args.quick else SHAPES
    repeats, loop_repeats = (1, 1) if args.quick else (args.repeats, args.loop_repeats)
    threads = args.threads or available_threads()
    print(f"float32, best of {repeats} runs ({loop_repeats} for the loop); {threads} thread(s) for NumPy's BLAS and torch")
    print(f"NumPy {np.__version__}, torch {torch.__version__}; load average {_load()}")
    print("loop: the NumPy LSTM called with B = 1 once per sequence; loop/batched is the speed-up of batching\n")
    timings = [measure(shape, repeats, loop_repeats, args.threads) for shape in shapes]
    print(format_table(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
