"""Every sheet model, written ONCE against a backend namespace.

Each builder takes ``ns``: an :class:`experiments.backends.Backend` (anything with an ``.nn``
attribute) or directly a ``nn`` module (``torch.nn`` or ``tinygrad_edu.nn``), and returns a model of
that library. The architectures follow ``tests/nn/parity_models.py`` (same keys, same layouts), plus
the variants the tasks need (nni2 sizes, the two-skip cpsc663 autoencoder, the rotation-invariant
Galaxy model, the ee411.2.6 model, the linear autoencoder of cpsc663.P5.3).

Choices where the sheets leave room:
- mnist_cnn40: Conv(1->40, k5) ReLU MaxPool2 -> Flatten -> Linear(40*12*12 -> 10).
- multitask_lenet: ReLU after the shared Linear(20*6*6 = 720 -> 50) (36x36 inputs);
  each head is a Linear(50 -> 10).
- dense_autoencoder: 784-256-64-16-2 (ReLU between, none entering or leaving the 2-D code) and
  the mirror decoder with a Sigmoid on the pixels.
- conv_autoencoder_skip (cpsc663.P6.2, "skip connections from each pooling layer to its
  upsampling layer"): the output of pooling layer 2 (8x7x7) is added to the input of upsampling
  layer 1, and the output of pooling layer 1 (4x14x14) to the input of upsampling layer 2.
  (tests/nn/parity_models.py has a one-skip variant; this is the sheet's two-skip reading.)
- strided_autoencoder (nni2): channels (c1, c2) = (8, 16) "small", (16, 32) "medium",
  (32, 64) "large"; Conv(k3, s2, p1) twice, Linear to d; mirrored with ConvTranspose2d(op 1).
"""
from __future__ import annotations

import numpy as np

__all__ = ["galaxy_cnn", "RotationAveraged", "rotation_invariant_galaxy", "fashion_mlp", "fashion_cnn",
           "fashion_cnn_better", "fashion_cnn_bn", "multitask_lenet", "mnist_cnn40", "dense_autoencoder", "conv_autoencoder",
           "conv_autoencoder_skip", "strided_autoencoder", "linear_autoencoder", "encoder_classifier",
           "count_parameters", "numpy_init", "mlp_head", "state_to_numpy", "load_numpy_state", "copy_weights",
           "rot90", "BUILDERS"]

STRIDED_SIZES = {"small": (8, 16), "medium": (16, 32), "large": (32, 64)}


def _nn(ns):
    return ns.nn if hasattr(ns, "nn") and not hasattr(ns, "Linear") else ns


def _on_device(builder):
    """Builders given a Backend put the model on the backend's device (``--device cuda``) and, when
    the backend has a NumPy init seed set (``Backend.init_seed``, what ``python -m experiments`` does
    by default), draw the initial weights with :func:`numpy_init`, so that both backends start from
    the very same weights."""
    import functools

    @functools.wraps(builder)
    def build(ns, *args, **kwargs):
        model = builder(ns, *args, **kwargs)
        if getattr(ns, "init_seed", None) is not None:
            ns.init_count = getattr(ns, "init_count", 0) + 1
            numpy_init(model, ns, seed=(int(ns.init_seed), ns.init_count))
        return ns.model_to(model) if hasattr(ns, "model_to") else model
    return build


def numpy_init(model, backend, seed=0):
    """Re-draw every weight and bias from torch's default distributions with a NumPy generator.

    torch (and tinygrad_edu) initialise Linear, Conv2d and ConvTranspose2d weights with
    ``kaiming_uniform_(a=sqrt(5))`` and biases likewise, i.e. both ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
    with ``fan_in = weight.shape[1] * kernel size``. Drawing them here makes the initial weights a
    function of ``seed`` alone, the same on either backend. Other entries (buffers) are kept.
    """
    rng = np.random.default_rng(seed)
    state = state_to_numpy(model)
    for key, value in state.items():
        if not key.endswith(("weight", "bias")) or value.dtype.kind != "f":
            continue
        weight = state.get(key[:-4] + "weight") if key.endswith("bias") else value
        if weight is None or weight.ndim < 2:
            continue
        fan_in = weight.shape[1] * int(np.prod(weight.shape[2:]))
        bound = 1.0 / np.sqrt(fan_in)
        state[key] = rng.uniform(-bound, bound, size=value.shape).astype(value.dtype)
    return load_numpy_state(model, state, backend)


@_on_device
def galaxy_cnn(ns):
    """mlph08.1b: Conv(3->8,k5) ReLU Pool2 -> Conv(8->16,k5) ReLU Pool2 -> 3136 -> 64 -> 32 -> 10."""
    nn = _nn(ns)
    return nn.Sequential(
        nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 14 * 14, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def rot90(x, k=1):
    """Rotate a batch (N, C, H, W) by k*90 degrees counter-clockwise in the (H, W) plane (torch.rot90).

    Written with transpose and a flip, so it is a pure permutation of the pixels and
    differentiable in both libraries.
    """
    k %= 4
    for _ in range(k):
        x = _flip(x.transpose(2, 3), 2)
    return x


def _flip(x, dim):
    """``x`` reversed along ``dim``: torch's ``flip``; on tinygrad_edu, which has no ``flip`` yet and
    whose indexing refuses negative steps as torch's does, its GetItem op with a reversed slice."""
    if hasattr(x, "flip"):
        return x.flip(dim)
    from tinygrad_edu.ops.movement import GetItem
    return GetItem.apply(x, index=(slice(None),) * dim + (slice(None, None, -1),))


def _rotation_average_class(nn):
    class RotationAveraged(nn.Module):
        """Logits averaged over the four 90-degree rotations of the input (exactly invariant).

        The four logits l0..l3 (l_k for the input rotated k times) are combined as
        ((l0 + l2) + (l1 + l3)) / 4: rotating the input permutes them cyclically, and this sum is
        bit-for-bit the same for every cyclic permutation (IEEE addition is commutative), so the
        predictions are exactly invariant, not only up to rounding. With ``flips=True`` the eight
        elements of the dihedral group D4 are averaged the same way (l_k + l_k' pairs).
        """

        def __init__(self, base, flips=False):
            super().__init__()
            self.base = base
            self.flips = flips

        def _four(self, x):
            l0, l1, l2, l3 = (self.base(rot90(x, k)) for k in range(4))
            return (l0 + l2) + (l1 + l3)

        def forward(self, x):
            total = self._four(x)
            if self.flips:
                mirrored = _flip(x, 3)
                total = total + self._four(mirrored)
                return total / 8.0
            return total / 4.0

    return RotationAveraged


def RotationAveraged(ns, base, flips=False):  # noqa: N802 (a class factory)
    return _rotation_average_class(_nn(ns))(base, flips)


def rotation_invariant_galaxy(ns, flips=False):
    """mlph08.1f: the Galaxy CNN inside the four-rotation (or eight-element D4) average.

    (Not re-initialised as a whole: the base CNN starts from what ``galaxy_cnn`` draws, the same as a
    plain Galaxy CNN built after the same seed.)"""
    return RotationAveraged(ns, galaxy_cnn(ns), flips)


@_on_device
def fashion_mlp(ns):
    """ee411.2.2: 784 -> 100 -> 100 -> 10 with ReLU."""
    nn = _nn(ns)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                         nn.Linear(100, 10))


@_on_device
def fashion_cnn(ns):
    """ee411.2.3: three conv k3 (16, 32, 64, padding 1), each + ReLU + MaxPool2, then Linear."""
    nn = _nn(ns)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 3 * 3, 10))


@_on_device
def fashion_cnn_better(ns, dropout=0.25):
    """ee411.2.6: wider, two convs per block, a hidden dense layer and dropout."""
    nn = _nn(ns)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(128, 10))


@_on_device
def fashion_cnn_bn(ns, widths=(32, 64, 128), batch_norm=True, hidden=256, dropout=0.25):
    """ee411.2.6 with batch normalisation: three blocks Conv(k3, pad 1) [BatchNorm2d] ReLU MaxPool2
    (28 -> 14 -> 7 -> 3), then Linear(widths[-1] * 3 * 3 -> hidden) ReLU Dropout Linear(-> 10).
    With batch norm the convolutions have no bias (the BatchNorm bias takes its place, as usual)."""
    nn = _nn(ns)
    layers, c_in = [], 1
    for c_out in widths:
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm)]
        layers += [nn.BatchNorm2d(c_out)] if batch_norm else []
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
        c_in = c_out
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c_in * 3 * 3, hidden), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden, 10))


@_on_device
def multitask_lenet(ns):
    """ee411.3.3: shared LeNet encoder on 36x36 MultiMNIST images, two Linear heads (left, right)."""
    nn = _nn(ns)

    class MultiTaskLeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, 10, 5), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(10, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(20 * 6 * 6, 50), nn.ReLU())
            self.head_left = nn.Linear(50, 10)
            self.head_right = nn.Linear(50, 10)

        def forward(self, x):
            h = self.encoder(x)
            return self.head_left(h), self.head_right(h)

    return MultiTaskLeNet()


@_on_device
def mnist_cnn40(ns):
    """cpsc663.P4.2: Conv(1->40, k5) ReLU MaxPool2 -> Linear(40*12*12 -> 10)."""
    nn = _nn(ns)
    return nn.Sequential(nn.Conv2d(1, 40, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(40 * 12 * 12, 10))


def _autoencoder(nn, encoder, decoder):
    class AutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder

        def forward(self, x):
            return self.decoder(self.encoder(x))

    return AutoEncoder()


@_on_device
def dense_autoencoder(ns):
    """cpsc663.P5.4: 784-256-64-16-2 encoder (no non-linearity into or out of the code), mirrored."""
    nn = _nn(ns)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
                            nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 2))
    decoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 256), nn.ReLU(),
                            nn.Linear(256, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
    return _autoencoder(nn, encoder, decoder)


def _conv_encoder(nn):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(392, 20), nn.ReLU(), nn.Linear(20, 2))


@_on_device
def conv_autoencoder(ns):
    """cpsc663.P6.1 exactly as the sheet lists it (2-D code, nearest Upsample x2 decoder)."""
    nn = _nn(ns)
    decoder = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 392), nn.ReLU(), nn.Unflatten(1, (8, 7, 7)),
                            nn.Upsample(scale_factor=2), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
                            nn.Upsample(scale_factor=2), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    return _autoencoder(nn, _conv_encoder(nn), decoder)


@_on_device
def conv_autoencoder_skip(ns):
    """cpsc663.P6.2: P6.1 plus an additive skip from each pooling layer to its upsampling layer."""
    nn = _nn(ns)

    class SkipAutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = _conv_encoder(nn)
            self.to_map = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 392), nn.ReLU(),
                                        nn.Unflatten(1, (8, 7, 7)))
            self.up1 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU())
            self.up2 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())

        def encode(self, x):
            return self.encoder(x)

        def forward(self, x):
            pool1 = self.encoder[:3](x)          # 4 x 14 x 14
            pool2 = self.encoder[3:6](pool1)     # 8 x 7 x 7
            code = self.encoder[6:](pool2)       # 2
            return self.up2(self.up1(self.to_map(code) + pool2) + pool1)

    return SkipAutoEncoder()


@_on_device
def strided_autoencoder(ns, latent=10, size="medium"):
    """nni2.1: strided convs (no pooling) to a d-vector, strided transposed convs back, Sigmoid."""
    nn = _nn(ns)
    c1, c2 = STRIDED_SIZES[size]
    encoder = nn.Sequential(nn.Conv2d(1, c1, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Flatten(), nn.Linear(c2 * 7 * 7, latent))
    decoder = nn.Sequential(nn.Linear(latent, c2 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (c2, 7, 7)),
                            nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                            nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    return _autoencoder(nn, encoder, decoder)


@_on_device
def linear_autoencoder(ns, latent=2, n_in=784):
    """cpsc663.P5.3: x -> W_e x -> W_d W_e x, no non-linearity, no biases (inputs are centred)."""
    nn = _nn(ns)
    return _autoencoder(nn, nn.Linear(n_in, latent, bias=False), nn.Linear(latent, n_in, bias=False))


@_on_device
def mlp_head(ns, latent, hidden=32):
    """Linear(latent -> hidden) ReLU Linear(hidden -> 10)."""
    nn = _nn(ns)
    return nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 10))


def encoder_classifier(ns, encoder, latent, hidden=32):
    """nni2.4: an encoder (kept as it is: pre-trained or fresh) followed by a small MLP head."""
    nn = _nn(ns)
    return nn.Sequential(encoder, mlp_head(ns, latent, hidden))


BUILDERS = {
    "galaxy_cnn": galaxy_cnn, "rotation_invariant_galaxy": rotation_invariant_galaxy,
    "fashion_mlp": fashion_mlp, "fashion_cnn": fashion_cnn, "fashion_cnn_better": fashion_cnn_better,
    "fashion_cnn_bn": fashion_cnn_bn,
    "multitask_lenet": multitask_lenet, "mnist_cnn40": mnist_cnn40, "dense_autoencoder": dense_autoencoder,
    "conv_autoencoder": conv_autoencoder, "conv_autoencoder_skip": conv_autoencoder_skip,
    "strided_autoencoder": strided_autoencoder, "linear_autoencoder": linear_autoencoder,
}


def count_parameters(model, trainable_only=True):
    """ee411.2.4: the number of scalar parameters of a model (either library)."""
    return int(sum(int(np.prod(tuple(p.shape))) for p in model.parameters()
                   if p.requires_grad or not trainable_only))


def _np(value):
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.array(value, copy=True)   # a real copy, never an alias of the live weights


def state_to_numpy(model):
    """The model's state_dict as an ordered dict of NumPy COPIES (safe to keep as a checkpoint)."""
    return {k: _np(v) for k, v in model.state_dict().items()}


def load_numpy_state(model, state, backend):
    """Load a dict of NumPy arrays (e.g. from :func:`state_to_numpy`) into a model of ``backend``."""
    sd = {}
    for k, v in state.items():
        v = np.asarray(v)
        sd[k] = backend.tensor(v, dtype=backend.long if v.dtype.kind in "iu" else backend.float32)
    model.load_state_dict(sd)
    return model


def copy_weights(source, target, target_backend=None):
    """Copy every parameter and buffer of ``source`` into ``target`` (torch or edu, either way).

    Uses ``torch_ref.convert.copy_weights`` where it can be imported; else NumPy arrays with the
    same keys. Afterwards both models compute the same function (up to float rounding).
    """
    try:
        from torch_ref.convert import copy_weights as convert_copy
    except ImportError:
        convert_copy = None
    if convert_copy is not None and target_backend is None:
        convert_copy(source, target)
        return target
    if target_backend is None:
        raise ValueError("copy_weights: pass target_backend when torch_ref.convert is not available")
    return load_numpy_state(target, state_to_numpy(source), target_backend)
