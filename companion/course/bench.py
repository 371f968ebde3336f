"""Time the NumPy LSTM against ``torch.nn.LSTM``, and batching against a loop over sequences.

Run ``python -m companion.course.bench`` (or ``make bench``). For each shape it
prints the best of several runs of

- the fast NumPy LSTM (``companion.scratch.lstm_fast``), forward only and forward + backward;
- the readable NumPy LSTM (``companion.scratch.lstm``), the same, for comparison;
- ``torch.nn.LSTM`` on the same weights and inputs, in the same process, with
  as many threads as this process may use;
- the per-sequence loop: the fast NumPy LSTM called with B = 1, once per sequence.
  Same code, same arithmetic: the ratio is the pure gain of batching;
- the seeds' loop (forward only): one sequence at a time written the way the
  tutorials this course grew from write it, with column vectors, the input
  and state stacked as ``[x; h]`` at every step, four separate gate
  matrices, and the hidden and cell states of every step kept. It computes
  the same function (a test checks it) but adds, to the cost of not
  batching, the cost of not fusing the gates.

Timings depend on the machine and on what else runs on it; the best of
several repeats is the least disturbed estimate. Chapter 10 reuses
``time_numpy``, ``time_torch``, ``time_per_sequence`` and ``time_seed_loop``
with smaller repeat counts, and ``time_lstm_tricks`` to measure what each
trick of the fast LSTM buys.
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

from companion.practice.timing import median_seconds, run_times
from companion.practice.torch_bridge import weights_to_torch
from companion.practice.workers import available_cores
from companion.scratch import lstm, lstm_fast
from companion.scratch.weights import init_weights

# The two NumPy LSTMs: (forward, backward) of each.
VARIANTS = {
    "fast": (lstm_fast.lstm_forward_fast, lstm_fast.lstm_backward_fast),
    "readable": (lstm.lstm_forward, lstm.lstm_backward),
}


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
    seed_loop_forward: float = float("nan")
    readable_forward: float = float("nan")
    readable_both: float = float("nan")


@contextlib.contextmanager
def limit_threads(threads: int | None) -> Iterator[None]:
    """Inside the block, NumPy's BLAS and torch use ``threads`` threads (``None``: every available core).

    One thread makes timings robust on a busy machine, where a parallel
    matrix product can wait a whole scheduler time slice for its second
    thread. Limiting NumPy's BLAS needs ``threadpoolctl``, which is installed
    with scikit-learn.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(threads or available_cores())
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
    return min(run_times(fn, repeats))


def make_problem(shape: Shape, dtype=np.float32, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Inputs ``x: (T, B, D)``, LSTM weights (PyTorch's initialisation) and an upstream gradient ``(T, B, H)``."""
    rng = np.random.default_rng(seed)
    weights = init_weights("lstm", shape.D, shape.H, rng, dtype)
    x = rng.standard_normal((shape.T, shape.B, shape.D)).astype(dtype)
    d_outputs = rng.standard_normal((shape.T, shape.B, shape.H)).astype(dtype)
    return x, weights, d_outputs


def numpy_step(
    x: np.ndarray, weights: dict[str, np.ndarray], d_outputs: np.ndarray | None, variant: str = "fast"
) -> None:
    """One forward pass of a NumPy LSTM (``variant``: "fast" or "readable") over ``x: (T, B, D)``,
    and a backward pass if ``d_outputs`` is given."""
    forward, backward = VARIANTS[variant]
    _, _, cache = forward(x, None, None, **weights)
    if d_outputs is not None:
        backward(d_outputs, cache)


def numpy_runner(shape: Shape, backward: bool, dtype=np.float32, variant: str = "fast") -> Callable[[], None]:
    """A function that runs a batched NumPy LSTM once on ``shape``: forward, or forward + backward."""
    if variant not in VARIANTS:
        raise ValueError(f'variant must be "fast" or "readable"; got {variant!r}')
    x, weights, d_outputs = make_problem(shape, dtype)
    return lambda: numpy_step(x, weights, d_outputs if backward else None, variant)


def per_sequence_runner(shape: Shape, backward: bool, dtype=np.float32) -> Callable[[], None]:
    """A function that runs the per-sequence loop once: the NumPy LSTM called with B = 1 for each sequence."""
    x, weights, d_outputs = make_problem(shape, dtype)
    # Each sequence as its own (T, 1, D) array, sliced before timing, as if it came alone.
    xs = [np.ascontiguousarray(x[:, b : b + 1]) for b in range(shape.B)]
    ds = [np.ascontiguousarray(d_outputs[:, b : b + 1]) for b in range(shape.B)]

    def loop() -> None:
        for x_b, d_b in zip(xs, ds):
            numpy_step(x_b, weights, d_b if backward else None)

    return loop


def seed_style_gates(weights: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The LSTM's weights as the seeds hold them: per gate (i, f, g, o) a matrix (H, D + H) and a bias (H, 1)."""
    H = weights["W_hh"].shape[1]
    gates = []
    for k in range(4):
        rows = slice(k * H, (k + 1) * H)
        W = np.hstack([weights["W_ih"][rows], weights["W_hh"][rows]])
        b = (weights["b_ih"][rows] + weights["b_hh"][rows]).reshape(H, 1)
        gates.append((W, b))
    return gates


def _seed_sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(a, -500, 500)))


def seed_style_forward(x_seq: np.ndarray, gates: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One sequence ``x_seq: (T, D)`` through the LSTM in the seeds' style; returns the states h and c, both ``(T, H)``.

    Like the seeds' LSTM, it keeps the cell state of every step as well as
    the hidden state (the batched code keeps both in its cache); unlike it,
    it has no output layer, since ``torch.nn.LSTM`` and ``lstm_forward`` have none.
    """
    (W_i, b_i), (W_f, b_f), (W_g, b_g), (W_o, b_o) = gates
    H = b_i.shape[0]
    h = np.zeros((H, 1), dtype=x_seq.dtype)
    c = np.zeros((H, 1), dtype=x_seq.dtype)
    hidden_states = np.empty((x_seq.shape[0], H), dtype=x_seq.dtype)
    cell_states = np.empty((x_seq.shape[0], H), dtype=x_seq.dtype)
    for t in range(x_seq.shape[0]):
        z = np.vstack((x_seq[t].reshape(-1, 1), h))
        i = _seed_sigmoid(W_i @ z + b_i)
        f = _seed_sigmoid(W_f @ z + b_f)
        g = np.tanh(W_g @ z + b_g)
        o = _seed_sigmoid(W_o @ z + b_o)
        c = f * c + i * g
        h = o * np.tanh(c)
        hidden_states[t] = h[:, 0]
        cell_states[t] = c[:, 0]
    return hidden_states, cell_states


def seed_loop_runner(shape: Shape, dtype=np.float32) -> Callable[[], None]:
    """A function that runs the seeds'-style forward loop once over the B sequences of ``shape``."""
    x, weights, _ = make_problem(shape, dtype)
    gates = seed_style_gates(weights)
    sequences = [np.ascontiguousarray(x[:, b]) for b in range(shape.B)]

    def loop() -> None:
        for x_b in sequences:
            seed_style_forward(x_b, gates)

    return loop


def torch_runner(shape: Shape, backward: bool, dtype=np.float32) -> Callable[[], None]:
    """A function that runs ``torch.nn.LSTM`` once on the same problem: forward (no autograd), or forward + backward.

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

    return both if backward else forward


def time_numpy(shape: Shape, backward: bool, repeats: int = 5, dtype=np.float32, variant: str = "fast",
               median: bool = False) -> float:
    """Best (or median) time in seconds of a batched NumPy LSTM on ``shape``: forward, or forward + backward."""
    return (median_seconds if median else best_time)(numpy_runner(shape, backward, dtype, variant), repeats)


def time_per_sequence(shape: Shape, backward: bool, repeats: int = 3, dtype=np.float32, median: bool = False) -> float:
    """Best (or median) time in seconds of the per-sequence loop over the B sequences of ``shape``."""
    return (median_seconds if median else best_time)(per_sequence_runner(shape, backward, dtype), repeats)


def time_seed_loop(shape: Shape, repeats: int = 1, dtype=np.float32, median: bool = False) -> float:
    """Best (or median) time in seconds of the seeds'-style loop (forward only) over the B sequences of ``shape``."""
    return (median_seconds if median else best_time)(seed_loop_runner(shape, dtype), repeats)


def time_torch(shape: Shape, backward: bool, repeats: int = 5, dtype=np.float32, median: bool = False) -> float:
    """Best (or median) time in seconds of ``torch.nn.LSTM`` on ``shape``: forward, or forward + backward."""
    return (median_seconds if median else best_time)(torch_runner(shape, backward, dtype), repeats)


# The tricks of companion.scratch.lstm_fast, in the order of its docstring.
TRICKS = {
    "batch in columns": "a step's gate arithmetic on contiguous (4H, B) blocks, not on (B, 4H) column slices",
    "one product per step": "[W_ih | W_hh | b] [x_t; h_{t-1}; 1], not two products and two bias additions",
    "1/2 folded into weights": "one tanh over all four gates, not three sigmoids and a tanh",
    "no allocation (out=)": "c_t, tanh(c_t), h_t written into buffers, not into new arrays",
    "one weight gradient": "one product over all T B columns after the loop, not T products inside it",
}


def time_lstm_tricks(shape: Shape, repeats: int = 20, dtype=np.float32) -> dict[str, tuple[float, float]]:
    """What each trick of ``companion.scratch.lstm_fast`` buys: ``{trick: (seconds without, seconds with)}``.

    Each trick is timed on the piece of work it changes, alone: one step's
    worth (times T, to give seconds per pass) for the first four, the weight
    gradient of a whole pass for the last. The pieces overlap a little (the
    gate arithmetic appears in three), so the savings do not add up exactly
    to the difference between the two whole LSTMs; :func:`time_numpy` times those.
    """
    rng = np.random.default_rng(0)
    T, B, D, H = shape.T, shape.B, shape.D, shape.H
    w = init_weights("lstm", D, H, rng, dtype)
    x_t = rng.standard_normal((B, D)).astype(dtype)
    h, c_prev = (0.5 * rng.standard_normal((2, B, H))).astype(dtype)
    W = np.hstack([w["W_ih"], w["W_hh"], (w["b_ih"] + w["b_hh"])[:, None]])
    column = np.vstack([x_t.T, h.T, np.ones((1, B), dtype=dtype)])  # (D + H + 1, B)
    pre_rows = x_t @ w["W_ih"].T + w["b_ih"] + h @ w["W_hh"].T + w["b_hh"]  # (B, 4H)
    pre_cols = np.ascontiguousarray(pre_rows.T)  # (4H, B)
    scratch_rows, scratch_cols = np.empty_like(pre_rows), np.empty_like(pre_cols)
    out_rows = [np.empty((B, H), dtype=dtype) for _ in range(3)]
    out_cols = [np.empty((H, B), dtype=dtype) for _ in range(3)]
    gates = 0.5 * (1 + np.tanh(pre_cols))  # any values in (0, 1) do for timing
    i, f, g, o = np.split(gates, 4)

    def cell_on(scratch, pre, c_prev, outs):  # the fast cell on pre, copied first so that it can work in place
        np.copyto(scratch, pre)
        lstm_fast._cell(scratch, c_prev, *outs)

    def three_sigmoids_and_a_tanh():
        a_i, a_f, a_g, a_o = np.split(pre_cols, 4)
        return np.concatenate([lstm.sigmoid(a_i), lstm.sigmoid(a_f), np.tanh(a_g), lstm.sigmoid(a_o)])

    def one_tanh():
        np.multiply(pre_cols, 0.5, out=scratch_cols)  # stands for the scaled product's output
        np.tanh(scratch_cols, out=scratch_cols)
        for rows in (scratch_cols[: 2 * H], scratch_cols[3 * H :]):
            rows += 1
            rows *= 0.5

    def new_arrays():
        c = f * c_prev.T + i * g
        tanh_c = np.tanh(c)
        return o * tanh_c

    def buffers():
        c, tanh_c, h_out = out_cols
        np.multiply(f, c_prev.T, out=c)
        np.multiply(i, g, out=tanh_c)
        c += tanh_c
        np.tanh(c, out=tanh_c)
        np.multiply(o, tanh_c, out=h_out)

    d_pre = rng.standard_normal((T, 4 * H, B)).astype(dtype)
    columns = rng.standard_normal((T, D + H + 1, B)).astype(dtype)

    def per_step_weight_gradients():
        dW = np.zeros_like(W)
        for t in range(T):
            dW += d_pre[t] @ columns[t].T

    pairs = {
        "batch in columns": (lambda: cell_on(scratch_rows.T, pre_rows.T, c_prev.T, [a.T for a in out_rows]),
                             lambda: cell_on(scratch_cols, pre_cols, np.ascontiguousarray(c_prev.T), out_cols)),
        "one product per step": (lambda: x_t @ w["W_ih"].T + w["b_ih"] + h @ w["W_hh"].T + w["b_hh"],
                                 lambda: np.matmul(W, column, out=scratch_cols)),
        "1/2 folded into weights": (three_sigmoids_and_a_tanh, one_tanh),
        "no allocation (out=)": (new_arrays, buffers),
        "one weight gradient": (per_step_weight_gradients,
                                lambda: np.tensordot(d_pre, columns, axes=([0, 2], [0, 2]))),
    }
    times = {}
    for trick, (without, with_) in pairs.items():
        per_pass = 1 if trick == "one weight gradient" else T
        times[trick] = (per_pass * best_time(without, repeats), per_pass * best_time(with_, repeats))
    return times


def measure(
    shape: Shape, repeats: int = 4, loop_repeats: int = 1, passes: int = 3, threads: int | None = None
) -> Timing:
    """All eight timings for one shape, with NumPy and torch on ``threads`` threads (``None``: all cores).

    Each method is timed in a block of consecutive runs (one warm-up, then
    ``repeats``, or ``loop_repeats`` for the slow loop), as a training loop
    would call it. The blocks are repeated in ``passes`` passes spread over
    time and the best run is kept, so that a burst of work from other programs
    spoils one pass rather than every run of a method. Before each library's
    blocks the process pauses, so that the worker threads the previous library
    left spinning do not slow the next.
    """
    runners = {}
    for backward, suffix in [(False, "forward"), (True, "both")]:
        runners[f"numpy_{suffix}"] = numpy_runner(shape, backward)
        runners[f"readable_{suffix}"] = numpy_runner(shape, backward, variant="readable")
        runners[f"loop_{suffix}"] = per_sequence_runner(shape, backward)
        runners[f"torch_{suffix}"] = torch_runner(shape, backward)
    runners["seed_loop_forward"] = seed_loop_runner(shape)
    best = dict.fromkeys(runners, float("inf"))
    with limit_threads(threads):
        for _ in range(passes):
            for library in ("numpy", "readable", "loop", "seed_loop", "torch"):
                time.sleep(0.1)
                for name in [name for name in runners if name.startswith(f"{library}_")]:
                    n = repeats if library in ("numpy", "readable", "torch") else loop_repeats
                    best[name] = min(best[name], best_time(runners[name], n))
    return Timing(shape, **best)


def format_table(timings: list[Timing]) -> str:
    """A plain-text table: milliseconds per call, the NumPy/torch ratios and the speed-up of batching.

    "NumPy" is the fast LSTM; "readable" is ``companion.scratch.lstm``, timed the same way.
    """
    header = (
        f"{'shape':<28} {'pass':<10} {'NumPy ms':>9} {'torch ms':>9} {'NumPy/torch':>12} "
        f"{'readable ms':>12} {'readable/torch':>15} "
        f"{'loop ms':>9} {'loop/batched':>13} {'seeds ms':>9} {'seeds/batched':>14}"
    )
    lines = [header, "-" * len(header)]
    for t in timings:
        for label, ours, theirs, readable, loop, seeds in [
            ("forward", t.numpy_forward, t.torch_forward, t.readable_forward, t.loop_forward, t.seed_loop_forward),
            ("fwd+bwd", t.numpy_both, t.torch_both, t.readable_both, t.loop_both, float("nan")),
        ]:
            seed_columns = f"{'-':>9} {'-':>14}" if np.isnan(seeds) else f"{1e3 * seeds:9.1f} {seeds / ours:13.1f}x"
            lines.append(
                f"{str(t.shape):<28} {label:<10} {1e3 * ours:9.2f} {1e3 * theirs:9.2f} {ours / theirs:11.2f}x "
                f"{1e3 * readable:12.2f} {readable / theirs:14.2f}x "
                f"{1e3 * loop:9.1f} {loop / ours:12.1f}x {seed_columns}"
            )
    return "\n".join(lines)


def _load() -> str:
    """The 1-minute load average, a hint of how busy the machine was, or "unknown"."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the NumPy LSTM against torch.nn.LSTM (float32).")
    parser.add_argument("--repeats", type=int, default=4, help="timed runs in a block; the best is kept")
    parser.add_argument("--loop-repeats", type=int, default=1, help="timed runs of the slow per-sequence loop in a block")
    parser.add_argument("--passes", type=int, default=3, help="passes over every block, spread over time")
    parser.add_argument("--threads", type=int, default=None, help="threads for NumPy's BLAS and torch (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="tiny shapes, one run each: a smoke test")
    args = parser.parse_args(argv)
    if min(args.repeats, args.loop_repeats, args.passes) < 1 or (args.threads is not None and args.threads < 1):
        parser.error("--repeats, --loop-repeats, --passes and --threads must be at least 1")
    shapes = QUICK_SHAPES if args.quick else SHAPES
    repeats, loop_repeats, passes = (1, 1, 1) if args.quick else (args.repeats, args.loop_repeats, args.passes)
    threads = args.threads or available_cores()
    print(f"float32; best of {passes} passes of {repeats} runs ({loop_repeats} for the loop), each after a warm-up run; "
          f"{threads} thread(s) for NumPy's BLAS and torch")
    print(f"NumPy {np.__version__}, torch {torch.__version__}; load average {_load()}")
    print("NumPy: companion.scratch.lstm_fast; readable: companion.scratch.lstm, the same maths written as the chapters write it")
    print("loop: the fast NumPy LSTM called with B = 1 once per sequence; loop/batched is the speed-up of batching alone")
    print("seeds: one sequence at a time in the seeds' style (column vectors, [x; h] stacked, four gate matrices,")
    print("       h and c kept for every step), forward only, as the seeds show no LSTM backward;")
    print("       seeds/batched adds the gain of fusing the gates\n")
    timings = [measure(shape, repeats, loop_repeats, passes, args.threads) for shape in shapes]
    print(format_table(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
