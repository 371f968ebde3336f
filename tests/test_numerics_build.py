"""make test-numerics: its probe tells when the settings do not reach the kernel, and its config stands alone."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import numerics_build  # noqa: E402

HONOURED = {
    "env": dict(numerics_build.NUMERICS_ENV),
    "pools": [{"internal_api": "openblas", "num_threads": 1, "architecture": "Sandybridge"},
              {"internal_api": "openmp", "num_threads": 1, "architecture": None}],
    "torch_threads": 1,
    "torch_capability": "DEFAULT",
}


def test_a_kernel_that_honours_every_setting_passes_the_probe():
    assert numerics_build.probe_problems(HONOURED) == []


def test_the_probe_names_each_setting_a_kernel_ignored():
    seen = {**HONOURED, "env": {**HONOURED["env"], "OMP_NUM_THREADS": None},
            "pools": [{"internal_api": "openblas", "num_threads": 2, "architecture": "SkylakeX"}],
            "torch_capability": "AVX512"}
    problems = numerics_build.probe_problems(seen)
    assert problems == ["OMP_NUM_THREADS=None in the kernel, expected '1'", "OpenBLAS runs 2 threads, expected 1",
                        "OpenBLAS core type is SkylakeX, expected Sandybridge",
                        "torch dispatches to AVX512 kernels, expected DEFAULT"]
    assert numerics_build.probe_problems({**HONOURED, "pools": []}) == ["threadpoolctl finds no OpenBLAS in the kernel"]


def test_the_environment_adds_the_settings_on_top_of_the_callers():
    env = numerics_build.numerics_environment({"PATH": "/bin", "OMP_NUM_THREADS": "8"})
    assert env == {"PATH": "/bin", **numerics_build.NUMERICS_ENV}


def test_the_config_has_only_absolute_paths_and_the_execution_cache_on():
    config = numerics_build.portable_config()
    assert config["execute"]["execute_notebooks"] == "cache"
    paths = [*config["sphinx"]["local_extensions"].values(), *config["sphinx"]["config"]["html_static_path"],
             *config["bibtex_bibfiles"]]
    assert paths and all(Path(p).is_absolute() for p in paths)
    # .mathjax is fetched by the book targets, which may not have run yet on a fresh clone
    assert all(Path(p).exists() for p in paths if Path(p).name != ".mathjax")


def test_compare_lines_up_the_glued_numbers_of_two_builds(tmp_path):
    for build, value in (("a", "2.05"), ("b", "2.04")):
        record = {"bpc": {"output_type": "display_data", "data": {"text/plain": value},
                          "metadata": {"scrapbook": {"name": "bpc", "mime_prefix": ""}}}}
        (tmp_path / build / "book").mkdir(parents=True)
        (tmp_path / build / "book" / "ch09.glue.json").write_text(json.dumps(record))
    (tmp_path / "b" / "book" / "ch10.glue.json").write_text(json.dumps({"acc": {"data": {"text/plain": "'96%'"}}}))
    assert numerics_build.compare(tmp_path / "a", tmp_path / "b") == [("ch09", "bpc", "2.05", "2.04"),
                                                                      ("ch10", "acc", "-", "'96%'")]
