"""The classic MNIST example's shape, shrunk: two convolutions with ``nn.BatchNorm2d``, max
pooling, ``nn.Dropout``, ``log_softmax`` + ``F.nll_loss``, ``optim.Adadelta`` stepped per batch
and ``optim.lr_scheduler.StepLR`` per epoch, a test loop under ``torch.no_grad()`` in ``eval()``.
The images are small synthetic MNIST-like 12x12 pictures made by the caller (no download)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, dropout=(0.25, 0.5)):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.bn2 = nn.BatchNorm2d(16)
        self.dropout1 = nn.Dropout(dropout[0])
        self.dropout2 = nn.Dropout(dropout[1])
        self.fc1 = nn.Linear(256, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        output = F.log_softmax(self.fc2(x), dim=1)
        return output


def train(model, train_loader, optimizer):
    model.train()
    losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test(model, test_loader):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(test_loader.dataset), correct


def main(state, images, labels, epochs=3, dropout=(0.25, 0.5)):
    torch.manual_seed(1)
    model = Net(dropout).double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    train_loader = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=16)
    test_loader = DataLoader(TensorDataset(x[48:], y[48:]), batch_size=16)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses, tests, lrs = [], [], []
    for epoch in range(1, epochs + 1):
        losses += train(model, train_loader, optimizer)
        tests.append(test(model, test_loader))
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    model.train()
    kept = model.dropout1(torch.ones(20000, dtype=torch.float64))
    return dict(losses=losses, tests=tests, lrs=lrs, running_mean=model.bn2.running_mean,
                running_var=model.bn2.running_var, batches=model.bn1.num_batches_tracked.item(),
                fc2=model.fc2.weight.detach(), dropout_zero_fraction=(kept == 0).double().mean().item(),
                dropout_kept_values=sorted(set(kept[kept != 0].tolist())))
