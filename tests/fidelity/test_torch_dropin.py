"""The engine as a drop-in for torch: a student's torch code runs unchanged with ``torch``, ``nn``,
``F``, ``optim``, ``TensorDataset`` and ``DataLoader`` bound to tinygrad_edu's.

The code under test is kept as SOURCE TEXT and executed twice, once with the real torch names and
once with tinygrad_edu's: seed 001 (the Galaxy10 CNN class, its validation and training loops and
the test-set evaluation, retyped from the student's notebook; only ``num_epochs`` is cut from 30
to 2 and the data are tiny random arrays), seed 002 (the ``RandomPermutation`` transform, its
indentation repaired from the PDF), and snippets of my own in the same style. Where the two runs
can be made to start from the same weights, their numbers are compared too.
"""
import numpy as np
import pytest

import tinygrad_edu as te
from tests.fidelity.torch_dropin_harness import bindings, edu_torch, run

torch = pytest.importorskip("torch")
from torch_ref.convert import copy_weights  # noqa: E402


# ----- seed 001: the Galaxy10 notebook (sheet 08) ----------------------------------------------------------
SEED_001_DATA = """
# (my data cell: the notebook's reads Galaxy10.h5 and splits with sklearn; the statistics lines are its own)
images = torch.from_numpy(raw_images)
labels = torch.from_numpy(raw_labels)
X_train, y_train = images[:80], labels[:80]
X_val, y_val = images[80:112], labels[80:112]
X_test, y_test = images[112:], labels[112:]
means = torch.mean(X_train, axis=(0,2,3))
stds = torch.std(X_train,axis=(0,2,3))
X_train = (X_train - means.view(1, 3, 1, 1)) / stds.view(1, 3, 1, 1)
X_val = (X_val - means.view(1, 3, 1, 1)) / stds.view(1, 3, 1, 1)
X_test = (X_test - means.view(1, 3, 1, 1)) / stds.view(1, 3, 1, 1)

train_dataset = TensorDataset(X_train, y_train)
val_dataset = TensorDataset(X_val, y_val)
test_dataset = TensorDataset(X_test, y_test)

train_loader = DataLoader(train_dataset, batch_size=64, shuffle=True)
val_loader = DataLoader(val_dataset, batch_size=64, shuffle=False)
test_loader = DataLoader(test_dataset, batch_size=64, shuffle=False)
"""

SEED_001_MODEL = """
class GalaxyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=8, kernel_size=5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(in_channels=8, out_channels=16, kernel_size=5)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 14 * 14, 64) # 14 is dimension size after last pooling
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.flatten(x)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

model = GalaxyCNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)
"""

SEED_001_VALIDATE = """
train_losses = []
train_accs = []
val_losses = []
val_accs = []

def validate(model, val_loader):
    losses = []
    correct = 0
    total = 0

    # TODO: Implement the validation loop
    model.eval()
    with torch.no_grad():
        for images, labels in val_loader:
            outputs = model(images)
            loss = criterion(outputs, labels)
            losses.append(loss.item())

            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

    avg_loss = np.mean(np.array(losses))
    accuracy = correct / total
    print(f'{accuracy:.2f}, {avg_loss:.2e}')
    return avg_loss, accuracy
"""

SEED_001_TRAIN = """
val_loss, val_acc = validate(model, val_loader)
val_losses.append(val_loss)
val_accs.append(val_acc)
num_epochs = 2  # the notebook: 30
best_val_loss = float('inf')
best_model_wts = None
for epoch in range(num_epochs):
    model.train()
    running_loss = 0.0
    correct = 0
    total = 0
    for images, labels in train_loader:
        optimizer.zero_grad()
        outputs = model(images)
        _, predicted = torch.max(outputs, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    avg_train_loss = running_loss / len(train_loader)
    train_accuracy = correct / total
    train_losses.append(avg_train_loss)
    train_accs.append(train_accuracy)

    val_loss, val_acc = validate(model, val_loader)
    val_losses.append(val_loss)
    val_accs.append(val_acc)
    if val_loss < best_val_loss:
        best_val_loss = val_loss
        best_model_wts = model.state_dict()
    print(f"Epoch {epoch+1}/{num_epochs}, Training Loss: {avg_train_loss:.2e}, Validation Loss: {val_loss:.2e}, Validation Accuracy: {val_acc:.2f}")

model.load_state_dict(best_model_wts)
def evaluate_on_test_set(model, test_loader):
    model.eval()
    y_true = []
    y_pred = []

    with torch.no_grad():
        for images, labels in test_loader:
            outputs = model(images)
            _, predicted = torch.max(outputs, 1)
            y_true.extend(labels.numpy())
            y_pred.extend(predicted.numpy())

    cm = confusion_matrix(y_true, y_pred)
    return cm

cm = evaluate_on_test_set(model, test_loader)
"""

SEED_001_VISUALIZE = """
unique_classes = torch.unique(labels)
shown = []
for i, class_id in enumerate(unique_classes):
    class_images = images[labels == class_id]
    for j in range(min(3, len(class_images))):
        shown.append((class_id.item(), class_images[j].permute(1, 2, 0).numpy().astype(int)))
"""


def confusion_matrix(y_true, y_pred):
    cm = np.zeros((10, 10), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[int(t), int(p)] += 1
    return cm


def _galaxy_data(n=128):
    rng = np.random.default_rng(0)
    raw_labels = rng.integers(0, 10, n).astype(np.int64)
    raw_images = (rng.random((n, 3, 69, 69)) * 255).astype(np.float32)
    raw_images[:, 0] += raw_labels[:, None, None] * 20  # something learnable
    return raw_images, raw_labels


@pytest.mark.mlph08
def test_seed_001_validation_matches_torch_with_the_same_weights():
    raw_images, raw_labels = _galaxy_data()
    spaces = {}
    for backend in ("torch", "edu"):
        ns = run(SEED_001_DATA + SEED_001_MODEL + SEED_001_VALIDATE, backend, raw_images=raw_images,
                 raw_labels=raw_labels)
        spaces[backend] = ns
    copy_weights(spaces["torch"]["model"], spaces["edu"]["model"])
    results = {b: ns["validate"](ns["model"], ns["val_loader"]) for b, ns in spaces.items()}
    assert results["edu"][1] == results["torch"][1]  # accuracy
    assert results["edu"][0] == pytest.approx(results["torch"][0], rel=1e-5)
    assert repr(spaces["edu"]["model"]) == repr(spaces["torch"]["model"])


@pytest.mark.mlph08
def test_seed_001_training_loop_and_test_evaluation_run_on_edu(capsys):
    raw_images, raw_labels = _galaxy_data()
    ns = run(SEED_001_DATA + SEED_001_MODEL + SEED_001_VALIDATE + SEED_001_TRAIN, "edu", raw_images=raw_images,
             raw_labels=raw_labels, confusion_matrix=confusion_matrix)
    assert len(ns["train_losses"]) == 2 and len(ns["val_losses"]) == 3
    assert all(np.isfinite(ns["train_losses"])) and all(0 <= a <= 1 for a in ns["val_accs"])
    assert ns["cm"].sum() == 16 and ns["best_model_wts"] is not None
    assert "Epoch 2/2, Training Loss:" in capsys.readouterr().out


@pytest.mark.mlph08
def test_seed_001_visualisation_indexing():
    raw_images, raw_labels = _galaxy_data(20)
    outs = {}
    for backend in ("torch", "edu"):
        t = bindings(backend)["torch"]
        outs[backend] = run(SEED_001_VISUALIZE, backend, images=t.from_numpy(raw_images),
                            labels=t.from_numpy(raw_labels))["shown"]
    assert [c for c, _ in outs["edu"]] == [c for c, _ in outs["torch"]]
    for (_, a), (_, b) in zip(outs["edu"], outs["torch"]):
        np.testing.assert_array_equal(a, b)


# ----- seed 002: RandomPermutation (EE-411 HW3) -------------------------------------------------------------
SEED_002 = """
class RandomPermutation(object):
    def __init__(self, num_features):
        self.num_features = num_features
        self.reindex = torch.randperm(num_features)

    def __call__(self, img):
        assert self.num_features == img.numel()

        orig_shape = img.shape
        img = img.view(-1)[self.reindex].view(orig_shape)

        return img
"""


@pytest.mark.ee411
def test_seed_002_random_permutation():
    img = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    perms = {}
    for backend in ("torch", "edu"):
        ns = run(SEED_002, backend)
        perms[backend] = ns["RandomPermutation"](784)
    perms["edu"].reindex = te.tensor(perms["torch"].reindex.numpy())  # the same permutation in both
    a = perms["edu"](te.tensor(img))
    b = perms["torch"](torch.from_numpy(img))
    assert a.shape == (1, 28, 28)
    np.testing.assert_array_equal(a.array, b.numpy())
    own = run(SEED_002, "edu")["RandomPermutation"](784)
    assert sorted(own.reindex.tolist()) == list(range(784))
    np.testing.assert_array_equal(np.sort(own(te.tensor(img)).array.ravel()), np.sort(img.ravel()))
    with pytest.raises(AssertionError):
        own(te.zeros(1, 10, 10))


# ----- my own snippets in the same style ----------------------------------------------------------------
MLP_NOTEBOOK = """
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 100)
        self.fc2 = nn.Linear(100, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

model = MLP()
n_params = count_parameters(model)

def train(model, optimizer, loader, epochs):
    criterion = nn.CrossEntropyLoss()
    history = []
    for epoch in range(epochs):
        model.train()
        for images, labels in loader:
            optimizer.zero_grad()
            outputs = model(images)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            _, predicted = torch.max(outputs.data, 1)
            acc = (predicted == labels).sum().item() / labels.size(0)
            history.append((loss.item(), acc))
    return history
"""


@pytest.mark.ee411
@pytest.mark.parametrize("config", ["sgd", "sgd_nesterov", "adam"])
def test_fashion_mlp_notebook_trains_like_torch(config):
    rng = np.random.default_rng(1)
    x, y = rng.random((96, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 96)
    make_opt = {"sgd": "optim.SGD(model.parameters(), lr=0.01)",
                "sgd_nesterov": "optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)",
                "adam": "optim.Adam(model.parameters(), lr=0.01)"}[config]
    spaces = {b: run(MLP_NOTEBOOK, b) for b in ("torch", "edu")}
    copy_weights(spaces["torch"]["model"], spaces["edu"]["model"])
    histories = {}
    for backend, ns in spaces.items():
        t = ns["torch"]
        loader = ns["DataLoader"](ns["TensorDataset"](t.from_numpy(x), t.from_numpy(y)), batch_size=32,
                                  shuffle=False, drop_last=True)
        optimizer = eval(make_opt, ns)
        histories[backend] = ns["train"](ns["model"], optimizer, loader, epochs=2)
    assert spaces["edu"]["n_params"] == spaces["torch"]["n_params"] == 784 * 100 + 100 + 100 * 100 + 100 + 1010
    np.testing.assert_allclose(np.array(histories["edu"]), np.array(histories["torch"]), rtol=1e-4, atol=1e-5)


MULTITASK_NOTEBOOK = """
def make_new_sample(x1, x2):
    new = torch.zeros(36, 36)
    new[:28, :28] = x1
    new[8:, 8:] = torch.maximum(new[8:, 8:], x2)
    return new

samples = torch.stack([make_new_sample(a, b) for a, b in zip(left, right)]).unsqueeze(1)
dataset = TensorDataset(samples, torch.from_numpy(y_left), torch.from_numpy(y_right))
loader = DataLoader(dataset, batch_size=4, shuffle=True)

class MultiTaskNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 10, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(10, 20, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(20 * 6 * 6, 50), nn.ReLU())
        self.decoder_left = nn.Linear(50, 10)
        self.decoder_right = nn.Linear(50, 10)

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder_left(z), self.decoder_right(z)

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = MultiTaskNet().to(device)
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
criterion = nn.CrossEntropyLoss()
losses = []
for images, labels_l, labels_r in loader:
    images, labels_l, labels_r = images.to(device), labels_l.to(device), labels_r.to(device)
    out_l, out_r = model(images)
    loss = (criterion(out_l, labels_l) + criterion(out_r, labels_r)) / 2
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
acc_left = (torch.argmax(out_l, dim=1) == labels_l).float().mean().item()
torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
checkpoint = torch.load(path)
model.load_state_dict(checkpoint["model"])
optimizer.load_state_dict(checkpoint["optimizer"])
"""


@pytest.mark.ee411
def test_multitask_notebook_with_checkpoint(tmp_path):
    rng = np.random.default_rng(2)
    t = edu_torch()
    left = [t.from_numpy(rng.random((28, 28)).astype(np.float32)) for _ in range(12)]
    right = [t.from_numpy(rng.random((28, 28)).astype(np.float32)) for _ in range(12)]
    ns = run(MULTITASK_NOTEBOOK, "edu", left=left, right=right, y_left=rng.integers(0, 10, 12),
             y_right=rng.integers(0, 10, 12), path=str(tmp_path / "mt.pt"))
    assert ns["samples"].shape == (12, 1, 36, 36) and len(ns["losses"]) == 3
    assert np.isfinite(ns["losses"]).all() and 0 <= ns["acc_left"] <= 1
    np.testing.assert_array_equal(ns["samples"].array[0, 0, :8, :28], left[0].array[:8])
