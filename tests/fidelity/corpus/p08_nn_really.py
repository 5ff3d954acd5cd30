""""What is torch.nn really?" in short: logistic regression written from scratch (``@``, a
hand-written ``log_softmax``, negative log-likelihood by indexing with ``range``), trained with
updates under ``no_grad``, then refactored step by step: ``F.cross_entropy``, ``nn.Module`` with
``nn.Parameter``, ``nn.Linear``, ``optim.SGD``, ``TensorDataset`` and ``DataLoader``, a validation
loss in ``eval()`` under ``no_grad``. The caller gives the data and the starting weights."""
import math

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


def from_scratch(x_train, y_train, w0, bs=16, lr=0.5, epochs=2):
    weights = torch.from_numpy(w0.copy()) / math.sqrt(w0.shape[0])
    weights.requires_grad_()
    bias = torch.zeros(w0.shape[1], dtype=torch.float64, requires_grad=True)

    def model(xb):
        return log_softmax(xb @ weights + bias)
    n = x_train.shape[0]
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            xb, yb = x_train[i * bs:i * bs + bs], y_train[i * bs:i * bs + bs]
            loss = nll(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    out = model(x_train)
    return loss.item(), accuracy(out, y_train).item(), F.cross_entropy(out, y_train).item(), weights.detach()


class MnistLogistic(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.lin = nn.Linear(n_in, n_out)

    def forward(self, xb):
        return self.lin(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    valid = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        model.eval()
        with torch.no_grad():
            valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)
        valid.append(valid_loss.item() / len(valid_dl))
    return valid


def main(x, y, w0, state):
    x_train, y_train, x_valid, y_valid = map(torch.tensor, (x[:64], y[:64], x[64:], y[64:]))
    scratch = from_scratch(x_train, y_train, w0)
    model = MnistLogistic(*w0.shape).double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    opt = optim.SGD(model.parameters(), lr=0.5)
    train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=16)
    valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=32)
    valid = fit(3, model, F.cross_entropy, opt, train_dl, valid_dl)
    return dict(scratch=scratch, valid=valid, weight=model.lin.weight.detach(), n_batches=len(train_dl))
