"""A small classifier of the modern kind: ``nn.LayerNorm``, ``nn.GELU``, ``nn.Dropout(0.0)``,
``optim.AdamW`` with weight decay, ``CosineAnnealingLR`` stepped per epoch, and gradient clipping
with ``nn.utils.clip_grad_norm_`` (its returned total norm logged); accuracy with ``argmax``."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, n_in=8, width=32, n_classes=3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, width), nn.LayerNorm(width), nn.GELU(), nn.Dropout(0.0),
            nn.Linear(width, width), nn.LayerNorm(width), nn.GELU(),
            nn.Linear(width, n_classes))

    def forward(self, x):
        return self.net(x)


def main(state, x, y, epochs=20, batch_size=32):
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    model = Classifier().double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=1e-4)
    norms, losses, lrs = [], [], []
    for epoch in range(epochs):
        for i in range(0, len(X), batch_size):
            logits = model(X[i:i + batch_size])
            loss = F.cross_entropy(logits, Y[i:i + batch_size], label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norms.append(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
            optimizer.step()
        losses.append(loss.item())
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    with torch.no_grad():
        acc = (model(X).argmax(dim=-1) == Y).float().mean().item()
    return dict(norms=norms, losses=losses, lrs=lrs, acc=acc, ln=model.net[1].weight.detach(),
                state_keys=list(model.state_dict().keys()))
