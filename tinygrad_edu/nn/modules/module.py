"""``Module``, like torch's ``torch/nn/modules/module.py`` (``Parameter`` is in ``nn/parameter.py``,
the containers in ``container.py``).

A Module keeps three ordered dicts: ``_parameters``, ``_buffers`` and ``_modules``. Assigning a
Parameter or a Module to an attribute registers it there (``Module.__setattr__``), which is how
``parameters()``, ``state_dict()`` and ``repr`` find everything, in definition order, with torch's
dotted names (``features.0.weight``).
"""
import threading
from collections import OrderedDict

import numpy as np

from ...autograd import no_grad
from ...backend import device_of, parse_device, to_device
from ...tensor import Tensor, to_arguments
from ..parameter import Parameter

__all__ = ["Module"]


# The modules whose forward is running, innermost last: an engine error raised inside names the
# path of the layer it came from (``GalaxyCNN.fc1``), see ``Module.__call__``.
_call_stack = threading.local()


def _qualified_path(stack):
    names = [type(stack[0]).__name__]
    for parent, child in zip(stack, stack[1:]):
        name = next((n for n, m in parent._modules.items() if m is child), None)
        names.append(name if name is not None else type(child).__name__)
    return ".".join(names)


class Module:
    """Base class of every layer and model: subclass it, set layers as attributes in ``__init__``
    (after ``super().__init__()``) and write ``forward``."""

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ----- registration ---------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__ and isinstance(value, (Parameter, Module)):
            raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before "
                                 f"{type(self).__name__}.__init__() called super().__init__()")
        buffers = self.__dict__.get("_buffers", {})
        if name in buffers and (value is None or (isinstance(value, Tensor) and not isinstance(value, Parameter))):
            buffers[name] = value  # assigning to a buffer keeps it a buffer, like torch
            return
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):  # only called when normal lookup fails
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(a Parameter or None is required)")
        else:
            setattr(self, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is part of the state (saved in ``state_dict``) but not learnt."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(a Tensor or None is required)")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self.__dict__.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    # ----- traversal ------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True):
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients -----------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor._wrap(p._xp.zeros_like(p.array))

    # ----- dtype and device --------------------------------------------------------------------
    def _convert(self, fn):
        """Apply ``fn`` to the array of every parameter, gradient and buffer, in place (the Parameter
        objects stay the same, so an optimizer built before ``.to()`` still holds them)."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.array = fn(p.array)
                    if p.grad is not None:
                        p.grad = Tensor._wrap(fn(p.grad.array))
            for name, b in m._buffers.items():
                if b is not None:
                    b.array = fn(b.array)
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """``to(dtype)``, ``to(device)`` or both: only floating tensors change dtype, like torch."""
        dtype, device = to_arguments(args, dtype, device)
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
            self._convert(lambda a: a.astype(dtype, copy=False) if a.dtype.kind == "f" else a)
        if device is not None:
            target = parse_device(device)
            self._convert(lambda a: a if device_of(a) == target else to_device(a, target))
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def cuda(self, device=None):
        return self.to("cuda")

    def cpu(self):
        return self.to("cpu")

    def type(self, dst_type):
        return self.to(dst_type)

    # ----- state ---------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by dotted name. The tensors SHARE memory with the
        model (like torch's): copy them (``copy.deepcopy``) to keep a snapshot."""
        out = OrderedDict() if destination is None else destination
        for module_prefix, m in self.named_modules(prefix=prefix.rstrip(".")):
            dot = module_prefix + ("." if module_prefix else "")
            for name, p in m._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else Tensor._wrap(p.array)
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[dot + name] = b if keep_vars else Tensor._wrap(b.array)
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy the arrays of ``state_dict`` into this model's parameters and buffers.

        With ``strict=True`` the keys must match exactly; shapes must match always. Every problem is
        reported at once, naming the keys and the expected and actual shapes."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = (_key_errors(missing, unexpected) if strict else []) + _shape_errors(own, state_dict)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        _copy_into(own, state_dict)
        return _IncompatibleKeys(missing, unexpected)

    # ----- calling and printing -------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        stack = getattr(_call_stack, "modules", None)
        if stack is None:
            stack = _call_stack.modules = []
        stack.append(self)
        try:
            return self.forward(*args, **kwargs)
        except (ValueError, TypeError, IndexError, RuntimeError) as error:
            _name_layer(error, stack)
            raise
        except AttributeError as error:  # most often an input that is not a Tensor (a list, an array)
            wrong = [type(a).__name__ for a in args if isinstance(a, (list, tuple, np.ndarray))]
            if not wrong:
                raise
            raise TypeError(f"{_short_repr(self)}: expected Tensor inputs, got {', '.join(wrong)} (convert with "
                            f"tinygrad_edu.tensor(...) first)") from error
        finally:
            stack.pop()

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"\n  {extra}" if extra else "")
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))


def _name_layer(error, stack):
    """Prefix an error raised inside a forward with the path of the layer it came from
    (``in GalaxyCNN.fc1: ...``): the path is recorded by the innermost module the error passes
    through, and written into the message once, by the outermost."""
    if getattr(error, "_layer_named", False) or len(error.args) != 1 or not isinstance(error.args[0], str):
        return
    if getattr(error, "_layer_stack", None) is None:
        error._layer_stack = list(stack)
    if len(stack) > 1:
        return
    path = error._layer_stack
    layer, message = _short_repr(path[-1]), error.args[0]
    if len(path) > 1 or layer not in message:
        where = _qualified_path(path) + ("" if layer in message else f" ({layer})")
        error.args = (f"in {where}: {message}",)
    error._layer_named = True


def _short_repr(module):
    return repr(module) if not module._modules else type(module).__name__


def _key_errors(missing, unexpected):
    """Strict loading's complaints about keys, in torch's words (the missing ones first)."""
    errors = []
    for label, keys in (("Missing", missing), ("Unexpected", unexpected)):
        if keys:
            errors.append(f"{label} key(s) in state_dict: " + ", ".join(f'"{k}"' for k in keys) + ".")
    return errors


def _shape_errors(own, state_dict):
    """One message per key present in both whose shapes differ (checked even when not strict)."""
    errors = []
    for key, target in own.items():
        if key in state_dict:
            shape = tuple(np.shape(_array_of(state_dict[key])))
            if shape != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {shape} from "
                              f"checkpoint, the shape in current model is {tuple(target.shape)}.")
    return errors


def _copy_into(own, state_dict):
    """Copy the checkpoint's arrays into the model's tensors in place, moved to their device."""
    with no_grad():
        for key, target in own.items():
            if key in state_dict:
                value = _array_of(state_dict[key])
                if device_of(target.array) != "cpu" or device_of(value) != "cpu":
                    value = to_device(value, device_of(target.array))
                target.array[...] = value


def _array_of(value):
    if isinstance(value, Tensor):
        return value.array
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


class _IncompatibleKeys(tuple):
    """What ``load_state_dict`` returns: (missing_keys, unexpected_keys), like torch."""

    def __new__(cls, missing, unexpected):
        return super().__new__(cls, (missing, unexpected))

    missing_keys = property(lambda self: self[0])
    unexpected_keys = property(lambda self: self[1])

    def __repr__(self):
        if not self[0] and not self[1]:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self[0]}, unexpected_keys={self[1]})"
