"""AdamW (torch.optim.AdamW): Adam with decoupled weight decay, ``p <- p (1 - lr * weight_decay)``
before the Adam step, so the decay never enters the moment estimates (see ``adam.py`` for the rule).
Its default ``weight_decay`` is 0.01."""
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # as torch: an AdamW always decouples, whatever was saved
            group["decoupled_weight_decay"] = True
