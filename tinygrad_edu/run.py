"""Run your own torch script on the engine: ``python -m tinygrad_edu.run script.py [args]``.

The script runs as ``__main__`` (``sys.argv`` is ``[script.py, args...]``, its folder first on
``sys.path``) with the names ``torch``, ``torch.nn``, ``torch.nn.functional``, ``torch.optim``,
``torch.utils.data``, ``torch.autograd`` (and the few submodules below) bound to tinygrad_edu's,
so ``import torch`` and ``from torch.utils.data import DataLoader`` give the engine. Nothing of
the script is rewritten; a piece of torch the engine lacks then fails where the script uses it
(an AttributeError naming the missing name, or an error starting "not supported in tinygrad_edu").

``torch_bound_to_engine()`` is the same binding as a context manager (the corpus test uses it).
"""
import contextlib
import importlib
import os
import runpy
import sys

# torch's module name -> the engine module that stands in for it
TORCH_MODULES = {
    "torch": "tinygrad_edu",
    "torch.nn": "tinygrad_edu.nn",
    "torch.nn.functional": "tinygrad_edu.nn.functional",
    "torch.nn.init": "tinygrad_edu.nn.init",
    "torch.nn.utils": "tinygrad_edu.nn.utils",
    "torch.optim": "tinygrad_edu.optim",
    "torch.optim.lr_scheduler": "tinygrad_edu.optim.lr_scheduler",
    "torch.utils": "tinygrad_edu.utils",
    "torch.utils.data": "tinygrad_edu.utils.data",
    "torch.autograd": "tinygrad_edu.autograd",
    "torch.autograd.functional": "tinygrad_edu.autograd_functional",
}

USAGE = "usage: python -m tinygrad_edu.run script.py [args...]"


def _is_torch_name(name):
    return name == "torch" or name.startswith("torch.")


@contextlib.contextmanager
def torch_bound_to_engine():
    """Inside: ``import torch`` (and the submodules of ``TORCH_MODULES``) gives tinygrad_edu's.
    Any real torch already imported is set aside and put back on leaving, unchanged."""
    saved = {name: module for name, module in sys.modules.items() if _is_torch_name(name)}
    for name in saved:
        del sys.modules[name]
    sys.modules.update({alias: importlib.import_module(real) for alias, real in TORCH_MODULES.items()})
    try:
        yield
    finally:
        for name in [name for name in sys.modules if _is_torch_name(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def main(argv=None):
    """Run ``argv[0]`` with torch bound to the engine; 2 with one line on stderr for a user error."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    script = argv[0]
    if not os.path.isfile(script):
        print(f"tinygrad_edu.run: no such file: {script}", file=sys.stderr)
        return 2
    sys.argv = [script] + argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    with torch_bound_to_engine():
        runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
