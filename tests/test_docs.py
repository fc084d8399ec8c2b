"""The project's documents stay true to the code (datasette style: what is undocumented
fails the build).

- docs/metrics.md is generated from the metric registry and must equal what the generator
  prints now, so a changed SQL header without a regenerated document fails here;
- every key of data/engage.toml and every ENGAGE_* environment variable the product reads
  is in docs/settings.md;
- no tracked file points at a document outside the repository, and every relative link in
  README.md and docs/*.md reaches a file that exists.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from engage_metrics import cli, definitions

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# tables of data/engage.toml whose keys are data (keywords), not settings: the table is
# documented, not each keyword
DATA_TABLES = {"classification", "ladder.role", "ladder.event_type"}
# where the product reads its environment
PRODUCT = ("engage_metrics", "engage_ui", "pages", "benchmarks", "scripts", "dashboard.py")
# written in pieces so this file does not mention them itself
# documents outside the repository, and the issue tracker a reader of the repository never sees
OUTSIDE = ("DESIGN" + ".md", "EXPORT_" + "FORMATS.md", "/" + "work/", ".." + "/shared",
           "issue" + " #")


def test_metrics_doc_is_generated_from_the_registry() -> None:
    committed = (DOCS / "metrics.md").read_text(encoding="utf-8")
    assert committed == definitions.markdown(), (
        "docs/metrics.md differs from the metric registry (the headers of "
        "engage_metrics/sql/metrics/*.sql); regenerate it with\n"
        f"    {definitions.REGENERATE}")


def test_cli_prints_the_metrics_doc(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["definitions", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == definitions.markdown()


def test_every_room_and_metric_is_in_the_metrics_doc() -> None:
    from engage_metrics import registry

    text = definitions.markdown()
    for metric in registry.metrics().values():
        assert f"`{metric.id}` · unit: {metric.unit}" in text
    for title in definitions.rooms().values():
        assert f"\n## {title}\n" in text


def _keys(table: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every setting in a TOML table; data tables count as one key."""
    out = []
    for key, value in table.items():
        path = f"{prefix}{key}"
        if path in DATA_TABLES or not isinstance(value, dict):
            out.append(path)
        else:
            out += _keys(value, f"{path}.")
    return out


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    with (ROOT / "data" / "engage.toml").open("rb") as fh:
        keys = _keys(tomllib.load(fh))
    assert "settings.timezone" in keys and "classification" in keys   # the walk works
    missing = [k for k in keys if f"`{k}`" not in text and f"`[{k}]`" not in text]
    assert not missing, (f"settings of data/engage.toml missing from docs/settings.md "
                         f"(write each as `{missing[0]}`): {missing}")


def _environment_variables() -> set[str]:
    found: set[str] = set()
    for name in PRODUCT:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()
                                               and "__pycache__" not in p.parts]
        for file in files:
            text = file.read_text(encoding="utf-8", errors="replace")
            found.update(re.findall(r"\bENGAGE_[A-Z][A-Z0-9_]*\b", text))
    return found


def test_every_environment_variable_is_documented() -> None:
    variables = _environment_variables()
    assert {"ENGAGE_DB", "ENGAGE_MEMORY_LIMIT"} <= variables   # the scan works
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = sorted(v for v in variables if f"`{v}`" not in text)
    assert not missing, f"environment variables missing from docs/settings.md: {missing}"


def _tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    return [ROOT / n for n in names if n and (ROOT / n).is_file()]


def test_no_file_points_outside_the_repository() -> None:
    offenders = []
    for path in _tracked_files():
        data = path.read_bytes()
        offenders += [f"{path.relative_to(ROOT)}: {word}" for word in OUTSIDE
                      if word.encode() in data]
    assert not offenders, ("files refer to documents outside the repository; point them at "
                           "docs/ instead:\n" + "\n".join(offenders))


_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def _links(path: Path) -> list[str]:
    """Relative link targets of a Markdown file (code blocks and spans left out)."""
    text = _CODE.sub("", path.read_text(encoding="utf-8"))
    return [t for t in _LINK.findall(text)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I) and not t.startswith("#")]


def test_relative_links_reach_files() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    assert len(pages) >= 6
    broken = [f"{page.relative_to(ROOT)}: {target}" for page in pages
              for target in _links(page)
              if not (page.parent / target.split("#", 1)[0]).exists()]
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


def test_readme_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in sorted(DOCS.glob("*.md")):
        assert f"(docs/{doc.name})" in readme, f"README.md does not link docs/{doc.name}"
