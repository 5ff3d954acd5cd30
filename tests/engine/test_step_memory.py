"""A training step's peak memory stays within the bound benchmarks/bench_steps.py sets, as a ratio
to torch's peak measured the same way (plus the measurement's resolution, MEMORY_SLACK_MIB) (a fresh process per library, glibc returning freed blocks,
peak RSS above the RSS before the step; Linux only)."""
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
import bench_steps  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self (Linux only)")


@pytest.mark.parametrize("name", sorted(bench_steps.MEMORY_BOUNDS))
def test_a_steps_peak_memory_stays_within_the_benchmarks_bound(name):
    edu, torch_mib = bench_steps.measure_memory("edu", name), bench_steps.measure_memory("torch", name)
    bound = bench_steps.MEMORY_BOUNDS[name]
    assert edu <= bound * torch_mib + bench_steps.MEMORY_SLACK_MIB, f"{name}: {edu:.2f} MiB against torch's {torch_mib:.2f} (bound {bound}x)"


def test_the_peer_benchmarks_mlp_step_peaks_below_torchs():
    """`make bench`'s MLP step (each library's own SGD with Nesterov momentum): the engine's peak is
    below PEER_MLP_MEMORY_BOUND times torch's, medians of 3 fresh processes each."""
    sys.path.insert(0, str(REPO))
    from benchmarks.bench_peers import measure_memory
    edu, torch_mib = (sorted(measure_memory(lib, "fashion_mlp") for _ in range(3))[1]
                      for lib in ("tinygrad_edu", "torch"))
    assert edu <= bench_steps.PEER_MLP_MEMORY_BOUND * torch_mib, f"{edu:.3f} MiB against torch's {torch_mib:.3f}"
