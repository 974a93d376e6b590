"""`python -m mammoflow_jobs.image_check`: can this image import everything the stages need?

Imports every module of the `mammoflow_jobs` package (and with them every third-party package
the stages import at module level) and the `yolox` modules our code uses. Prints one line per
module that fails to import (`FAIL module: error`) and exits 1, or a one-line summary and exits
0. Run at the end of the Python stage image build, and by the tests in the development venv.

TensorRT is optional here: only the GPU image carries the ~1 GB wheel, and build-engine itself
fails with a clear message without it. It is reported as present (with its version) or absent;
installed but not importable is a failure, unless what is missing is the NVIDIA driver's
libcuda, which the container runtime only mounts on a GPU node (never during an image build).
"""

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Callable

PACKAGE = "mammoflow_jobs"
# The yolox modules our code imports (training/detector.py, models/yolox_nano.py); yolox is
# installed apart from the lock (--no-deps), so its own imports are worth checking on their own.
YOLOX_MODULES = ("yolox", "yolox.data", "yolox.exp", "yolox.models", "yolox.utils")
OPTIONAL_MODULE = "tensorrt"


def _error_text(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def try_import(name: str) -> str | None:
    """None when `name` imports, else the error in one line."""
    try:
        importlib.import_module(name)
    except BaseException as error:  # noqa: BLE001 - SystemExit or a C extension's error count too
        if isinstance(error, KeyboardInterrupt):
            raise
        return _error_text(error)
    return None


def package_modules(package: str = PACKAGE) -> tuple[list[str], list[tuple[str, str]]]:
    """All module names of `package` (walk_packages imports the subpackages to find their
    modules) and the (name, error) of the packages that could not be walked."""
    failures: list[tuple[str, str]] = []
    error = try_import(package)
    if error is not None:
        return [package], [(package, error)]

    def onerror(name: str) -> None:
        failures.append((name, _error_text(sys.exc_info()[1] or ImportError(name))))

    root = importlib.import_module(package)
    names = [package] + [info.name for info in pkgutil.walk_packages(root.__path__, f"{package}.", onerror=onerror)]
    return names, failures


def tensorrt_status(
    find_spec: Callable = importlib.util.find_spec, importer: Callable = importlib.import_module
) -> tuple[str, str | None]:
    """(what to print about TensorRT, the error if it counts as a failure)."""
    if find_spec(OPTIONAL_MODULE) is None:
        return "tensorrt absent (optional: only build-engine needs it, in the GPU image)", None
    try:
        module = importer(OPTIONAL_MODULE)
    except (ImportError, OSError) as error:
        text = _error_text(error)
        if "libcuda" in text:
            return f"tensorrt installed, needs the NVIDIA driver at run time ({text})", None
        return f"tensorrt installed but not importable ({text})", text
    return f"tensorrt {getattr(module, '__version__', '(unknown version)')} present", None


def main(package: str = PACKAGE, extra_modules: tuple[str, ...] = YOLOX_MODULES) -> int:
    names, failures = package_modules(package)
    seen = {name for name, _ in failures}
    for name in [*names, *extra_modules]:
        if name in seen:
            continue
        seen.add(name)
        error = try_import(name)
        if error is not None:
            failures.append((name, error))
    trt_line, trt_error = tensorrt_status()
    if trt_error is not None:
        failures.append((OPTIONAL_MODULE, trt_error))
    for name, error in failures:
        print(f"FAIL {name}: {error}")
    checked = len(names) + len(extra_modules)
    if failures:
        print(f"image check: {len(failures)} failed to import ({checked} modules checked); {trt_line}")
        return 1
    print(
        f"image check: ok, {checked} modules imported ({len(names)} {package}, {len(extra_modules)} yolox); {trt_line}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
