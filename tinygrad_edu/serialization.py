"""``save(obj, path)`` / ``load(path)``: checkpoints in NumPy's own ``.npz`` format, written atomically.

What can be saved: nested dicts (also OrderedDicts, with str, int, float or bool keys), lists and
tuples of tensors, NumPy arrays, Python numbers, strings, booleans and None -- a model's
``state_dict()``, an optimizer's, or a dict holding both plus an epoch number.

The file is one ``.npz`` archive (a zip of ``.npy`` files): the arrays are entries ``a0``, ``a1``,
... and the structure that puts them back together is a JSON document stored as the uint8 entry
``__structure__``, with a CRC-32 of every array so a flipped byte is caught on load. Nothing is pickled (it is read with ``allow_pickle=False``), so loading a file
never runs code.

Atomic writes: the archive is written to a temporary file in the same directory
(``.<name>.<pid>.<random>.tmp``), flushed and fsync'ed, then moved over the target with
``os.replace`` (atomic on POSIX and Windows). An error mid-write leaves the previous checkpoint
untouched and the temporary file is removed; a process killed mid-write cannot remove it, so the
next save to the same path removes the temporary files of processes that no longer run.
"""
import glob
import json
import os
import tempfile
import zlib
from collections import OrderedDict

import numpy as np

from .backend import to_device, to_numpy
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

FORMAT = "tinygrad_edu-checkpoint-1"
_STRUCTURE = "__structure__"


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read (corrupt, truncated, or not a checkpoint)."""


def _encode_key(key):
    if isinstance(key, bool):
        return ["bool", key]
    if isinstance(key, int):
        return ["int", key]
    if isinstance(key, float):
        return ["float", key]
    if isinstance(key, str):
        return ["str", key]
    raise TypeError(f"save: dict keys must be str, int, float or bool, got {type(key).__name__} ({key!r})")


def _decode_key(kind, value):
    return {"bool": bool, "int": int, "float": float, "str": str}[kind](value)


def _flatten(obj, arrays, where):
    """The JSON node for ``obj``; arrays are appended to ``arrays`` and referred to by index."""
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return {"type": "value", "value": obj}
    if isinstance(obj, float):  # JSON has no inf/nan: store floats as their repr
        return {"type": "float", "value": repr(obj)}
    if isinstance(obj, dict):
        kind = "ordereddict" if isinstance(obj, OrderedDict) else "dict"
        return {"type": kind, "items": [[_encode_key(k), _flatten(v, arrays, f"{where}[{k!r}]")]
                                        for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"type": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                "items": [_flatten(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    return _flatten_array(obj, arrays, where)


def _flatten_array(obj, arrays, where):
    """The JSON node for a tensor (ours or torch's) or a NumPy array, appended to ``arrays``."""
    if isinstance(obj, Tensor):
        arrays.append(to_numpy(obj.array))
        return {"type": "tensor", "index": len(arrays) - 1, "requires_grad": bool(obj.requires_grad),
                "parameter": type(obj).__name__ == "Parameter"}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError(f"save: {where} is a NumPy array of Python objects, which cannot be saved without pickle")
        arrays.append(obj)
        return {"type": "ndarray", "index": len(arrays) - 1}
    if hasattr(obj, "detach") and hasattr(obj, "numpy"):  # a torch tensor
        arrays.append(obj.detach().cpu().numpy())
        return {"type": "tensor", "index": len(arrays) - 1, "requires_grad": False, "parameter": False}
    raise TypeError(f"save: cannot save {where} of type {type(obj).__name__}; expected tensors, arrays, numbers, "
                    "strings, None, and dicts/lists/tuples of them")


def _unflatten(node, arrays, device):
    kind = node["type"]
    if kind == "tensor":
        array = arrays[node["index"]]
        t = Tensor._wrap(array if device in (None, "cpu") else to_device(array, device))
        if node.get("parameter"):
            from .nn.parameter import Parameter
            return Parameter(t, requires_grad=node.get("requires_grad", True))
        return t.requires_grad_(True) if node.get("requires_grad") else t
    if kind == "ndarray":
        return arrays[node["index"]]
    if kind == "value":
        return node["value"]
    if kind == "float":
        return float(node["value"])
    if kind in ("dict", "ordereddict"):
        items = [(_decode_key(*k), _unflatten(v, arrays, device)) for k, v in node["items"]]
        return OrderedDict(items) if kind == "ordereddict" else dict(items)
    if kind in ("list", "tuple"):
        items = [_unflatten(v, arrays, device) for v in node["items"]]
        return items if kind == "list" else tuple(items)
    raise ValueError(f"unknown node type {kind!r}")


def _checksums(arrays):
    return [zlib.crc32(np.ascontiguousarray(a).view(np.uint8).reshape(-1)) if a.size else 0 for a in arrays]


def _write_archive(fileobj, arrays, structure):
    """Write the ``.npz`` archive to an open binary file (monkeypatched by the crash test)."""
    entries = {f"a{i}": a for i, a in enumerate(arrays)}
    entries[_STRUCTURE] = np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)
    np.savez(fileobj, **entries)


def save(obj, f):
    """Save ``obj`` (a state dict, or nested dicts/lists of tensors and numbers) to the path ``f``,
    atomically. ``f`` may also be a writable binary file object (written directly, not atomically)."""
    arrays = []
    root = _flatten(obj, arrays, "the object")
    structure = json.dumps({"format": FORMAT, "root": root, "crc32": _checksums(arrays)})
    if hasattr(f, "write"):
        _write_archive(f, arrays, structure)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot save to {path!r}: the parent directory {directory!r} does not exist")
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path) + f"{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_archive(handle, arrays, structure)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _temporary_prefix(path):
    return os.path.join(os.path.dirname(os.path.abspath(path)), "." + os.path.basename(path) + ".")


def _process_is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError, OverflowError):  # not ours to signal, or no such check here: assume running
        return True
    return True


def _remove_stale_temporaries(path):
    """Remove the temporary files that saves to ``path`` by processes no longer running left behind
    (a save killed mid-write); those of running processes (a save in progress) stay."""
    prefix = _temporary_prefix(path)
    for tmp in glob.glob(glob.escape(prefix) + "*.tmp"):
        pid = tmp[len(prefix):].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_is_running(int(pid)):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def load(f, map_location=None, weights_only=None):
    """Load what ``save`` wrote. ``map_location="cuda"`` puts the tensors on the GPU. A file that is
    not a complete checkpoint raises ``CheckpointError`` naming the file."""
    name = str(getattr(f, "name", "<file object>")) if hasattr(f, "read") else os.fspath(f)
    device = None if map_location is None else str(getattr(map_location, "type", map_location)).split(":")[0]
    if not hasattr(f, "read") and not os.path.exists(name):
        raise FileNotFoundError(f"load: no checkpoint file at {name!r}")
    try:
        with np.load(f, allow_pickle=False) as archive:
            if _STRUCTURE not in archive.files:
                raise CheckpointError(f"load: {name!r} is an .npz archive but not a tinygrad_edu checkpoint "
                                      f"(it has no {_STRUCTURE!r} entry)")
            meta = json.loads(archive[_STRUCTURE].tobytes().decode("utf-8"))
            if meta.get("format") != FORMAT:
                raise CheckpointError(f"load: {name!r} has an unknown checkpoint format {meta.get('format')!r}")
            crcs = meta.get("crc32", [])

            class _Lazy(dict):
                def __missing__(self, index):
                    array = archive[f"a{index}"]
                    if index < len(crcs) and _checksums([array])[0] != crcs[index]:
                        raise CheckpointError(f"load: {name!r} is corrupt: array a{index} (shape {array.shape}) "
                                              "fails its CRC-32 check")
                    self[index] = array
                    return array

            arrays = _Lazy()
            return _unflatten(meta["root"], arrays, device)
    except CheckpointError:
        raise
    except Exception as error:  # zipfile, npy-header, JSON or decoding errors: all mean a bad file
        raise CheckpointError(f"load: {name!r} is corrupt or truncated and cannot be read as a checkpoint "
                              f"({type(error).__name__}: {error})") from error
