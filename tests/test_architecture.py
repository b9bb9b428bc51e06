"""The architecture stays legible: imports point one way, files stay small, kernels cached right."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src" / "clnmatch"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """Every import of a clnmatch module by a clnmatch module, at any depth of the file
    (inside functions and ``if TYPE_CHECKING:`` blocks too)."""
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                    base = f"{base}.{node.module}" if node.module else base
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            for target in targets:
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycle() -> None:
    """No module reaches itself through imports (top level or inside functions)."""
    cycles = list(nx.simple_cycles(import_graph()))
    shown = ["  " + " -> ".join([*c, c[0]]) for c in sorted(cycles, key=len)[:10]]
    assert not cycles, f"{len(cycles)} import cycles, e.g.:\n" + "\n".join(shown)


def test_no_source_file_over_700_lines() -> None:
    """Each module owns one thing: none is over 700 lines."""
    big = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert not big, big


def test_every_kernel_file_shares_the_cache_key() -> None:
    """Every module that compiles a kernel is in ``clnmatch.jit.KERNEL_FILES``, so an edit to
    any of them recompiles every kernel (kernels call kernels of other files)."""
    from clnmatch.jit import KERNEL_FILES

    decorated = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if any(
            line.strip().startswith(("@kernel", "@inline", "@allocating", "@_jit", "@_inline"))
            for line in p.read_text(encoding="utf-8").splitlines()
        )
    }
    assert decorated == set(KERNEL_FILES)


def test_the_public_result_types_resolve_at_run_time() -> None:
    """typing.get_type_hints(clnmatch.Result) raised NameError: 'Diagnosis' was imported
    for the type checker only (a researcher's tooling reads the hints)."""
    import typing

    import clnmatch

    hints = typing.get_type_hints(clnmatch.Result)
    assert {"diagnosis", "allocation", "evaluation"} <= set(hints)
