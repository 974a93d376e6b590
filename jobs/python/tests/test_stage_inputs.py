"""Every input a Python stage reads is one its catalogue entry (jobs/contract/catalogue/<stage>.ts)
declares: the names come from the generated schema, and a scan of the stage modules checks them."""

import ast
from pathlib import Path

import pytest

from mammoflow_jobs.contract.inputs import declared_inputs, declares_input, family_inputs
from mammoflow_jobs.stages import STAGES

STAGES_DIR = Path(__file__).resolve().parents[1] / "src" / "mammoflow_jobs" / "stages"


def _stage_of(tree: ast.Module) -> str | None:
    """The contract name of the module's `@stage("…")` function."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Name)
                    and decorator.func.id == "stage"
                    and isinstance(decorator.args[0], ast.Constant)
                ):
                    return decorator.args[0].value
    return None


def _is_request_inputs(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "inputs" and ast.unparse(node.value).endswith("request")


def _name_reads(tree: ast.Module) -> list[tuple[ast.expr, ast.FunctionDef | None]]:
    """The name expressions of `ctx.input_path(x)` and `x in ctx.request.inputs`, with their function."""
    reads = []
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "input_path":
                reads.append((node.args[0], function))
            if (
                isinstance(node, ast.Compare)
                and isinstance(node.ops[0], ast.In | ast.NotIn)
                and _is_request_inputs(node.comparators[0])
            ):
                reads.append((node.left, function))
    return reads


def _families(tree: ast.Module) -> dict[str, str]:
    """Loop variables bound by `for …, name in family_inputs(stage, "fold{k}", …)`: name → family."""
    bound = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.For)
            and isinstance(node.iter, ast.Call)
            and isinstance(node.iter.func, ast.Attribute)
            and isinstance(node.iter.func.value, ast.Call)
            and ast.unparse(node.iter.func.value.func) == "family_inputs"
            and isinstance(node.target, ast.Tuple)
        ):
            bound[node.target.elts[1].id] = node.iter.func.value.args[1].value
    return bound


def _call_sites(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> list[ast.expr]:
    """The arguments given for `parameter` wherever the module calls `function`."""
    index = [a.arg for a in function.args.args].index(parameter)
    return [
        node.args[index]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function.name
    ]


def input_names(path: Path) -> tuple[str | None, list[str]]:
    """The stage a module runs and each input name it reads, as a name the catalogue must declare;
    an f-string reads as its sample (`fold{k}` for f"fold{fold}": "fold0"), a family loop as its
    family, and a name the scan cannot follow as `?<expression>`."""
    tree = ast.parse(path.read_text("utf-8"))
    families = _families(tree)
    names = []

    def resolve(expression: ast.expr, function: ast.FunctionDef | None) -> None:
        if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
            names.append(expression.value)
        elif isinstance(expression, ast.JoinedStr):
            names.append(
                "".join(v.value if isinstance(v, ast.Constant) else "0" for v in expression.values),
            )
        elif isinstance(expression, ast.Name) and expression.id in families:
            names.append(families[expression.id])
        elif (
            isinstance(expression, ast.Name)
            and function is not None
            and expression.id in [a.arg for a in function.args.args]
        ):
            for argument in _call_sites(tree, function, expression.id):
                resolve(argument, None)
        else:
            names.append(f"?{ast.unparse(expression)}")

    for expression, function in _name_reads(tree):
        resolve(expression, function)
    return _stage_of(tree), names


def test_every_input_a_python_stage_reads_is_declared_in_its_catalogue_entry():
    read = {}
    for path in sorted(STAGES_DIR.glob("*.py")):
        stage, names = input_names(path)
        if stage is not None:
            read[stage] = sorted(set(names))
    assert sorted(read) == sorted(STAGES)
    assert read == {
        "build-engine": ["onnx"],
        "cv-split": ["dataset"],
        "export-onnx": ["checkpoint", "fold{k}", "selection"],
        "roi-dataset": ["images", "labels"],
        "select-checkpoints": ["fold0"],
        "train-detector": ["roiDataset"],
        "train-fold": ["crops", "previous", "split"],
    }
    undeclared = [
        (stage, name)
        for stage, names in read.items()
        for name in names
        if not (name in declared_inputs(stage) or declares_input(stage, name))
    ]
    assert undeclared == []


def test_the_scan_catches_an_undeclared_or_untraceable_name(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text(
        "@stage('cv-split')\n"
        "def probe(ctx):\n"
        "    ctx.input_path('datset')\n"
        "    key = pick()\n"
        "    if key in ctx.request.inputs:\n"
        "        ctx.input_path(key)\n",
        "utf-8",
    )
    stage, names = input_names(module)
    assert (stage, names) == ("cv-split", ["datset", "?key", "?key"])
    assert not declares_input(stage, "datset")


def test_declared_inputs_come_from_the_generated_schema():
    assert declared_inputs("train-fold") == {"crops": "required", "split": "required", "previous": "optional"}
    assert declared_inputs("export-onnx") == {"checkpoint": "optional", "selection": "optional", "fold{k}": "optional"}
    assert [declares_input("select-checkpoints", n) for n in ("fold0", "fold12", "fold", "foldx", "fold1/x")] == [
        True,
        True,
        False,
        False,
        False,
    ]
    inputs = {"fold1": "a", "fold0": "b", "selection": "c", "fold": "d"}
    assert family_inputs("export-onnx", "fold{k}", inputs) == {"1": "fold1", "0": "fold0"}
    with pytest.raises(ValueError, match="stage cv-split declares no input family 'fold{k}'"):
        family_inputs("cv-split", "fold{k}", inputs)
