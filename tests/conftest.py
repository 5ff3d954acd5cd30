"""Shared test settings: the one hypothesis profile, the --runslow switch, the sheet markers, one
torch thread."""
import os
import re

os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# One place for hypothesis settings. "default" keeps `make test` under a few minutes on 2 cores;
# HYPOTHESIS_PROFILE=thorough runs many more examples.
settings.register_profile("default", max_examples=12, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _no_user_data_paths(monkeypatch):
    """The tests make their own data files: a user's data-set variables must not leak in."""
    for var in ("TINYGRAD_EDU_FASHION_MNIST", "TINYGRAD_EDU_MNIST", "TINYGRAD_EDU_GALAXY10"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def _gpu_tests_on_a_device(request):
    """`gpu`-marked tests run on device="cuda": real CuPy where present, else the CPU stand-in
    (tinygrad_edu/fake_cuda.py, arrays that refuse NumPy as CuPy's do), so they never skip."""
    from tinygrad_edu import backend
    switched = request.node.get_closest_marker("gpu") is not None and not backend.cuda_available()
    if switched:
        backend.use_fake_cuda()
    yield
    if switched:
        backend.use_fake_cuda(False)


@pytest.fixture(params=["chosen", "channels_last", "channel_major"])
def conv_layout(request, monkeypatch):
    """Run a convolution test with each column layout of ops/conv.py: as the engine chooses it,
    channels-last wherever it applies (one group), and never channels-last (im2col, wide rows)."""
    from tinygrad_edu.ops import conv
    if request.param != "chosen":
        monkeypatch.setattr(conv, "CHANNELS_LAST_MIN", 0 if request.param == "channels_last" else 10 ** 9)
    return request.param


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def _sheets(config):
    """The sheet markers: those that setup.cfg describes as "sheet <id>'s tasks"."""
    entries = [line.split(":", 1) for line in config.getini("markers")]
    return [name for name, text in entries if text.strip().startswith(f"sheet {name}'s")]


def _mark_sheets(config, items):
    """A test whose name or parameter id carries a task id ("ee411.2.2") or a sheet id
    ("test_cpsc663_...") gets that sheet's marker; tests of a sheet's tasks that carry neither are
    marked explicitly in their files."""
    sheet_id = re.compile(r"(?<![a-z0-9])(%s)(?![0-9])" % "|".join(_sheets(config)))
    for item in items:
        for sheet in sorted(set(sheet_id.findall(item.name))):
            if item.get_closest_marker(sheet) is None:
                item.add_marker(sheet)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    _mark_sheets(config, items)
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # the torch comparisons then fail loudly in their own tests
    pass
