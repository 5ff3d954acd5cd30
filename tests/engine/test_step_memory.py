"""A training step's peak memory stays within the bound benchmarks/bench_steps.py sets, as a ratio
to torch's peak measured the same way (plus the measurement's resolution, MEMORY_SLACK_MIB) (a fresh process per library, glibc returning freed blocks,
peak RSS above the RSS before the step; Linux only)."""
import sys

import pytest

sys.path.insert(0, "benchmarks")
import bench_steps  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self (Linux only)")


@pytest.mark.parametrize("name", sorted(bench_steps.MEMORY_BOUNDS))
def test_a_steps_peak_memory_stays_within_the_benchmarks_bound(name):
    edu, torch_mib = bench_steps.measure_memory("edu", name), bench_steps.measure_memory("torch", name)
    bound = bench_steps.MEMORY_BOUNDS[name]
    assert edu <= bound * torch_mib + bench_steps.MEMORY_SLACK_MIB, f"{name}: {edu:.2f} MiB against torch's {torch_mib:.2f} (bound {bound}x)"
