"""A regression with ``nn.Sequential(nn.Linear, nn.ReLU, ...)``, ``optim.Adam`` and
``ReduceLROnPlateau`` stepped on the validation loss; the learning rate read back from
``optimizer.param_groups``, the best weights kept with ``state_dict()`` and ``copy.deepcopy``."""
import copy

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import ReduceLROnPlateau


def main(state, x, y, epochs=60):
    X, Y = torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)
    X_train, Y_train, X_val, Y_val = X[:80], Y[:80], X[80:], Y[80:]
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    scheduler = ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=3)
    best, best_state, history = float('inf'), None, []
    for epoch in range(epochs):
        model.train()
        permutation = torch.arange(80).view(4, 20)
        for idx in permutation:
            optimizer.zero_grad()
            loss = loss_fn(model(X_train[idx]), Y_train[idx])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = loss_fn(model(X_val), Y_val).item()
        scheduler.step(val_loss)
        history.append((round(val_loss, 6), optimizer.param_groups[0]['lr']))
        if val_loss < best:
            best, best_state = val_loss, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    with torch.no_grad():
        best_again = loss_fn(model(X_val), Y_val).item()
    return dict(history=history, best=best, best_again=best_again, lrs=sorted(set(h[1] for h in history)),
                last_layer=model[4].weight.detach())
