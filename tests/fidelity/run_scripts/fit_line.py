"""A user's own small torch script (for test_run.py): fits a line with nn.Linear + SGD from
fixed starting weights and prints what a beginner prints. Takes the number of steps as argv[1]."""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

steps = int(sys.argv[1])
x = torch.linspace(-1, 1, 32, dtype=torch.float64).unsqueeze(1)
y = 3 * x - 0.5
model = nn.Linear(1, 1).double()
with torch.no_grad():
    model.weight.fill_(0.25)
    model.bias.zero_()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(TensorDataset(x, y), batch_size=8)
for epoch in range(steps):
    for xb, yb in loader:
        loss = F.mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d} loss {loss.item():.6f}")
print(__name__, sys.argv[1:], torch.ones(2, 2).sum(0))
print(f"w = {model.weight.item():.6f}, b = {model.bias.item():.6f}")
