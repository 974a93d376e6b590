"""`python -m mammoflow_jobs.image_check` (run at the end of the Python image build) passes in
the development venv, and its TensorRT report is optional."""

import ast
import subprocess
import sys
from pathlib import Path

from mammoflow_jobs import image_check

SOURCE = Path(image_check.__file__).parent


def test_image_check_imports_everything_in_this_venv():
    finished = subprocess.run(
        [sys.executable, "-m", "mammoflow_jobs.image_check"], capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    lines = finished.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("image check: ok, "), finished.stdout
    assert "mammoflow_jobs" in lines[0] and "5 yolox" in lines[0] and "tensorrt" in lines[0]


def test_image_check_lists_every_yolox_module_our_code_imports():
    imported = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "yolox":
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names if a.name.split(".")[0] == "yolox")
    assert imported and imported <= set(image_check.YOLOX_MODULES)


def test_a_module_that_fails_to_import_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    (tmp_path / "broken_pkg").mkdir()
    (tmp_path / "broken_pkg" / "__init__.py").write_text("")
    (tmp_path / "broken_pkg" / "good.py").write_text("X = 1\n")
    (tmp_path / "broken_pkg" / "bad.py").write_text("import no_such_package_here\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    names, failures = image_check.package_modules("broken_pkg")
    assert sorted(names) == ["broken_pkg", "broken_pkg.bad", "broken_pkg.good"]
    assert failures == []  # walk_packages only imports packages; main() imports every module
    assert image_check.try_import("broken_pkg.good") is None
    assert image_check.try_import("broken_pkg.bad") == "ModuleNotFoundError: No module named 'no_such_package_here'"
    assert image_check.main("broken_pkg", ("yolox.no_such_module",)) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[:2] == [
        "FAIL broken_pkg.bad: ModuleNotFoundError: No module named 'no_such_package_here'",
        "FAIL yolox.no_such_module: ModuleNotFoundError: No module named 'yolox.no_such_module'",
    ]
    assert lines[2].startswith("image check: 2 failed to import (4 modules checked); tensorrt ")


def test_tensorrt_is_optional():
    def importer(name):
        raise ImportError(name)

    absent = image_check.tensorrt_status(find_spec=lambda _name: None)
    assert absent[1] is None and "absent" in absent[0]
    present = image_check.tensorrt_status(lambda _name: object(), lambda _name: type("M", (), {"__version__": "11.4"}))
    assert present == ("tensorrt 11.4 present", None)

    def no_driver(_name):
        raise ImportError("libcuda.so.1: cannot open shared object file: No such file or directory")

    assert image_check.tensorrt_status(lambda _name: object(), no_driver)[1] is None
    broken = image_check.tensorrt_status(lambda _name: object(), importer)
    assert broken[1] == "ImportError: tensorrt" and "not importable" in broken[0]
