"""The 60-minute blitz in short: tensors made from data, with ``zeros``/``ones_like``/``rand``,
attributes, in-place ``y.add_(x)``, ``view(-1, 8)``, ``.item()``, the NumPy bridge both ways
(``from_numpy`` shares memory), printing; then the blitz's small convolutional net with
``net.zero_grad()``, ``out.backward(g)``, ``nn.MSELoss``, ``grad_fn.next_functions`` and the manual
update ``f.data.sub_(f.grad.data * learning_rate)``. What it prints is returned as text."""
import contextlib
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def tensors():
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    print(x_data, x_data.dtype == torch.int64)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    print(x_np)
    x_ones = torch.ones_like(x_data)
    print(f"Ones Tensor: \n {x_ones} \n")
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    print(x_rand.shape, x_rand.dtype == torch.float32, bool(((x_rand >= 0) & (x_rand < 1)).all()))
    shape = (2, 3,)
    print(torch.ones(shape), torch.zeros(shape))
    tensor = torch.ones(4, 4)
    tensor[:, 1] = 0
    print(tensor)
    print(torch.cat([tensor, tensor, tensor], dim=1).size())
    y1 = tensor @ tensor.T
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    print(y1, torch.equal(y1, y3))
    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    print(f"{tensor} \n")
    tensor.add_(5)
    print(tensor)
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    print(f"t: {t}", f"n: {n}")
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    print(f"t: {t}", f"n: {n}")
    x = torch.arange(16.)
    y = x.view(-1, 8)
    z = x.view(16)
    print(x.size(), y.size(), z.size(), y)
    x = torch.zeros(5, 3, dtype=torch.long)
    print(x)
    x = torch.tensor([5.5, 3])
    x = x.new_ones(5, 3, dtype=torch.double)
    print(x)
    y = torch.full((5, 3), 0.5, dtype=torch.double)
    y.add_(x)
    print(y, y[:, 1], torch.add(x, y))


def network(state, image, target, upstream, learning_rate=0.01):
    net = Net().double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    print(net)
    params = list(net.parameters())
    print(len(params), params[0].size())
    input = torch.from_numpy(image)
    out = net(input)
    net.zero_grad()
    out.backward(torch.from_numpy(upstream))
    grad_by_upstream = net.conv1.weight.grad.clone()
    output = net(input)
    criterion = nn.MSELoss()
    loss = criterion(output, torch.from_numpy(target).view(1, -1))
    print(loss.grad_fn)
    print(loss.grad_fn.next_functions[0][0])
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])
    net.zero_grad()
    print('conv1.bias.grad before backward', net.conv1.bias.grad)
    loss.backward()
    bias_grad = net.conv1.bias.grad.clone()
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    return loss.item(), out.detach(), grad_by_upstream, bias_grad, net.fc3.weight.detach(), net(input).detach()


def main(state, image, target, upstream):
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        tensors()
        numbers = network(state, image, target, upstream)
    return dict(text=text.getvalue(), numbers=numbers)
