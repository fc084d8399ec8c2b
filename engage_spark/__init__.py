"""Engage on Apache Spark: the same metrics, from the same SQL files, on a lake.

Runs in its own environment (``./scripts/spark`` sets up ``.venv-spark`` with pyspark),
never in the main one: the dashboard and the DuckDB engine do not need Spark. Reads a lake
(:mod:`engage_metrics.lake`) into Spark views and runs the registry's SQL transpiled by
sqlglot (:mod:`engage_spark.transpile`), so the numbers are the DuckDB path's. Imports,
undo and identity decisions write the lake (:mod:`engage_spark.change`): identity
resolution and the canonical tables are the resolve SQL run on Spark
(:mod:`engage_spark.resolve`, :mod:`engage_spark.script`).
"""
