"""The Spark session and the lake's tables as its views."""
from __future__ import annotations

from collections.abc import Sequence

from pyspark import SparkConf
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

from engage_metrics.lake import MANIFEST, LakeError, check_current, check_manifest

DEFAULT_MASTER = "local[*]"
# what every run sets: the store's timestamps are the organization's local times, read
# and compared as they are; no progress bars on the terminal
SETTINGS = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false"}


def start(master: str | None = None, conf: Sequence[str] = (),
          app: str = "engage") -> SparkSession:
    """A Spark session on *master* (default: the one spark-submit gave, else local[*]),
    with *conf* (KEY=VALUE settings, as spark-submit's --conf) on top of :data:`SETTINGS`."""
    builder = SparkSession.builder.appName(app)
    if master is not None or not SparkConf().contains("spark.master"):
        master = master or DEFAULT_MASTER
        builder = builder.master(master)
    if master is not None and master.startswith("local"):   # on this machine: loopback only
        builder = builder.config("spark.driver.host", "127.0.0.1") \
                         .config("spark.driver.bindAddress", "127.0.0.1")
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    for item in conf:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ValueError(f"--conf takes KEY=VALUE, not {item!r}")
        builder = builder.config(key.strip(), value.strip())
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# the store's column types (the manifest's, DuckDB's names) as Spark's
SPARK_TYPES = {"INTEGER": "INT", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "VARCHAR": "STRING",
               "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ"}


def spark_schema(columns: list[list[str]]) -> str | None:
    """A table's Spark schema (DDL) from the manifest's [name, DuckDB type] columns; None
    when a type has no entry in :data:`SPARK_TYPES`."""
    if not columns or any(kind not in SPARK_TYPES for _, kind in columns):
        return None
    return ", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in columns)


def open_lake(spark: SparkSession, lake: str) -> dict:
    """Make every table of the lake at *lake* (a directory or a URI Spark reads) a view of
    *spark*, by the table's name; returns the lake's checked manifest."""
    where = lake.rstrip("/")
    try:
        text = spark.read.text(f"{where}/{MANIFEST}", wholetext=True).first()
    except AnalysisException:
        text = None
    if text is None:
        raise LakeError(f"{lake} is not an Engage lake: it has no {MANIFEST}; make one with "
                        "`engage export-lake --db FILE --out DIR`.")
    manifest = check_manifest(text[0], where)
    check_current(manifest, where)
    for name, entry in manifest["tables"].items():
        try:
            reader = spark.read
            schema = spark_schema(entry.get("columns", []))
            if schema is not None:     # else inferred from the files' footers (slower)
                reader = reader.schema(schema)
            reader.parquet(f"{where}/{name}").createOrReplaceTempView(name)
        except AnalysisException as exc:
            raise LakeError(f"the lake {lake} lacks the files of table {name}; it is "
                            "incomplete.") from exc
    return manifest
