"""The sheets' architectures for the parity tests: the very builders the experiments use
(experiments/models.py, each written once against a backend namespace), so parity is proven for
the models that are actually trained.

``MODELS`` maps a name to (builder, input shape of one sample, kind), where kind says which loss
the parity test puts on the outputs: "classify" (cross-entropy on 10 classes), "multitask" (the
mean of two cross-entropies) or "reconstruct" (mean squared error against the input).
"""
import functools

from experiments import models as M

MODELS = {
    "galaxy_cnn": (M.galaxy_cnn, (3, 69, 69), "classify"),
    "rotation_invariant_galaxy": (M.rotation_invariant_galaxy, (3, 69, 69), "classify"),
    "fashion_mlp": (M.fashion_mlp, (1, 28, 28), "classify"),
    "fashion_cnn": (M.fashion_cnn, (1, 28, 28), "classify"),
    # dropout draws different masks in the two libraries: compared with p = 0 (same layers otherwise)
    "fashion_cnn_better": (functools.partial(M.fashion_cnn_better, dropout=0.0), (1, 28, 28), "classify"),
    "multitask_lenet": (M.multitask_lenet, (1, 36, 36), "multitask"),
    "mnist_cnn40": (M.mnist_cnn40, (1, 28, 28), "classify"),
    "dense_autoencoder": (M.dense_autoencoder, (1, 28, 28), "reconstruct"),
    "conv_autoencoder": (M.conv_autoencoder, (1, 28, 28), "reconstruct"),
    "conv_autoencoder_skip": (M.conv_autoencoder_skip, (1, 28, 28), "reconstruct"),
    "strided_autoencoder": (functools.partial(M.strided_autoencoder, latent=10), (1, 28, 28), "reconstruct"),
}
