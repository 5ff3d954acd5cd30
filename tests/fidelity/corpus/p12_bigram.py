"""A bigram character model in the style of a course's first language model: an ``nn.Embedding``
of logits, ``F.cross_entropy`` on ``logits.view(B*T, C)``, the same loss by hand with
``F.one_hot`` and with ``torch.gather``, ``optim.AdamW``, and generation by inverse-CDF sampling
with ``torch.cumsum`` on uniform numbers the caller gives (so both libraries draw the same)."""
import torch
import torch.nn as nn
from torch.nn import functional as F

TEXT = "to be or not to be that is the question whether tis nobler in the mind to suffer "


class BigramLanguageModel(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, vocab_size)

    def forward(self, idx, targets=None):
        logits = self.token_embedding_table(idx)
        if targets is None:
            return logits, None
        B, T, C = logits.shape
        loss = F.cross_entropy(logits.view(B * T, C), targets.view(B * T))
        return logits, loss

    def generate(self, idx, uniforms):
        for u in uniforms:
            logits, _ = self(idx)
            probs = F.softmax(logits[:, -1, :], dim=-1)
            cdf = torch.cumsum(probs, dim=-1)
            idx_next = (cdf < u.unsqueeze(-1)).sum(dim=-1, keepdim=True).clamp(max=probs.shape[-1] - 1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


def main(weight, starts, uniforms, steps=150, block_size=8):
    chars = sorted(list(set(TEXT)))
    stoi = {ch: i for i, ch in enumerate(chars)}
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731
    decode = lambda l: ''.join([chars[i] for i in l])  # noqa: E731
    data = torch.tensor(encode(TEXT), dtype=torch.long)
    model = BigramLanguageModel(len(chars)).double()
    model.load_state_dict({'token_embedding_table.weight': torch.from_numpy(weight)})
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-1)
    ix = torch.tensor(starts)
    xb = torch.stack([data[i:i + block_size] for i in ix])
    yb = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    losses = []
    for step in range(steps):
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        logits, loss = model(xb, yb)
        logp = F.log_softmax(logits, dim=-1)
        by_one_hot = -(F.one_hot(yb, num_classes=len(chars)) * logp).sum(-1).mean()
        by_gather = -torch.gather(logp, 2, yb.unsqueeze(-1)).squeeze(-1).mean()
        out = model.generate(torch.zeros((1, 1), dtype=torch.long), torch.from_numpy(uniforms).view(-1, 1))
    return dict(losses=losses, final=loss.item(), by_one_hot=by_one_hot.item(), by_gather=by_gather.item(),
                text=decode(out[0].tolist()), one_hot_dtype=str(F.one_hot(yb).dtype == torch.int64))
