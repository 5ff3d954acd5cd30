"""An ``nn.Module`` subclass with four ``nn.Parameter``s trained with ``optim.SGD`` (momentum) and
``nn.MSELoss(reduction='sum')``, then the ``nn.Sequential`` + ``nn.Flatten(0, 1)`` form of the same
model. The caller's state dicts replace the random starting values of both."""
import math

import torch


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item():.3f} + {self.b.item():.3f} x + {self.c.item():.3f} x^2 + {self.d.item():.3f} x^3'


def train(model, inputs, y, steps, lr, momentum=0.0):
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for t in range(steps):
        loss = criterion(model(inputs), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def main(state_module, state_sequential, steps=300):
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)
    model = Polynomial3().double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state_module.items()})
    loss_module = train(model, x, y, steps, lr=1e-6, momentum=0.9)

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    seq = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).double()
    seq.load_state_dict({k: torch.from_numpy(v) for k, v in state_sequential.items()})
    loss_seq = train(seq, xx, y, steps, lr=1e-6)
    linear = seq[0]
    return dict(loss_module=loss_module, text=model.string(), loss_sequential=loss_seq,
                weight=linear.weight.detach(), bias=linear.bias.detach(), xx_shape=list(xx.shape),
                names=[name for name, _ in seq.named_parameters()])
