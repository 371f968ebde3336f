"""Execute the whole book a second time under other floating-point settings: ``make test-numerics``.

Results differ in their last bits from one machine to another: the BLAS kernel
OpenBLAS picks for the CPU, the vectorised kernels PyTorch dispatches to, MKL's
code path, the number of threads that split a sum. Training amplifies those
bits. This build runs every page of ``_toc.yml`` again, strictly (``-W -n``),
with each of those choices changed at once:

    OPENBLAS_CORETYPE=Sandybridge  ATEN_CPU_CAPABILITY=default
    MKL_CBWR=COMPATIBLE            OMP_NUM_THREADS=1

so that a hidden assertion that holds only on the author's machine fails here
rather than on a reader's. It has its own configuration, execution cache and
output folder (``_build/numerics`` by default) and never touches ``_build/html``.

Before building, a probe notebook runs in a kernel started the way Jupyter Book
starts one and checks that the settings reached it (the environment, and
threadpoolctl's view of OpenBLAS). After building, ``--compare`` prints every
glued number of both builds side by side.

    python book/_ext/numerics_build.py [--toc _toc.yml] [--out _build/numerics] [--compare]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from student_edition import ROOT, portable_config  # noqa: E402

NUMERICS_ENV = {
    "OPENBLAS_CORETYPE": "Sandybridge",
    "ATEN_CPU_CAPABILITY": "default",
    "MKL_CBWR": "COMPATIBLE",
    "OMP_NUM_THREADS": "1",
}

PROBE = """
import json, os
import numpy, torch, threadpoolctl
print(json.dumps({
    "env": {name: os.environ.get(name) for name in %r},
    "pools": [{key: pool.get(key) for key in ("internal_api", "num_threads", "architecture")}
              for pool in threadpoolctl.threadpool_info()],
    "torch_threads": torch.get_num_threads(),
    "torch_capability": torch.backends.cpu.get_cpu_capability(),
}))
""" % sorted(NUMERICS_ENV)


def numerics_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the numerics settings on top."""
    return {**(os.environ if base is None else base), **NUMERICS_ENV}


def probe_kernel(env: dict[str, str]) -> dict:
    """Run one cell in a fresh python3 kernel started with ``env``, as myst-nb starts one; return what it saw."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    previous = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # nbclient's kernel manager starts the kernel with this process's environment
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    finally:
        os.environ.clear()
        os.environ.update(previous)
    text = "".join(out.get("text", "") for out in notebook.cells[0].outputs if out.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def probe_problems(seen: dict) -> list[str]:
    """What in a probe's report shows the settings did not reach the kernel (empty when all did)."""
    problems = [f"{name}={seen['env'].get(name)!r} in the kernel, expected {value!r}"
                for name, value in NUMERICS_ENV.items() if seen["env"].get(name) != value]
    blas = [pool for pool in seen["pools"] if pool["internal_api"] == "openblas"]
    if not blas:
        problems.append("threadpoolctl finds no OpenBLAS in the kernel")
    for pool in blas:
        if pool["num_threads"] != 1:
            problems.append(f"OpenBLAS runs {pool['num_threads']} threads, expected 1")
        if str(pool["architecture"]).lower() != NUMERICS_ENV["OPENBLAS_CORETYPE"].lower():
            problems.append(f"OpenBLAS core type is {pool['architecture']}, expected {NUMERICS_ENV['OPENBLAS_CORETYPE']}")
    if seen["torch_threads"] != 1:
        problems.append(f"torch runs {seen['torch_threads']} threads, expected 1")
    if seen["torch_capability"] != "DEFAULT":
        problems.append(f"torch dispatches to {seen['torch_capability']} kernels, expected DEFAULT")
    return problems


def build(toc: Path, out: Path, strict: bool = True) -> int:
    """Write the configuration into ``out`` and build the book there under the numerics settings."""
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "_config.yml"
    config_path.write_text(yaml.safe_dump(portable_config(), sort_keys=False), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--config", str(config_path),
               "--toc", str(toc), "--path-output", str(out)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    return subprocess.run(command, cwd=ROOT, env=numerics_environment()).returncode


def glued_values(executed: Path) -> dict[str, dict[str, str]]:
    """Every ``glue`` value myst-nb recorded under ``executed`` (its ``*.glue.json`` files): {page: {name: text}}."""
    pages = {}
    for path in sorted(executed.rglob("*.glue.json")):
        records = json.loads(path.read_text(encoding="utf-8"))
        values = {name: next((text for mime, text in record.get("data", {}).items() if mime.endswith("text/plain")), "")
                  for name, record in records.items()}
        if values:
            pages[path.name.removesuffix(".glue.json")] = values
    return pages


def compare(first: Path, second: Path) -> list[tuple[str, str, str, str]]:
    """Rows (page, name, value in ``first``, value in ``second``) for every glued name of either build."""
    a, b = glued_values(first), glued_values(second)
    rows = []
    for page in sorted(set(a) | set(b)):
        names = sorted(set(a.get(page, {})) | set(b.get(page, {})))
        rows += [(page, name, a.get(page, {}).get(name, "-"), b.get(page, {}).get(name, "-")) for name in names]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml", help="table of contents (default: _toc.yml)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "numerics", help="output folder")
    parser.add_argument("--compare", action="store_true",
                        help="only print the glued numbers of make book's build and this one, side by side")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.compare:
        print("| page | name | make book | numerics |\n| --- | --- | --- | --- |")
        for row in compare(ROOT / "_build" / "jupyter_execute", out / "_build" / "jupyter_execute"):
            print("| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |")
        return 0
    problems = probe_problems(probe_kernel(numerics_environment()))
    if problems:
        print("The numerics settings do not reach the kernel:\n  " + "\n  ".join(problems))
        return 1
    print("Kernel probe: " + ", ".join(f"{k}={v}" for k, v in NUMERICS_ENV.items()) + " reach the kernel")
    start = time.perf_counter()
    code = build(args.toc.resolve(), out)
    print(f"numerics build: {time.perf_counter() - start:.0f} s, exit status {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
