"""A LeNet-5 with ``nn.AdaptiveAvgPool2d`` before the classifier (as torchvision's models do), on
20x20 synthetic MNIST-like pictures made by the caller: ``nn.CrossEntropyLoss``, ``optim.SGD`` with
momentum and weight decay, accuracy counted with ``argmax`` and ``.sum().item()``."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.fc1 = nn.Linear(16 * 2 * 2, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main(state, images, labels, epochs=6, batch_size=8):
    net = LeNet().double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    inputs_all, labels_all = torch.from_numpy(images), torch.from_numpy(labels)
    history = []
    for epoch in range(epochs):
        running_loss, correct = 0.0, 0
        for i in range(0, len(inputs_all), batch_size):
            inputs, targets = inputs_all[i:i + batch_size], labels_all[i:i + batch_size]
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            _, predicted = torch.max(outputs.data, 1)
            correct += (predicted == targets).sum().item()
        history.append((running_loss, correct))
    pooled = net.avgpool(torch.arange(2 * 3 * 5, dtype=torch.float64).view(1, 2, 3, 5))
    return dict(history=history, fc3=net.fc3.weight.detach(), pooled=pooled, pooled_shape=list(pooled.shape))
