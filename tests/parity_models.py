"""The sheets' architectures, each written ONCE against a backend namespace ``nn`` (``torch.nn`` or
``tinygrad_edu.nn``), so the parity tests build the very same model in both libraries.

(To be moved to experiments/models.py.) ``MODELS`` maps a name to (builder, input shape of one
sample, kind), where kind says which loss the parity test puts on the outputs:
"classify" (cross-entropy on 10 classes), "multitask" (the mean of two cross-entropies) or
"reconstruct" (mean squared error against the input).

Choices where the sheets leave room (documented here, used everywhere):
- mnist_cnn40: Conv(1->40, k5) ReLU MaxPool2 -> Flatten -> Linear(40*12*12 -> 10).
- multitask_lenet: ReLU after the shared Linear(720 -> 50); each head is a Linear(50 -> 10).
- dense_autoencoder: 784-256-64-16-2 encoder (ReLU between, none on the 2-D code), the mirror
  2-16-64-256-784 decoder with ReLU between and a Sigmoid on the pixels.
- conv_autoencoder_skip: the cpsc663 conv AE plus one additive skip: the encoder's first pooled
  map (4 x 14 x 14) is added to the decoder's map of the same shape (after conv 8->4 + ReLU).
- strided_autoencoder (nni2): Conv(1->16, k3, s2, p1) ReLU Conv(16->32, k3, s2, p1) ReLU ->
  Linear(1568 -> 10); Linear(10 -> 1568) ReLU Unflatten(32, 7, 7) ConvT(32->16, k3, s2, p1, op1)
  ReLU ConvT(16->1, k3, s2, p1, op1) Sigmoid.
"""


def galaxy_cnn(nn):
    """Galaxy10 (sheet 08): 3 x 69 x 69 images, 10 classes."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 14 * 14, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def fashion_mlp(nn):
    """EE-411 HW3: two hidden layers of 100 with ReLU."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                         nn.Linear(100, 10))


def fashion_cnn(nn):
    """EE-411 HW3: three conv k3 (16, 32, 64 channels, padding 1), each + ReLU + MaxPool2, then Linear."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 3 * 3, 10))


def multitask_lenet(nn):
    """EE-411 HW3 MultiMNIST: a shared LeNet encoder on 36 x 36 images and two Linear heads."""

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


def mnist_cnn40(nn):
    """The 40-filter MNIST CNN: one conv layer of 40 filters (k5), ReLU, MaxPool2, Linear."""
    return nn.Sequential(nn.Conv2d(1, 40, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(40 * 12 * 12, 10))


def _autoencoder(nn, encoder, decoder):
    class AutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder

        def forward(self, x):
            return self.decoder(self.encoder(x))

    return AutoEncoder()


def dense_autoencoder(nn):
    """The dense MNIST autoencoder with a 2-D code: 4 Linear layers each way."""
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(),
                            nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 2))
    decoder = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 256), nn.ReLU(),
                            nn.Linear(256, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
    return _autoencoder(nn, encoder, decoder)


def _conv_encoder(nn):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(392, 20), nn.ReLU(), nn.Linear(20, 2))


def conv_autoencoder(nn):
    """cpsc663: conv encoder to a 2-D code, Upsample + conv decoder."""
    decoder = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 392), nn.ReLU(), nn.Unflatten(1, (8, 7, 7)),
                            nn.Upsample(scale_factor=2), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
                            nn.Upsample(scale_factor=2), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    return _autoencoder(nn, _conv_encoder(nn), decoder)


def conv_autoencoder_skip(nn):
    """cpsc663 with a skip connection from the encoder's first block to the decoder."""

    class SkipAutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = _conv_encoder(nn)
            self.to_map = nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 392), nn.ReLU(),
                                        nn.Unflatten(1, (8, 7, 7)))
            self.up1 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU())
            self.up2 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())

        def forward(self, x):
            skip = self.encoder[:3](x)            # 4 x 14 x 14 after the first conv block
            code = self.encoder[3:](skip)
            return self.up2(self.up1(self.to_map(code)) + skip)

    return SkipAutoEncoder()


def strided_autoencoder(nn, latent=10):
    """nni2: strided convolutions down to a d=10 code, transposed convolutions back up."""
    encoder = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Flatten(), nn.Linear(32 * 7 * 7, latent))
    decoder = nn.Sequential(nn.Linear(latent, 32 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
                            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    return _autoencoder(nn, encoder, decoder)


MODELS = {
    "galaxy_cnn": (galaxy_cnn, (3, 69, 69), "classify"),
    "fashion_mlp": (fashion_mlp, (1, 28, 28), "classify"),
    "fashion_cnn": (fashion_cnn, (1, 28, 28), "classify"),
    "multitask_lenet": (multitask_lenet, (1, 36, 36), "multitask"),
    "mnist_cnn40": (mnist_cnn40, (1, 28, 28), "classify"),
    "dense_autoencoder": (dense_autoencoder, (1, 28, 28), "reconstruct"),
    "conv_autoencoder": (conv_autoencoder, (1, 28, 28), "reconstruct"),
    "conv_autoencoder_skip": (conv_autoencoder_skip, (1, 28, 28), "reconstruct"),
    "strided_autoencoder": (strided_autoencoder, (1, 28, 28), "reconstruct"),
}
