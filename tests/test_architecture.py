"""The architecture, checked from the source: the engine never imports the UI.

Imports are read with ``ast`` from every file, not by importing the modules, so an import
inside a function, under ``if TYPE_CHECKING`` or through ``importlib.import_module`` with a
literal name counts as much as one at the top of a file.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Import(NamedTuple):
    module: str          # the importing module, e.g. "engage_metrics.boardpack.pack"
    imported: str        # the imported module, e.g. "engage_metrics.charts"
    lineno: int


def module_name(path: Path, root: Path) -> str:
    """'engage_metrics.boardpack' for engage_metrics/boardpack/__init__.py under *root*."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(package: Path) -> list[Import]:
    """Every import of every module of *package* (a directory), wherever it stands.

    ``from pkg import name`` is an import of ``pkg.name`` when that is a module of the
    package (so a cycle test sees ``engage_metrics.charts``, not ``engage_metrics``), of
    ``pkg`` otherwise; relative imports are made absolute.
    """
    root = package.parent
    files = sorted(package.rglob("*.py"))
    modules = {module_name(f, root) for f in files}
    found = []
    for path in files:
        module = module_name(path, root)
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")[:len(module.split(".")) + is_package - node.level]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.append(Import(module, sub if sub in modules else base, node.lineno))
            elif (isinstance(node, ast.Call) and node.args
                  and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                  and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                                 "__import__")):
                found.append(Import(module, node.args[0].value, node.lineno))
    return found


def test_the_engine_never_imports_the_ui() -> None:
    forbidden = {"engage_ui", "streamlit"}
    offending = [f"{i.module}:{i.lineno} imports {i.imported}"
                 for i in package_imports(ROOT / "engage_metrics")
                 if i.imported.split(".")[0] in forbidden]
    assert offending == [], ("engage_metrics must not import engage_ui or streamlit (the UI "
                             "renders what the engine builds): " + "; ".join(offending))


def test_imports_are_found_wherever_they_stand(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\n"
                              "if TYPE_CHECKING:\n"
                              "    import streamlit as st\n"
                              "def f():\n"
                              "    from engage_ui import layout\n"
                              "    import importlib\n"
                              "    return importlib.import_module('engage_ui.charts')\n")
    (pkg / "sub" / "__init__.py").write_text("from . import b\nfrom ..a import f\n")
    (pkg / "sub" / "b.py").write_text("from pkg import a\nfrom .. import sub\n")
    assert sorted(package_imports(pkg)) == sorted([
        Import("pkg.a", "typing", 1), Import("pkg.a", "streamlit", 3),
        Import("pkg.a", "engage_ui", 5), Import("pkg.a", "importlib", 6),
        Import("pkg.a", "engage_ui.charts", 7),
        Import("pkg.sub", "pkg.sub.b", 1), Import("pkg.sub", "pkg.a", 2),
        Import("pkg.sub.b", "pkg.a", 1), Import("pkg.sub.b", "pkg.sub", 2),
    ])
