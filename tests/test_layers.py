"""The package's layers point one way and no modules import each other, read from the source.

Every ``import`` counts — at module level, inside functions and under ``TYPE_CHECKING`` — so a
lazy import cannot hide an upward arrow. A module may import its own package, any lower layer,
and nothing in a higher layer or in another package of its own layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"

LAYERS: list[set[str]] = [
    {"datatwin.__main__"},
    {"datatwin.cli"},
    {"datatwin"},  # the public namespace: names of the layers below, loaded on first use
    {"datatwin.demo"},
    {"datatwin.report"},
    {"datatwin.api", "datatwin.evaluate"},  # evaluate sits beside the api, on the layers below
    {"datatwin.monitor"},  # below the api, which stores a profile in every twin and checks drift
    {"datatwin.scenarios", "datatwin.testdata"},
    {"datatwin.relational"},
    {"datatwin.sequential"},
    {"datatwin.pipeline"},
    {"datatwin.constraints"},  # above transforms: rebuilt columns are written through their own transforms
    {"datatwin.models", "datatwin.transforms", "datatwin.rebalance"},
    {"datatwin.dp"},  # the privacy ledger and DP estimates: below the models that spend from it
    {"datatwin.io"},
    {"datatwin.schema", "datatwin.encoded", "datatwin.conditions", "datatwin.lineage"},
    {"datatwin.progress", "datatwin.seeds", "datatwin._lazy"},
    {"datatwin.errors", "datatwin._version"},
]
"""Top to bottom."""


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted((SOURCE / "datatwin").rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = module_names()


def imports_of(name: str) -> set[str]:
    """The datatwin modules ``name`` imports (a ``from package import submodule`` counts as the submodule)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


def layer_of(name: str) -> tuple[int, str]:
    """The layer index and the package that places ``name`` (its longest listed prefix)."""
    matches = [
        (len(prefix), index, prefix)
        for index, layer in enumerate(LAYERS)
        for prefix in layer
        if name == prefix or name.startswith(prefix + ".")
    ]
    if not matches:
        raise AssertionError(f"module {name} is in no layer: add its package to LAYERS")
    _, index, prefix = max(matches)
    return index, prefix


def test_every_module_has_a_layer():
    for name in MODULES:
        layer_of(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    index, package = layer_of(name)
    wrong = []
    for imported in sorted(imports_of(name)):
        other_index, other_package = layer_of(imported)
        if other_package == package:
            continue
        if other_index < index:
            wrong.append(f"{imported} (layer {other_index}, above)")
        elif other_index == index:
            wrong.append(f"{imported} (beside it in layer {index})")
    assert not wrong, f"{name} (layer {index}) imports " + ", ".join(wrong)


def test_no_import_circles():
    graph = {name: imports_of(name) for name in MODULES}
    circles = [component for component in _strongly_connected(graph) if len(component) > 1]
    assert not circles, f"modules importing each other: {circles}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def test_importing_datatwin_and_its_command_loads_nothing_heavy():
    """``import datatwin`` and ``datatwin --help`` must not load torch, scikit-learn, SQLAlchemy or pandas."""
    import subprocess
    import sys

    code = (
        "import sys, datatwin, datatwin.cli.main; "
        "print(sorted(m for m in ('torch', 'sklearn', 'sqlalchemy', 'pandas', 'scipy') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
