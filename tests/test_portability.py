"""docs/architecture.md: metric SQL is plain, portable SQL over the canonical tables, so the same
definitions can later run unchanged, transpiled by sqlglot, on a distributed engine such
as Spark. Every metric and every window-facts query it reads is checked here, as it runs
(its file with the shared fragments the registry pastes in): it parses as one statement, uses no function sqlglot does not know (DuckDB-only names would
pass through untranslated), transpiles to Spark SQL with unsupported features raising, and
reads only the canonical tables, the per-person facts and the relations depth_ready
prepares from them."""
from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from engage_metrics import metrics, registry

# every query as it runs, by name: the metrics' (Metric.sql) and the window facts'
QUERIES = {**{m.id: m.sql for m in registry.metrics().values()},
           **{p.stem: registry.facts_sql(p.stem) for p in registry.FACTS_DIR.glob("*.sql")}}
CANONICAL = {"person", "identifier", "event", "participation", "ask"}
FACTS = {"person_fact", "person_program_fact",  # sql/resolve/facts.sql, kept by every rebuild
         "tie_step"}                              # sql/resolve/ties.sql, likewise
PREPARED = set(metrics.PREPARED) | {"depth_target"}


def test_every_metric_is_checked() -> None:
    files = {p.stem for p in registry.METRICS_DIR.glob("*.sql")}
    assert set(QUERIES) >= files | set(registry.metrics()) | {"window_program", "window_person"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_metric_sql_is_portable(name: str) -> None:
    sql = QUERIES[name]
    [tree] = sqlglot.parse(sql, read="duckdb")
    assert isinstance(tree, exp.Query), f"{name} is not one query"
    unknown = sorted({node.name for node in tree.find_all(exp.Anonymous)})
    assert unknown == [], f"{name}: functions sqlglot does not know: {unknown}"
    [spark] = sqlglot.transpile(sql, read="duckdb", write="spark",
                                unsupported_level=ErrorLevel.RAISE)
    assert isinstance(sqlglot.parse_one(spark, read="spark"), exp.Query)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    tables = {t.name for t in tree.find_all(exp.Table) if t.name} - ctes
    assert tables <= CANONICAL | FACTS | PREPARED, f"{name} reads {tables}"
