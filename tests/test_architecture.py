"""The architecture, checked from the source: the engine never imports the UI, and no
module of Engage imports, directly or through others, a module that imports it back.

Imports are read with ``ast`` from every file, not by importing the modules, so an import
inside a function, under ``if TYPE_CHECKING`` or through ``importlib.import_module`` with a
literal name counts as much as one at the top of a file.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
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


def import_graph(*packages: Path) -> dict[str, set[str]]:
    """Module -> the modules of *packages* it imports (an import of a name defined in a
    module, or of a module's attribute, is an edge to that module)."""
    imports = [i for p in packages for i in package_imports(p)]
    modules = {module_name(f, p.parent) for p in packages for f in p.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for i in imports:
        parts = i.imported.split(".")
        target = next((".".join(parts[:n]) for n in range(len(parts), 0, -1)
                       if ".".join(parts[:n]) in modules), None)
        if target is not None and target != i.module:
            graph[i.module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of *graph* as [a, b, ..., a], or [] when there is none."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return []


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph(ROOT / "engage_metrics", ROOT / "engage_ui"))
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_a_cycle_hidden_in_a_function_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from pkg.high import g\n    return g\n")
    (pkg / "high.py").write_text("from pkg import low\ng = 1\n")
    (pkg / "other.py").write_text("from pkg.low import f\n")
    assert import_graph(pkg) == {"pkg": set(), "pkg.low": {"pkg.high"},
                                 "pkg.high": {"pkg.low"}, "pkg.other": {"pkg.low"}}
    assert sorted(find_cycle(import_graph(pkg))[1:]) == ["pkg.high", "pkg.low"]
    (pkg / "low.py").write_text("def f():\n    return 1\n")
    assert find_cycle(import_graph(pkg)) == []


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


# ---------------------------------------------------------------- tables (issue 14)

TABLE_CALLS = {"dataframe", "table", "data_editor"}
# the one place that calls Streamlit's tables: layout's helpers show the cells as
# engage_ui.text.cells makes them (neutralized, plain for st.table)
TABLE_HELPERS = {("engage_ui.layout", "dataframe"), ("engage_ui.layout", "static_table"),
                 ("engage_ui.layout", "editor")}


def table_calls(path: Path, module: str) -> list[str]:
    """Calls of st.dataframe / st.table / st.data_editor in *path* (on st, a column, a
    container …: any receiver but the `layout` module) outside layout's table helpers;
    and those names imported from streamlit."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef,
                                                     ast.AsyncFunctionDef)) else function
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                    and child.func.attr in TABLE_CALLS
                    and ast.unparse(child.func.value) != "layout"
                    and (module, function) not in TABLE_HELPERS):
                found.append(f"{module}:{child.lineno} {ast.unparse(child.func)}")
            if (isinstance(child, ast.ImportFrom) and (child.module or "").startswith("streamlit")
                    and TABLE_CALLS & {a.name for a in child.names}):
                found.append(f"{module}:{child.lineno} imports a table from streamlit")
            visit(child, inner)

    visit(tree, None)
    return found


def ui_files() -> list[tuple[Path, str]]:
    files = [(p, module_name(p, ROOT)) for p in sorted((ROOT / "engage_ui").rglob("*.py"))]
    files += [(p, f"pages.{p.stem}") for p in sorted((ROOT / "pages").glob("*.py"))]
    return [*files, (ROOT / "dashboard.py", "dashboard")]


def test_every_table_is_drawn_by_the_layout_helpers() -> None:
    """A table a user can download from (its toolbar) or copy shows neutralized cells, and
    st.table's Markdown is escaped, only when it goes through layout.dataframe,
    layout.table, layout.static_table or layout.editor: no page calls Streamlit's own."""
    offending = [call for path, module in ui_files() for call in table_calls(path, module)]
    assert offending == [], ("draw tables with engage_ui.layout's helpers (dataframe, table, "
                             "static_table, editor), not Streamlit's: " + "; ".join(offending))


def test_a_table_drawn_directly_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("import streamlit as st\nfrom streamlit import data_editor\n"
                    "def main(frame, cols):\n    st.dataframe(frame)\n"
                    "    cols[0].table(frame)\n    layout.table(frame, False)\n"
                    "    st.sidebar.data_editor(frame)\n")
    found = [f.split(" ", 1)[1] for f in table_calls(page, "pages.page")]
    assert found == ["imports a table from streamlit", "st.dataframe", "cols[0].table",
                     "st.sidebar.data_editor"]


# modules that cost a page's first view a quarter of a second or more to import, and that
# only fitting a model (scikit-learn, scikit-survival, the scipy they load) or opening an
# Excel workbook (openpyxl) needs: imported inside those functions, never with a page
HEAVY = ("sklearn", "sksurv", "scipy", "openpyxl")


def test_no_page_imports_a_heavy_module_before_it_needs_it() -> None:
    # pages run their main() when imported: run their import statements instead, in a fresh
    # interpreter
    imports = sorted({ast.unparse(node)
                      for page in [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py")]
                      for node in ast.parse(page.read_text(encoding="utf-8")).body
                      if isinstance(node, ast.Import | ast.ImportFrom)} - {
                         "from __future__ import annotations"})
    code = ("import sys\n" + "\n".join(imports)
            + f"\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "[]", f"imported with the pages: {out.stdout.strip()}"
