"""tinygrad_edu.run.torch_bound_to_engine: torch programs run unchanged on the engine with torch's
numbers. The programs are a corpus in the style of the official PyTorch tutorials and well-known
course notebooks (``tests/fidelity/corpus/``, one plain module per program, each with
``import torch`` at the top and a ``main()`` that returns the numbers to compare).

Each program is imported twice under a fresh module name: once with the real ``torch``, once
inside ``tinygrad_edu.run.torch_bound_to_engine()``, which binds ``torch``, ``torch.nn``,
``torch.nn.functional``, ``torch.optim``, ``torch.utils.data``, ``torch.autograd`` (...) to the
engine's modules in ``sys.modules`` -- nothing of the program is changed. The two libraries'
random streams differ, so random starting weights and data are drawn here with NumPy and handed
to ``main()`` (as arrays or state dicts); where a program draws random numbers itself the test
either feeds both libraries the same numbers (``same_normals``) or compares distributions.
"""
import importlib.util
import itertools
import pathlib
import types

import numpy as np
import pytest

from tinygrad_edu.run import torch_bound_to_engine

torch = pytest.importorskip("torch")

CORPUS = pathlib.Path(__file__).parent / "corpus"
_fresh = itertools.count()


def load(program, backend):
    """``corpus/<program>.py`` imported under a fresh name with ``torch`` the real one or the engine."""
    path = CORPUS / f"{program}.py"
    spec = importlib.util.spec_from_file_location(f"corpus_{program}_{backend}_{next(_fresh)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(program, backend, *args, patch=None, **kwargs):
    """``main(*args, **kwargs)`` of ``program`` on ``backend`` ("torch" or "edu"); ``patch(module)``
    may replace names of the loaded module before ``main`` runs."""
    if backend == "torch":
        module = load(program, backend)
        assert module.torch.__name__ == "torch"
        patch and patch(module)
        return module.main(*args, **kwargs)
    with torch_bound_to_engine():
        module = load(program, backend)
        assert module.torch.__name__ == "tinygrad_edu", "the program did not get the engine"
        patch and patch(module)
        return module.main(*args, **kwargs)


def plain(value):
    """Tensors (of either library), lists, tuples and dicts as NumPy arrays / Python values."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.asarray(value.detach().numpy())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def assert_same(edu, ref, rtol=0.0, atol=0.0, path="result"):
    """``edu`` equals ``ref``: exactly for strings, ints, bools and dtypes, within rtol/atol for floats."""
    edu, ref = plain(edu), plain(ref)
    if isinstance(ref, dict):
        assert sorted(edu) == sorted(ref), f"{path}: keys {sorted(edu)} != {sorted(ref)}"
        for k in ref:
            assert_same(edu[k], ref[k], rtol, atol, f"{path}[{k!r}]")
    elif isinstance(ref, (list, tuple)) and not (ref and all(isinstance(v, (int, float)) for v in ref)):
        assert len(edu) == len(ref), f"{path}: length {len(edu)} != {len(ref)}"
        for i, (e, r) in enumerate(zip(edu, ref)):
            assert_same(e, r, rtol, atol, f"{path}[{i}]")
    elif isinstance(ref, (str, bool, type(None))) or isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        assert edu == ref, f"{path}: {edu!r} != {ref!r}"
    else:
        e, r = np.asarray(edu), np.asarray(ref)
        assert e.shape == r.shape, f"{path}: shape {e.shape} != {r.shape}"
        assert e.dtype == r.dtype, f"{path}: dtype {e.dtype} != {r.dtype}"
        np.testing.assert_allclose(e, r, rtol=rtol, atol=atol, err_msg=path)


def both(program, *args, rtol=0.0, atol=0.0, **kwargs):
    """Run ``program`` on both libraries, compare, and return (edu, torch) results as plain values."""
    ref = run(program, "torch", *args, **kwargs)
    edu = run(program, "edu", *args, **kwargs)
    assert_same(edu, ref, rtol, atol)
    return plain(edu), plain(ref)


def state_of(shapes, seed, scale=0.5):
    """A state dict of float64 NumPy arrays drawn with one seed: the same for both libraries."""
    rng = np.random.default_rng(seed)
    return {name: scale * rng.standard_normal(shape) for name, shape in shapes.items()}


# ----- the programs -----------------------------------------------------------------------------------
def test_p01_polyfit_manual_updates():
    init = list(np.random.default_rng(1).standard_normal(4))
    edu, ref = both("p01_polyfit_manual", init, rtol=1e-9, atol=1e-12)
    assert ref["loss"] < 50  # the fit works


def test_p02_custom_autograd_function_legendre():
    both("p02_legendre_function", rtol=1e-9, atol=1e-12)  # a and c stay ~1e-17: rounding noise


def test_p03_module_with_sgd_and_mse():
    state_module = {k: np.array(v) for k, v in zip("abcd", np.random.default_rng(3).standard_normal(4))}
    state_sequential = state_of({"0.weight": (1, 3), "0.bias": (1,)}, 4)
    both("p03_module_sgd", state_module, state_sequential, rtol=1e-9, atol=1e-12)


def torch_like_state(program, build, seed):
    """Starting weights for ``build(module)`` (a model of ``program`` made with the real torch):
    every weight and bias drawn with NumPy like torch's default init (uniform, bound 1/sqrt(fan_in)),
    norm layers' affine parameters and buffers kept at their fixed defaults."""
    rng = np.random.default_rng(seed)
    model, state = build(load(program, "torch")), {}
    norm_layers = {name for name, m in model.named_modules() if "Norm" in type(m).__name__}
    for key, value in model.state_dict().items():
        owner = key.rsplit(".", 1)[0]
        if owner in norm_layers or not value.is_floating_point():
            state[key] = value.numpy().copy()
            continue
        weight = model.state_dict()[owner + ".weight"] if owner + ".weight" in model.state_dict() else value
        fan_in = int(np.prod(weight.shape[1:])) if weight.dim() > 1 else weight.shape[0]
        bound = 1 / np.sqrt(fan_in)
        state[key] = rng.uniform(-bound, bound, tuple(value.shape))
    return state


def mnist_like(n, size, seed):
    """Synthetic MNIST-like pictures: class k is a bright horizontal bar at row k+1 and a vertical
    bar at column size-2-k//2, on noise; float64 images (n, 1, size, size) and int64 labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    images = 0.1 * rng.standard_normal((n, 1, size, size))
    for i, k in enumerate(labels):
        images[i, 0, k + 1, 1:-1] += 1.0
        images[i, 0, 1:-1, size - 2 - k // 2] += 0.7
    return images, labels.astype(np.int64)


def test_p04_mnist_cnn_batchnorm_dropout_steplr_adadelta():
    """Exact comparison with the dropout layers in the model at p=0 (the masks are random and the
    two libraries' streams differ); at p=0.25 the masks are compared in distribution."""
    images, labels = mnist_like(64, 12, seed=5)
    state = torch_like_state("p04_mnist_cnn", lambda m: m.Net().double(), seed=6)
    edu, ref = both("p04_mnist_cnn", state, images, labels, dropout=(0.0, 0.0), rtol=1e-7, atol=1e-9)
    assert ref["losses"][-1] < ref["losses"][0] and ref["lrs"] == [0.7, 0.7 ** 2, 0.7 ** 3]
    edu = plain(run("p04_mnist_cnn", "edu", state, images, labels, epochs=1))
    assert np.isfinite(edu["losses"]).all()
    assert abs(edu["dropout_zero_fraction"] - 0.25) < 0.02  # 20000 draws: 5 standard deviations
    assert edu["dropout_kept_values"] == [1 / 0.75]


def same_normals(normals):
    """A ``patch`` for ``run``: the program's ``torch.randn_like`` gives the next of ``normals``
    (NumPy arrays, the same for both libraries) instead of its library's own random stream."""
    def patch(module):
        library, queue = module.torch, list(normals)

        def randn_like(t, **kwargs):
            draw = queue.pop(0)
            assert draw.shape == tuple(t.shape), f"randn_like of shape {tuple(t.shape)}, prepared {draw.shape}"
            return library.from_numpy(draw).to(t.dtype)
        proxy = types.ModuleType(library.__name__)
        proxy.__dict__.update(vars(library))
        proxy.randn_like = randn_like
        module.torch = proxy
    return patch


def test_p05_vae_reparameterisation_kl_bce():
    rng = np.random.default_rng(7)
    images = (rng.uniform(size=(48, 1, 8, 8)) < 0.3).astype(np.float64)
    state = torch_like_state("p05_vae", lambda m: m.VAE().double(), seed=8)
    normals = [rng.standard_normal((16, 4)) for _ in range(4 * 3)]
    edu, ref = both("p05_vae", state, images, rtol=1e-7, atol=1e-10, patch=same_normals(normals))
    assert ref["train_losses"][-1] < ref["train_losses"][0]
    edu = plain(run("p05_vae", "edu", state, images, epochs=1))  # the engine's own randn_like
    assert np.isfinite(edu["train_losses"]).all()


def test_p06_makemore_mlp_language_model():
    """Training is compared exactly; the samples come from each library's own stream, so the
    sampled names are compared for form, and 4000 first-character draws with the exact
    probabilities of the trained model (both libraries' counts within 5 standard deviations)."""
    vocab, dim, hidden = 22, 4, 32
    rng = np.random.default_rng(9)
    params = [rng.standard_normal((vocab, dim)), rng.standard_normal((3 * dim, hidden)) * 0.2,
              rng.standard_normal(hidden) * 0.01, rng.standard_normal((hidden, vocab)) * 0.01, np.zeros(vocab)]
    ref = plain(run("p06_makemore_mlp", "torch", params))
    edu = plain(run("p06_makemore_mlp", "edu", params))
    assert ref["vocab"] == edu["vocab"] and len(ref["vocab"]) == vocab
    assert_same(edu["lossi"], ref["lossi"], rtol=1e-9)
    assert_same(edu["first_char_probs"], ref["first_char_probs"], rtol=1e-9, atol=1e-15)
    assert edu["n_params"] == ref["n_params"] == sum(p.size for p in params)
    assert ref["lossi"][-1] < 0.6 * ref["lossi"][0]
    p = ref["first_char_probs"]
    for result in (ref, edu):
        counts = result["first_char_counts"]
        assert counts.sum() == 4000 and counts.dtype == np.int64
        assert (np.abs(counts - 4000 * p) <= 5 * np.sqrt(4000 * p * (1 - p)) + 1).all(), (counts, 4000 * p)
        assert len(result["names"]) == 8 and all(set(n) <= set(ref["vocab"][1:]) for n in result["names"])


def test_p07_lenet_with_adaptive_avg_pool():
    images, labels = mnist_like(32, 20, seed=10)
    state = torch_like_state("p07_lenet_adaptive", lambda m: m.LeNet().double(), seed=11)
    edu, ref = both("p07_lenet_adaptive", state, images, labels, rtol=1e-7, atol=1e-9)
    assert ref["history"][-1][0] < ref["history"][0][0]  # the loss goes down (slowly: 6 epochs of 4 batches)


def classes(n, n_in, n_classes, seed):
    """Gaussian blobs: float64 features (n, n_in), int64 labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, n)
    centres = 2.0 * rng.standard_normal((n_classes, n_in))
    return centres[labels] + rng.standard_normal((n, n_in)), labels.astype(np.int64)


def test_p08_what_is_torch_nn_really():
    x, y = classes(96, 20, 10, seed=12)
    w0 = np.random.default_rng(13).standard_normal((20, 10))
    state = torch_like_state("p08_nn_really", lambda m: m.MnistLogistic(20, 10).double(), seed=14)
    edu, ref = both("p08_nn_really", x, y, w0, state, rtol=1e-9, atol=1e-12)
    assert ref["valid"][-1] < ref["valid"][0]


def test_p09_sixty_minute_blitz():
    """The printed text is compared exactly (object addresses removed), the numbers within float64
    rounding."""
    import re
    rng = np.random.default_rng(15)
    state = torch_like_state("p09_blitz", lambda m: m.Net().double(), seed=16)
    args = (state, rng.standard_normal((1, 1, 32, 32)), rng.standard_normal(10), rng.standard_normal((1, 10)))
    ref = plain(run("p09_blitz", "torch", *args))
    edu = plain(run("p09_blitz", "edu", *args))
    ref_text, edu_text = (re.sub(r" at 0x[0-9a-fA-F]+", "", r["text"]).splitlines() for r in (ref, edu))
    # the one known difference: the loss is named as torch's node, but composed, its next nodes are
    # the engine's primitives (<MseLossBackward0> -> <AddmmBackward0> -> <AccumulateGrad> in torch)
    grad_fn_lines = [i for i, line in enumerate(ref_text) if line.startswith("<") and line.endswith(" object>")]
    assert [ref_text[i] for i in grad_fn_lines] == ["<MseLossBackward0 object>", "<AddmmBackward0 object>",
                                                    "<AccumulateGrad object>"]
    assert [edu_text[i] for i in grad_fn_lines] == ["<MseLossBackward0 object>", "<MeanBackward0 object>",
                                                    "<SumBackward0 object>"]
    assert [line for i, line in enumerate(edu_text) if i not in grad_fn_lines] == \
        [line for i, line in enumerate(ref_text) if i not in grad_fn_lines]
    assert_same(edu["numbers"], ref["numbers"], rtol=1e-9, atol=1e-12)


def test_p10_regression_adam_reduce_lr_on_plateau():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((100, 3))
    y = np.sin(x[:, 0]) + x[:, 1] * x[:, 2] + 0.1 * rng.standard_normal(100)
    state = torch_like_state("p10_regression_plateau", lambda m: m.torch.nn.Sequential(
        m.nn.Linear(3, 16), m.nn.ReLU(), m.nn.Linear(16, 16), m.nn.ReLU(), m.nn.Linear(16, 1)).double(), seed=18)
    edu, ref = both("p10_regression_plateau", state, x, y, rtol=1e-7, atol=1e-9)
    assert len(ref["lrs"]) > 1  # the plateau rule did cut the learning rate


def test_p11_layernorm_gelu_adamw_cosine_clipping():
    x, y = classes(96, 8, 3, seed=19)
    state = torch_like_state("p11_layernorm_gelu", lambda m: m.Classifier().double(), seed=20)
    edu, ref = both("p11_layernorm_gelu", state, x, y, rtol=1e-7, atol=1e-9)
    assert max(ref["norms"]) > 1.0 and ref["acc"] > 0.8  # the clipping acted; it learns


def test_p12_bigram_embedding_one_hot_gather_cumsum():
    rng = np.random.default_rng(21)
    vocab = len(set("to be or not to be that is the question whether tis nobler in the mind to suffer "))
    weight, starts, uniforms = rng.standard_normal((vocab, vocab)), [0, 9, 20, 41, 60], rng.uniform(size=30)
    edu, ref = both("p12_bigram", weight, starts, uniforms, rtol=1e-9, atol=1e-12)
    assert abs(ref["by_gather"] - ref["final"]) < 1e-12 and abs(ref["by_one_hot"] - ref["final"]) < 1e-12
