"""Time a Python loop over ``nn.LSTMCell`` with and without ``torch.compile`` of the step, in its own process.

    python -m companion.practice.compile_step --T 100 --B 32 --D 32 --H 64

prints one JSON line: ``eager_s`` and ``compiled_s`` (medians of warm runs of
the whole loop), ``compile_s`` (the first call, which compiles), and
``max_diff`` (compiled against eager outputs). It runs in a process of its own
so that a caller can bound the compile time with a timeout: inductor generates
C++ and builds it with the machine's C compiler, which takes seconds when its
cache is warm and minutes when it is cold.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
import warnings

import torch
from torch import nn

from companion.practice.timing import median_seconds


def step_loop(step, x: torch.Tensor, hidden_size: int) -> torch.Tensor:
    """Our own time loop: step(x_t, (h, c)) -> (h, c) for t = 1..T over x (T, B, D); returns (T, B, H)."""
    h = c = x.new_zeros(x.shape[1], hidden_size)
    outputs = []
    for x_t in x:
        h, c = step(x_t, (h, c))
        outputs.append(h)
    return torch.stack(outputs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in (("--T", 100), ("--B", 32), ("--D", 32), ("--H", 64), ("--repeats", 7)):
        parser.add_argument(name, type=int, default=default)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    logging.getLogger("torch._inductor").setLevel(logging.ERROR)
    if os.environ.get("ATEN_CPU_CAPABILITY") == "default":
        # PyTorch 2.13's inductor emits at::vec code that the default-capability build cannot compile
        import torch._inductor.config as inductor_config
        inductor_config.cpp.simdlen = 1
    torch.manual_seed(0)
    cell = nn.LSTMCell(args.D, args.H)
    x = torch.randn(args.T, args.B, args.D)
    compiled = torch.compile(cell, dynamic=False)
    with torch.no_grad():
        eager_out = step_loop(cell, x, args.H)
        eager_s = median_seconds(lambda: step_loop(cell, x, args.H), args.repeats)
        start = time.perf_counter()
        compiled_out = step_loop(compiled, x, args.H)
        compile_s = time.perf_counter() - start
        compiled_s = median_seconds(lambda: step_loop(compiled, x, args.H), args.repeats)
    print(json.dumps({"eager_s": eager_s, "compiled_s": compiled_s, "compile_s": compile_s,
                      "max_diff": float((compiled_out - eager_out).abs().max())}), flush=True)


if __name__ == "__main__":
    main()
