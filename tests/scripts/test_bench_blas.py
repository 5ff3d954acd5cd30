"""`make bench` times NumPy with the BLAS kernels its OpenBLAS picks for the processor: the bench
recipe unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (which some machines here set for old OpenBLAS
builds) in that command alone, and the table's header names the kernels, saying when the variable
chose them."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _header(coretype):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    code = ("from benchmarks.bench_peers import _blas; from threadpoolctl import threadpool_info; "
            "print(_blas()); print([p.get('architecture') for p in threadpool_info() if p['user_api'] == 'blas'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_bench_recipe_unsets_the_kernel_override_in_its_command_alone():
    makefile = (REPO / "Makefile").read_text()
    bench = makefile[makefile.index("\nbench:"):].split("\n\n")[0]
    assert "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE" in bench and "benchmarks.bench_peers" in bench
    test = makefile[makefile.index("\ntest:"):].split("\n\n")[0]
    assert "OPENBLAS" not in test


def test_header_names_the_kernels_and_a_forced_choice():
    import numpy as np
    if "openblas" not in str(np.show_config(mode="dicts")["Build Dependencies"]["blas"]).lower():
        pytest.skip("NumPy is not built with OpenBLAS here")
    chosen, arch = _header(None)
    assert "forced" not in chosen and f"{ast.literal_eval(arch)[0]} kernels" in chosen, chosen
    forced, arch = _header("Haswell")
    assert ast.literal_eval(arch)[0] == "Haswell" and forced.endswith("Haswell kernels forced by OPENBLAS_CORETYPE=Haswell")
