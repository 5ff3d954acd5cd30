"""Reader and writer for the IDX file format of (Fashion-)MNIST.

Layout (all big-endian)::

    byte 0, 1   zero
    byte 2      dtype code: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double
    byte 3      number of dimensions d
    4*d bytes   the size of each dimension, unsigned 32-bit
    the rest    the data, C order, big-endian

Files may be gzip-compressed; :func:`read_idx` recognises gzip by its content (the bytes
1f 8b), so a ``.gz`` name is not required, and :func:`write_idx` compresses when the name
ends in ``.gz``.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from .errors import DataFileError

#: IDX dtype code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise DataFileError(f"{path}: gzip data is corrupt or truncated ({exc}); "
                             f"the file is {len(raw)} bytes compressed") from exc


def read_idx(path) -> np.ndarray:
    """Read an IDX file (plain or gzip) into a writable NumPy array in native byte order.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file,
    what was expected and what was found for a bad magic number, an unknown dtype code,
    a truncated header, or a data size that does not match the header.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataFileError(f"{path}: not an IDX file: expected a 4-byte magic number, "
                             f"found only {len(data)} bytes")
    zero0, zero1, code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DataFileError(f"{path}: bad IDX magic number: expected bytes 00 00 <dtype code in {known}> "
                             f"<ndim>, found {data[:4].hex(' ')}")
    if ndim == 0:
        raise DataFileError(f"{path}: IDX header declares 0 dimensions; expected at least 1")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DataFileError(f"{path}: truncated IDX header: {ndim} dimensions need {header_len} header "
                             f"bytes, found {len(data)}")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header_len
    if found != expected:
        what = "truncated" if found < expected else "has trailing bytes"
        raise DataFileError(f"{path}: IDX data {what}: header says shape {shape} of {dtype.name} "
                             f"= {expected} data bytes, found {found}")
    arr = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path, array) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed when ``path`` ends in ``.gz``).

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (the six IDX codes);
    anything else raises ``ValueError`` (convert first, e.g. ``labels.astype(np.uint8)``).
    Returns the path written.
    """
    path = Path(path)
    arr = np.asarray(array)
    code = _CODE_OF.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        raise ValueError(f"write_idx({path}): dtype {arr.dtype} has no IDX code; use one of "
                         "uint8, int8, int16, int32, float32, float64")
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"write_idx({path}): IDX needs 1 to 255 dimensions, got {arr.ndim}")
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(arr, dtype=IDX_DTYPES[code]).tobytes()
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    path.write_bytes(payload)
    return path
