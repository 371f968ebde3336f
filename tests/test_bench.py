"""companion.course.bench: the timing harness runs on tiny shapes and reports what it measured."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from companion.course import bench
from companion.course.bench import QUICK_SHAPES, Shape, Timing, format_table, limit_threads, main, make_problem
from companion.scratch.lstm_fast import lstm_forward_fast as lstm_forward


def test_quick_run_prints_a_table_with_every_shape_and_pass(capsys):
    assert main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "NumPy/torch" in out and "readable/torch" in out and "loop/batched" in out
    for shape in QUICK_SHAPES:
        rows = [line for line in out.splitlines() if line.startswith(str(shape))]
        assert [row.split()[4] for row in rows] == ["forward", "fwd+bwd"]
        for row in rows:  # both NumPy LSTMs were timed: no nan in the ratio columns
            assert "nan" not in row, row


def test_timings_are_positive_for_every_method():
    shape = Shape(T=3, B=2, D=2, H=3)
    for backward in (False, True):
        assert bench.time_numpy(shape, backward, repeats=1) > 0
        assert bench.time_numpy(shape, backward, repeats=1, variant="readable") > 0
        assert bench.time_per_sequence(shape, backward, repeats=1) > 0
        assert bench.time_torch(shape, backward, repeats=1) > 0
    assert bench.time_seed_loop(shape, repeats=1) > 0


def test_format_table_divides_the_right_numbers():
    timing = Timing(Shape(10, 4, 3, 5), numpy_forward=0.002, numpy_both=0.006, torch_forward=0.001,
                    torch_both=0.004, loop_forward=0.02, loop_both=0.03, seed_loop_forward=0.05,
                    readable_forward=0.003, readable_both=0.010)
    forward, both = format_table([timing]).splitlines()[2:]
    assert forward.split()[5:] == ["2.00", "1.00", "2.00x", "3.00", "3.00x", "20.0", "10.0x", "50.0", "25.0x"]
    assert both.split()[5:] == ["6.00", "4.00", "1.50x", "10.00", "2.50x", "30.0", "5.0x", "-", "-"]


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match='variant must be "fast" or "readable"; got \'slow\''):
        bench.numpy_runner(Shape(2, 1, 1, 1), backward=False, variant="slow")


def test_the_readable_and_fast_lstms_compute_the_same_function():
    # The table compares two implementations of one function, not two functions.
    x, weights, d_outputs = make_problem(Shape(T=6, B=4, D=3, H=5), dtype=np.float64)
    results = {}
    for variant, (forward, backward) in bench.VARIANTS.items():
        outputs, _, cache = forward(x, None, None, **weights)
        results[variant] = outputs, backward(d_outputs, cache)
    np.testing.assert_allclose(results["fast"][0], results["readable"][0], rtol=0, atol=1e-13)
    for name, grad in results["readable"][1].items():
        np.testing.assert_allclose(results["fast"][1][name], grad, rtol=0, atol=1e-13, err_msg=name)


def test_every_trick_is_timed_with_and_without_it():
    times = bench.time_lstm_tricks(Shape(T=3, B=2, D=2, H=3), repeats=1)
    assert list(times) == list(bench.TRICKS)
    assert all(without > 0 and with_ > 0 for without, with_ in times.values())


def test_best_time_takes_the_minimum_and_rejects_zero_repeats():
    calls = []
    assert bench.best_time(lambda: calls.append(1), repeats=3) >= 0
    assert len(calls) == 4  # one warm-up call, then three timed ones
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        bench.best_time(lambda: None, repeats=0)


def test_limit_threads_sets_and_restores_torchs_threads():
    before = torch.get_num_threads()
    with limit_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_the_per_sequence_loop_computes_what_the_batch_computes():
    # The loop is a fair baseline only if it does the same arithmetic.
    x, weights, _ = make_problem(Shape(T=6, B=4, D=3, H=5), dtype=np.float64)
    batched, _, _ = lstm_forward(x, None, None, **weights)
    for b in range(4):
        alone, _, _ = lstm_forward(np.ascontiguousarray(x[:, b : b + 1]), None, None, **weights)
        np.testing.assert_allclose(alone[:, 0], batched[:, b], rtol=0, atol=1e-14)


def test_bad_arguments_are_refused(capsys):
    for bad in (["--repeats", "0"], ["--threads", "0"]):
        with pytest.raises(SystemExit):
            main(bad)
        assert "--repeats, --loop-repeats, --passes and --threads must be at least 1" in capsys.readouterr().err


def test_the_seeds_style_loop_computes_what_the_batch_computes():
    # Four gate matrices on stacked [x; h] column vectors: the same function, written the seeds' way.
    x, weights, _ = make_problem(Shape(T=6, B=4, D=3, H=5), dtype=np.float64)
    batched, _, cache = lstm_forward(x, None, None, **weights)
    gates = bench.seed_style_gates(weights)
    for b in range(4):
        hidden, cell = bench.seed_style_forward(x[:, b], gates)
        np.testing.assert_allclose(hidden, batched[:, b], rtol=0, atol=1e-14)
        np.testing.assert_allclose(cell, cache.cs[1:, b], rtol=0, atol=1e-14)
