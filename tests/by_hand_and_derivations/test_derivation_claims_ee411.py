"""The numeric claims of derivations/ee411_backprop.tex (sheet ee411), one test per claim (the tex
file names its test)."""

import torch

from tests.by_hand_and_derivations.derivation_claims_helpers import F64


def _count(model):
    return sum(p.numel() for p in model.parameters())


# --- ee411 -----------------------------------------------------------------------------------

def test_ee411_parameter_counts():
    nn = torch.nn
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))
    assert _count(mlp) == 89_610

    def cnn(pad):
        blocks = []
        for c_in, c_out in [(1, 16), (16, 32), (32, 64)]:
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=pad), nn.ReLU(), nn.MaxPool2d(2)]
        features = nn.Sequential(*blocks, nn.Flatten())
        width = features(torch.zeros(1, 1, 28, 28)).shape[1]
        return nn.Sequential(features, nn.Linear(width, 10)), width
    (padded, w1), (unpadded, w0) = cnn(1), cnn(0)
    assert (w1, w0) == (64 * 3 * 3, 64)
    assert (_count(padded), _count(unpadded)) == (29_066, 23_946)
    assert _count(padded) < _count(mlp) / 3 + 100


def test_ee411_permutation_is_invisible_to_an_mlp():
    torch.manual_seed(0)
    x, target = torch.rand(8, 784, dtype=F64), torch.randint(0, 10, (8,))
    perm = torch.randperm(784)
    W, rest = torch.randn(100, 784, dtype=F64), torch.nn.Linear(100, 10).double()
    W_b = torch.empty_like(W)
    W_b[:, perm] = W                          # the relabelled first layer, (W P) in the derivation
    grads, outs = [], []
    for weight, data in [(W, x[:, perm]), (W_b, x)]:
        weight = weight.clone().requires_grad_(True)
        out = rest(torch.relu(data @ weight.T))
        torch.nn.functional.cross_entropy(out, target).backward()
        grads.append(weight.grad)
        outs.append(out.detach())
    assert torch.allclose(outs[0], outs[1], rtol=1e-12, atol=1e-12)
    assert torch.allclose(grads[1][:, perm], grads[0], rtol=1e-12, atol=1e-14)
