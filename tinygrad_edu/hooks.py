"""Tensor hooks (``Tensor.register_hook``, torch's ``torch/utils/hooks.py`` handle): a function
that backward calls with a tensor's gradient when it reaches that tensor, and whose result (if
not None) replaces the gradient. autograd.run_backward calls :func:`run_hooks`, and only while
any hook exists (``registered``), so backward without hooks pays nothing for them."""

registered = [0]  # how many tensor hooks exist


def register_hook(tensor, hook):
    """``Tensor.register_hook``: ``hook(g)`` runs when backward reaches ``tensor`` with its gradient
    ``g``, and a tensor it returns replaces ``g``. ``handle.remove()`` takes the hook away again."""
    hooks = getattr(tensor, "_hooks", None)
    if hooks is None:
        hooks = tensor._hooks = []
    hooks.append(hook)
    registered[0] += 1
    return HookHandle(hooks, hook)


class HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook away again."""

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)
            registered[0] -= 1


def run_hooks(tensor, g):
    """``g`` passed through the hooks of ``tensor`` (a leaf, or an op's output), in order."""
    for hook in getattr(tensor, "_hooks", None) or ():
        result = hook(g)
        g = g if result is None else result
    return g
