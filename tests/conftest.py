"""Shared fixtures: a real DuckDB file per test."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from engage_metrics import db


@pytest.fixture
def store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = db.connect(tmp_path / "engage.duckdb")
    yield con
    con.close()


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text_or_bytes, encoding='utf-8') -> Path of a file in tmp_path."""
    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path
    return _write
