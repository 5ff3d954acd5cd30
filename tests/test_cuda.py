"""The CuPy backend: the same ops on a CUDA device agree with the NumPy backend. Skipped, with the
reason, where CuPy or a GPU is missing."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu.backend import CUDA_UNAVAILABLE_REASON
from tinygrad_edu.gradcheck.oracle import max_errors
from tinygrad_edu.registry import REGISTRY

pytestmark = pytest.mark.skipif(not te.cuda_available(), reason=CUDA_UNAVAILABLE_REASON or "no CUDA")


def _run(spec, arrays, kwargs, device):
    tensors = [te.tensor(a, device=device, requires_grad=True) for a in arrays]
    out = spec.call(te, *tensors, **kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    grads = te.grad([o.sum() for o in outs], tensors, allow_unused=True) if outs[0].requires_grad else []
    return [o.detach().cpu().numpy() for o in outs], [g.cpu().numpy() if g is not None else None for g in grads]


@pytest.mark.gpu
@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in REGISTRY.values()])
def test_cuda_matches_cpu(spec):
    case = spec.cases[0]
    arrays = spec.inputs(case.shapes, np.random.default_rng(0))
    cpu_out, cpu_grads = _run(spec, arrays, case.kwargs, "cpu")
    gpu_out, gpu_grads = _run(spec, arrays, case.kwargs, "cuda")
    assert min(max_errors(gpu_out, cpu_out)) < 1e-9
    assert min(max_errors(gpu_grads, cpu_grads)) < 1e-9


@pytest.mark.gpu
def test_tensor_moves_between_devices_with_its_gradient():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    (x.cuda() * 3.0).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0, 3.0]
