"""A character-level MLP language model in the style of the makemore course: a dataset of
(3-character context -> next character), an embedding table ``C`` indexed as ``C[X]``, a tanh
hidden layer, ``F.cross_entropy``, plain SGD written as ``p.data += -lr * p.grad``, then sampling
names with ``torch.multinomial`` from a ``torch.Generator().manual_seed(...)``.
The caller gives the starting parameters (makemore draws them with ``torch.randn(generator=g)``)."""
import torch
import torch.nn.functional as F

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail",
         "ella", "luna", "noah", "liam", "oliver", "elijah", "lucas", "mason", "logan", "ethan", "leo",
         "anna", "nora", "lily", "ivy", "owen", "theo", "milo", "ada", "iris", "otto", "eli"]


def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def main(params, steps=200, n_samples=8, n_draws=4000):
    chars = sorted(list(set(''.join(WORDS))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi['.'] = 0
    itos = {i: s for s, i in stoi.items()}
    X, Y = build_dataset(WORDS, stoi)
    C, W1, b1, W2, b2 = [torch.tensor(p, dtype=torch.float64) for p in params]
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    n_params = sum(p.nelement() for p in parameters)
    lossi = []
    for i in range(steps):
        emb = C[X]
        h = torch.tanh(emb.view(-1, 3 * C.shape[1]) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Y)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.5 if i < 150 else 0.05
        for p in parameters:
            p.data += -lr * p.grad
        lossi.append(loss.item())

    g = torch.Generator().manual_seed(2147483647 + 10)
    names = []
    for _ in range(n_samples):
        out, context = [], [0] * 3
        while True:
            emb = C[torch.tensor([context])]
            h = torch.tanh(emb.view(1, -1) @ W1 + b1)
            probs = F.softmax(h @ W2 + b2, dim=1)
            ix = torch.multinomial(probs, num_samples=1, generator=g).item()
            context = context[1:] + [ix]
            if ix == 0 or len(out) > 20:
                break
            out.append(itos[ix])
        names.append(''.join(out))
    with torch.no_grad():
        emb = C[torch.tensor([[0, 0, 0]])]
        first = F.softmax(torch.tanh(emb.view(1, -1) @ W1 + b1) @ W2 + b2, dim=1)[0]
        draws = torch.multinomial(first, n_draws, replacement=True, generator=g)
        counts = torch.bincount(draws, minlength=len(itos))
    return dict(lossi=lossi, n_params=n_params, first_char_probs=first, first_char_counts=counts,
                names=names, vocab=''.join(itos[i] for i in range(len(itos))))
