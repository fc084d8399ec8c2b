"""The project's DuckDB SQL scripts (sql/resolve/*.sql) run by Spark on a lake's tables.

The resolve scripts are sequences of statements over tables: CREATE TEMP TABLE … AS,
INSERT, DELETE, UPDATE … FROM, DROP. Spark's tables here are views (the lake's Parquet
tables, read once), so each statement becomes a query whose result replaces the view it
writes — parsed and transpiled by sqlglot from the same file the DuckDB path runs
(:mod:`engage_spark.transpile`), with the import macros (sql/import/macros.sql) expanded
in place, since Spark has no macros:

- ``CREATE [OR REPLACE] TEMP TABLE t AS q``: the view t is q's rows;
- ``INSERT INTO t [(columns)] q``: t's rows and q's, q's columns by position into the
  columns named (the others NULL), each cast to t's type;
- ``DELETE FROM t WHERE c``: t's rows where c is not true;
- ``UPDATE t SET col = e, … FROM f WHERE c``: t's rows, those matching a row of f under c
  with the new values (a row numbered first, so a match is found by its number);
- ``DROP TABLE t``: the view is dropped.

Every result is a local checkpoint (computed once, kept by the executors), so the next
statement reads rows, not a growing plan. Nothing comes back to Python but the counts
the caller asks for.
"""
from __future__ import annotations

from typing import Any, cast

import sqlglot
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from sqlglot import exp

from engage_spark.transpile import spark_sql, statements

ROW = "__row"


class Tables:
    """Spark views standing for a store's tables, replaced statement by statement."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self.kept: dict[str, list[DataFrame]] = {}

    def put(self, name: str, frame: DataFrame) -> DataFrame:
        """The view *name* is *frame*'s rows from now on, computed now and kept by the
        executors (a local checkpoint: the next statements read rows, not a plan that grows
        with every statement — lazily cached views were tried: the expanded macros made
        the plans of the later statements too big to analyze)."""
        frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        for old in self.kept.pop(name, []):     # no view reads it: theirs are checkpoints
            old.unpersist()
        self.kept[name] = [frame]
        return frame

    def drop(self, name: str) -> None:
        """Drop the view *name* (its rows are kept until :meth:`release`)."""
        self.spark.catalog.dropTempView(name)

    def release(self) -> None:
        """Drop every view written, and their cached rows."""
        for name, frames in self.kept.items():
            self.spark.catalog.dropTempView(name)
            for frame in frames:
                frame.unpersist()
        self.kept.clear()

    def query(self, tree: exp.Expression, params: dict[str, Any]) -> DataFrame:
        names = {p.name for p in tree.find_all(exp.Placeholder)}
        return self.spark.sql(spark_sql(tree), args={k: params[k] for k in names})

    def run(self, name: str, params: dict[str, Any] | None = None) -> None:
        """Run the script sql/*name* (:func:`statements`) on the views."""
        for statement in statements(name):
            self.execute(statement, params or {})

    def execute(self, statement: exp.Expression, params: dict[str, Any]) -> None:
        if isinstance(statement, exp.Create):
            self.put(statement.this.name, self.query(statement.expression, params))
        elif isinstance(statement, exp.Drop):
            for table in statement.args.get("tables") or [statement.this]:
                self.drop(table.name)
        elif isinstance(statement, exp.Insert):
            self._insert(statement, params)
        elif isinstance(statement, exp.Delete):
            self._delete(statement, params)
        elif isinstance(statement, exp.Update):
            self._update(statement, params)
        elif not isinstance(statement, exp.Semicolon):   # a script's trailing comment
            raise ValueError(f"no Spark form for the statement {statement.sql('duckdb')[:80]}")

    def _insert(self, statement: exp.Insert, params: dict[str, Any]) -> None:
        target = statement.this
        columns = None
        if isinstance(target, exp.Schema):
            columns = [c.name for c in target.expressions]
            target = target.this
        table = self.spark.table(target.name)
        rows = self.query(statement.expression, params)
        rows = rows.toDF(*(columns or table.columns)[:len(rows.columns)])
        types = dict(table.dtypes)
        rows = rows.select(*[(F.col(f"`{c}`") if c in rows.columns else F.lit(None))
                             .cast(types[c]).alias(c) for c in table.columns])
        self.put(target.name, table.unionByName(rows))

    def _delete(self, statement: exp.Delete, params: dict[str, Any]) -> None:
        name = statement.this.name
        where = statement.args.get("where")
        keep = (exp.false() if where is None else
                exp.func("COALESCE", exp.Not(this=exp.Paren(this=where.this.copy())),
                         exp.true()))
        query = exp.select("*").from_(name).where(keep)
        self.put(name, self.query(query, params))

    def _update(self, statement: exp.Update, params: dict[str, Any]) -> None:
        """The rows of the table matched by FROM and WHERE take the SET values; a row's
        first match counts (the project's updates match each row at most once)."""
        name = statement.this.name
        table = self.spark.table(name)
        numbered = self.put(f"{ROW}{name}", table.withColumn(ROW, F.monotonically_increasing_id()))
        sets = {eq.this.name: eq.expression for eq in statement.expressions}
        match = exp.select(exp.column(ROW, table=name),
                           *[exp.alias_(e.copy(), f"{ROW}{c}") for c, e in sets.items()])
        match = match.from_(exp.alias_(exp.to_table(f"{ROW}{name}"), name, table=True))
        source = statement.args.get("from_") or statement.args.get("from")
        if source is not None:
            for joined in [source.this, *source.this.args.get("joins", [])]:
                plain = joined.this if isinstance(joined, exp.Join) else joined
                plain = plain.copy()
                plain.set("joins", None)
                match = match.join(plain, join_type="cross")
        where = statement.args.get("where")
        if where is not None:
            match = match.where(where.this.copy())
        found = self.query(match, params).groupBy(ROW).agg(
            *[F.first(f"{ROW}{c}").alias(f"{ROW}{c}") for c in sets],
            F.lit(True).alias(ROW + "hit"))
        joined = numbered.join(found, ROW, "left")
        hit = F.col(ROW + "hit").isNotNull()
        types = dict(table.dtypes)
        self.put(name, joined.select(*[
            (F.when(hit, F.col(f"{ROW}{c}")).otherwise(F.col(f"`{c}`")) if c in sets
             else F.col(f"`{c}`")).cast(types[c]).alias(c) for c in table.columns]))
        self.drop(f"{ROW}{name}")

    def count(self, sql: str, params: dict[str, Any] | None = None) -> int:
        """One number from a DuckDB query on the views (a label change count, a row count)."""
        tree = cast(exp.Expression, sqlglot.parse_one(sql, read="duckdb"))
        [row] = self.query(tree, params or {}).collect()
        return int(row[0] or 0)
