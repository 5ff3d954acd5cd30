"""A stand-in for CuPy, so the engine's "cuda" code path runs (and is tested) on a machine without a GPU.

``FakeArray`` holds a NumPy array but behaves like a ``cupy.ndarray`` where it matters for the
engine's code:

* It refuses implicit conversion to NumPy, as CuPy does: ``np.asarray(x)``, ``np.array(x)`` and
  ``x.__array__()`` raise ``TypeError``; so do NumPy's ufuncs and functions applied to it
  (``np.exp(x)``, ``np.concatenate([x])``, ``np.add.at(x, ...)``) and arithmetic that mixes it with
  a NumPy array of one or more dimensions (``x + np.ones(3)``). CuPy dispatches *some* ``np.``
  functions to itself (NEP 13/18); the stand-in refuses all of them, which is stricter: code that
  runs here runs on CuPy, and a NumPy-only call on the device path fails a test.
* Data leaves the device only explicitly: ``asnumpy(x)``, ``x.get()``, ``x.item()``, ``x.tolist()``,
  ``float(x)`` / ``int(x)`` / ``bool(x)`` of a one-element array (``float`` of a longer one is a
  ``TypeError``, as in CuPy).
* Reductions return 0-d device arrays, not NumPy scalars (``xp.sum(x)``, ``x.max()``), as CuPy's do.

The module itself plays ``cupy``: ``fake_cuda.exp``, ``fake_cuda.zeros``, ``fake_cuda.lib.stride_tricks``,
... are NumPy's functions wrapped so that device arrays go in and device arrays come out (NumPy
arrays passed to them are refused, except through ``asarray``/``array``, the host-to-device copy).
``scatter_add`` plays ``cupyx.scatter_add``. ``tinygrad_edu.backend`` uses this module for
device="cuda" when ``TINYGRAD_EDU_FAKE_CUDA=1`` is set or the tests call ``backend.use_fake_cuda()``
(real CuPy, where present, is used instead).
"""
import operator
import types

import numpy as np

_REFUSED = ("Implicit conversion to a NumPy array is not allowed (fake CUDA device, like CuPy). "
            "Use backend.to_numpy(x) / x.get() to copy it to the host explicitly.")


def _as_host(value, where):
    """Arguments for NumPy: device arrays unwrapped, NumPy arrays (ndim >= 1) refused as CuPy does."""
    if isinstance(value, FakeArray):
        return value._a
    if isinstance(value, np.ndarray) and value.ndim > 0:
        raise TypeError(f"{where}: unsupported type {type(value)} on the fake CUDA device "
                        f"(a NumPy array, shape {value.shape}); move it with backend.to_device first")
    if isinstance(value, (list, tuple)):
        return type(value)(_as_host(v, where) for v in value)
    return value


def _as_device(value):
    """Results back on the device: arrays and NumPy scalars become FakeArrays (CuPy has no scalars)."""
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, np.dtype):
        return FakeArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_as_device(v) for v in value)
    if isinstance(value, list):
        return [_as_device(v) for v in value]
    return value


def _on_device(fn, where):
    """``fn`` (a NumPy function or method) taking and returning device arrays."""
    def call(*args, **kwargs):
        out = kwargs.get("out")
        result = fn(*_as_host(args, where), **{k: _as_host(v, where) for k, v in kwargs.items()})
        if isinstance(out, FakeArray) and result is out._a:
            return out  # ``out=`` gives back the very array passed in, as NumPy and CuPy do
        return _as_device(result)
    call.__name__ = call.__qualname__ = where
    return call


class FakeArray:
    """A NumPy array posing as a ``cupy.ndarray``: see the module docstring for what it refuses."""
    __array_ufunc__ = None  # np.exp(x), np_array + x: TypeError, as for an unknown type
    __slots__ = ("_a",)

    def __init__(self, array):
        self._a = array

    def __array__(self, *args, **kwargs):
        raise TypeError(_REFUSED)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"numpy.{func.__name__} was applied to a fake CUDA array: {_REFUSED}")

    def get(self):
        """The host copy (``cupy.ndarray.get``)."""
        return self._a.copy()

    def __getattr__(self, name):  # shape, dtype, T, reshape, sum, astype, ...: NumPy's, kept on device
        if name.startswith("__") and name not in ("__copy__", "__deepcopy__"):
            raise AttributeError(name)  # no __array_interface__ etc.: NumPy must not see the data
        attr = getattr(self._a, name)
        return _on_device(attr, f"ndarray.{name}") if callable(attr) else _as_device(attr)

    def __getitem__(self, index):
        return _as_device(self._a[_host_index(index)])

    def __setitem__(self, index, value):
        self._a[_host_index(index)] = _as_host(value, "ndarray.__setitem__")

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (FakeArray(row) for row in self._a)

    def _scalar(self, kind):
        if self._a.size != 1:
            raise TypeError(f"only length-1 arrays can be converted to Python scalars (size {self._a.size})")
        return kind(self._a.reshape(()).item())

    __float__ = lambda self: self._scalar(float)
    __int__ = lambda self: self._scalar(int)
    __bool__ = lambda self: self._scalar(bool)
    __complex__ = lambda self: self._scalar(complex)

    def __repr__(self):
        return repr(self._a).replace("array(", "fake_cuda.array(", 1)

    __str__ = lambda self: str(self._a)


def _host_index(index):
    """Indices may be device arrays or NumPy arrays (CuPy copies the latter over)."""
    if isinstance(index, tuple):
        return tuple(_host_index(i) for i in index)
    return index._a if isinstance(index, FakeArray) else index


def _operator(op, reflected=False):
    def method(self, other):
        other = _as_host(other, f"ndarray.{op.__name__}")
        return _as_device(op(other, self._a) if reflected else op(self._a, other))
    return method


def _inplace_operator(op):
    def method(self, other):
        op(self._a, _as_host(other, f"ndarray.{op.__name__}"))  # numpy's in-place op mutates self._a
        return self
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
              "and", "or", "xor", "lshift", "rshift"):
    _op = getattr(operator, _name + "_" if _name in ("and", "or") else _name)
    setattr(FakeArray, f"__{_name}__", _operator(_op))
    setattr(FakeArray, f"__r{_name}__", _operator(_op, reflected=True))
    setattr(FakeArray, f"__i{_name}__", _inplace_operator(getattr(operator, f"i{_name}")))
for _name in ("lt", "le", "eq", "ne", "gt", "ge"):
    setattr(FakeArray, f"__{_name}__", _operator(getattr(operator, _name)))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(FakeArray, f"__{_name}__", (lambda op: lambda self: _as_device(op(self._a)))(getattr(operator, _name)))
FakeArray.__hash__ = None

ndarray = FakeArray


def asarray(value, dtype=None, **kwargs):
    """Host (or device) data to a device array: the one way NumPy data gets onto the device."""
    if isinstance(value, FakeArray):
        return value if dtype is None or value.dtype == dtype else value.astype(dtype)
    return FakeArray(np.array(value, dtype=dtype, **kwargs))


def array(value, dtype=None, copy=True, **kwargs):
    return FakeArray(np.array(value._a if isinstance(value, FakeArray) else value, dtype=dtype, copy=copy, **kwargs))


def asnumpy(value):
    """Device (or host) data to a NumPy array (``cupy.asnumpy``)."""
    return value.get() if isinstance(value, FakeArray) else np.asarray(value)


def scatter_add(out, index, values):
    """``out[index] += values`` with repeated indices adding up (``cupyx.scatter_add``)."""
    np.add.at(out._a, _host_index(index), _as_host(values, "scatter_add"))


class _Namespace(types.ModuleType):
    """A NumPy namespace (``numpy``, ``numpy.linalg``, ...) whose functions stay on the device."""

    def __init__(self, name, numpy_namespace):
        super().__init__(name)
        self._numpy = numpy_namespace

    def __getattr__(self, name):
        attr = getattr(self._numpy, name)
        if isinstance(attr, types.ModuleType):
            return _Namespace(f"{self.__name__}.{name}", attr)
        if isinstance(attr, np.ufunc):
            return _Ufunc(attr)
        if callable(attr) and not isinstance(attr, type):  # functions; dtypes (np.float32) pass as is
            return _on_device(attr, f"{self.__name__}.{name}")
        return attr


class _Ufunc:
    """A NumPy ufunc on device arrays (``xp.add(a, b, out=a)``, ``xp.maximum.reduce``)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _on_device(self._ufunc, self.__name__)(*args, **kwargs)

    def __getattr__(self, name):  # reduce, accumulate, outer; not `at` (cupyx.scatter_add is that)
        if name == "at":
            raise AttributeError(f"fake_cuda.{self.__name__}.at is not on the stand-in: use backend.scatter_add")
        return _on_device(getattr(self._ufunc, name), f"{self.__name__}.{name}")


_numpy_namespace = _Namespace(__name__, np)


def __getattr__(name):  # module-level: fake_cuda.exp, fake_cuda.float32, fake_cuda.lib, ...
    return getattr(_numpy_namespace, name)
