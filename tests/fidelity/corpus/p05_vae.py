"""The classic VAE example, shrunk to 8x8 pictures: an encoder to (mu, logvar), the
reparameterisation trick with ``torch.randn_like``, a sigmoid decoder, the loss
``F.binary_cross_entropy(..., reduction='sum')`` plus the KL term, ``optim.Adam``."""
import torch
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc21 = nn.Linear(32, 4)
        self.fc22 = nn.Linear(32, 4)
        self.fc3 = nn.Linear(4, 32)
        self.fc4 = nn.Linear(32, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def main(state, images, epochs=4, batch_size=16):
    model = VAE().double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    data = torch.from_numpy(images)
    train_losses = []
    for epoch in range(epochs):
        model.train()
        train_loss = 0
        for i in range(0, len(data), batch_size):
            batch = data[i:i + batch_size]
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(batch)
            loss = loss_function(recon_batch, batch, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        train_losses.append(train_loss / len(data))
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(data[:4].view(-1, 64))
        sample = model.decode(mu).view(4, 1, 8, 8)
    return dict(train_losses=train_losses, mu=mu, logvar=logvar, sample=sample,
                decoder=model.fc4.weight.detach())
