"""Check portrait photos against identity-document photo specs, and make the compliant image.

    >>> import idphoto
    >>> checker = idphoto.Checker()                     # loads the models once (about a second)
    >>> report = checker.check("photo.jpg", "cn/id-card")
    >>> report["verdict"]                               # 'pass' or 'fail'
    >>> report, output = checker.process("photo.jpg", "cn/id-card")   # output: JPEG bytes or None

The report is exactly what ``idphoto check --json`` writes. A photo is a path, ``bytes`` of an
encoded image, or a NumPy ``uint8`` array H×W×3 (RGB). One ``Checker`` is safe to share across
threads: every check releases the GIL. Errors are ``IdphotoError`` subclasses named after the
library's error kinds.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import threading
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _idphoto
from ._idphoto import (
    CorruptImageError,
    EmptyImageError,
    IdphotoError,
    ModelError,
    ModelsNotFoundError,
    SpecError,
    TooLargeError,
    TooSmallError,
    UnknownSpecError,
    UnsupportedFormatError,
)

__all__ = [
    "Checker",
    "specs",
    "runtime_in_use",
    "onnxruntime_library",
    "IdphotoError",
    "UnknownSpecError",
    "UnsupportedFormatError",
    "CorruptImageError",
    "TooLargeError",
    "TooSmallError",
    "EmptyImageError",
    "ModelsNotFoundError",
    "ModelError",
    "SpecError",
]

__version__ = _idphoto.version()

#: The environment variable the native side reads to find ONNX Runtime's shared library.
ORT_DYLIB_ENV = "ORT_DYLIB_PATH"

_last_runtime: Optional[str] = None
_lock = threading.Lock()

Photo = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]


def onnxruntime_library() -> Optional[str]:
    """The shared library of the installed ``onnxruntime`` Python package, or None.

    Found without importing the package: its wheel ships ``capi/libonnxruntime.so.*``
    (``onnxruntime.dll`` on Windows, ``libonnxruntime.*.dylib`` on macOS).
    """
    try:
        spec = importlib.util.find_spec("onnxruntime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        capi = os.path.join(root, "capi")
        for pattern in ("libonnxruntime.so*", "libonnxruntime*.dylib", "onnxruntime.dll"):
            found = sorted(glob.glob(os.path.join(capi, pattern)))
            if found:
                return found[0]
    return None


def _choose_runtime(runtime: str) -> str:
    if runtime not in ("auto", "tract", "onnxruntime"):
        raise ValueError(f"unknown runtime {runtime!r} (auto, tract or onnxruntime)")
    if runtime == "tract":
        return "tract"
    if os.environ.get(ORT_DYLIB_ENV):
        return "onnxruntime"
    lib = onnxruntime_library()
    if lib is not None:
        os.environ[ORT_DYLIB_ENV] = lib
        return "onnxruntime"
    if runtime == "onnxruntime":
        raise ModelError(
            "runtime='onnxruntime' needs the onnxruntime Python package "
            f"(pip install onnxruntime) or {ORT_DYLIB_ENV} naming its library"
        )
    return "tract"


def runtime_in_use() -> Optional[str]:
    """The runtime of the last ``Checker`` made: ``'onnxruntime'``, ``'tract'``, or None."""
    return _last_runtime


def specs(specs_dir: Optional[Union[str, "os.PathLike[str]"]] = None) -> List[Dict[str, Any]]:
    """Every spec (built in, plus ``specs_dir``'s): id, names, extends, region code, output size."""
    return json.loads(_idphoto.specs_json(os.fspath(specs_dir) if specs_dir is not None else None))


def _as_photo(photo: Photo) -> Tuple[str, Tuple[Any, ...]]:
    """('path'|'bytes'|'rgb', arguments for the native call)."""
    if isinstance(photo, (str, os.PathLike)):
        return "path", (os.fspath(photo),)
    if isinstance(photo, (bytes, bytearray, memoryview)):
        return "bytes", (bytes(photo),)
    shape = getattr(photo, "shape", None)
    dtype = getattr(photo, "dtype", None)
    if shape is not None and dtype is not None:
        if str(dtype) != "uint8" or len(shape) != 3 or shape[2] != 3:
            raise TypeError(
                f"a photo array must be uint8 with shape (H, W, 3) RGB, not {dtype} {tuple(shape)}"
            )
        import numpy as np  # only when an array is given

        data = np.ascontiguousarray(photo).tobytes()
        return "rgb", (data, int(shape[1]), int(shape[0]))
    raise TypeError(
        f"photo must be a path, bytes or a uint8 H×W×3 array, not {type(photo).__name__}"
    )


class Checker:
    """Checks photos against specs. Build once (the models load here), share across threads.

    :param models: a folder with the model files; default: the models inside the package.
    :param runtime: ``'auto'`` (ONNX Runtime when the ``onnxruntime`` package is importable,
        else tract), ``'tract'`` or ``'onnxruntime'``.
    :param specs_dir: a folder of ``*.toml`` specs added to the built-in ones.
    """

    def __init__(
        self,
        models: Optional[Union[str, "os.PathLike[str]"]] = None,
        runtime: str = "auto",
        specs_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> None:
        global _last_runtime
        chosen = _choose_runtime(runtime)
        self._native = _idphoto.NativeChecker(
            chosen,
            os.fspath(models) if models is not None else None,
            os.fspath(specs_dir) if specs_dir is not None else None,
        )
        with _lock:
            _last_runtime = self._native.runtime

    @property
    def runtime(self) -> str:
        """``'tract'`` or ``'onnxruntime'``: the runtime this checker's models run in."""
        return self._native.runtime

    def check(self, photo: Photo, spec: str) -> Dict[str, Any]:
        """The report of ``photo`` against ``spec``, as ``idphoto check --json`` writes it."""
        kind, args = _as_photo(photo)
        return json.loads(getattr(self._native, f"check_{kind}")(*args, spec))

    def process(
        self, photo: Photo, spec: str, always_output: bool = False
    ) -> Tuple[Dict[str, Any], Optional[bytes]]:
        """The report and the compliant output image (encoded as the spec says).

        The output is None when the photo fails, unless ``always_output`` (then it is the
        re-framed image a reviewer looks at).
        """
        kind, args = _as_photo(photo)
        report, output = getattr(self._native, f"process_{kind}")(*args, spec, always_output)
        return json.loads(report), output

    def __repr__(self) -> str:
        return f"idphoto.Checker(runtime={self.runtime!r})"
