"""``tinygrad_edu.optim``: torch.optim's optimizers and learning-rate schedules, laid out like torch's
package (one module per optimizer; ``optimizer.py`` holds what they share, ``lr_scheduler.py`` the
schedules). Each module's docstring gives its update rule."""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "lr_scheduler"]
