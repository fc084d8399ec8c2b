"""`./scripts/spark COMMAND` (or `python -m engage_spark` in .venv-spark): the CLI's
commands on a lake instead of a DuckDB file — `--lake DIR` in place of `--db`, and
`--master` to choose the cluster (default local[*], or the one spark-submit gives).

Output and errors are the DuckDB CLI's: `report --format json` prints the same JSON
(engage_metrics.cli.print_report), a bad window the same one-line error (exit 2);
`import` takes `engage import`'s options and prints its summaries and errors
(engage_metrics.cli.import_options, print_imports); `undo` and `decide` write the lake too
(engage_spark.change).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from engage_metrics import __version__, lake, lake_commit
from engage_metrics import cli as duckdb_cli
from engage_metrics.cli import EXIT_ERROR, CliError
from engage_metrics.config import ConfigError
from engage_metrics.lake import LakeError

# the import history's columns, as `engage history` lists them (without sha256)
HISTORY_SQL = ("SELECT import_id, imported_at, file_name, kind, source, rows_read, "
               "rows_accepted, rows_rejected, rows_skipped FROM import_log "
               "ORDER BY import_id DESC")


LAKE_READ_HELP = ("the lake: a directory (or a URI Spark reads, e.g. hdfs://…) written by "
                  "`./scripts/spark import` or `engage export-lake`")
LAKE_WRITE_HELP = ("the lake: a directory on a local or mounted file system (created by "
                   "`import` when new)")


def _spark_args(p: argparse.ArgumentParser, lake_help: str = LAKE_READ_HELP) -> None:
    p.add_argument("--lake", required=True, metavar="DIR", help=lake_help)
    p.add_argument("--master", default=None,
                   help="the Spark master: local[*] (the default), local[N], "
                        "spark://HOST:PORT, yarn, k8s://… (under spark-submit: its own)")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="a Spark setting, as spark-submit's --conf (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spark", description="Engage on Apache Spark: imports into a lake and its "
        "metrics, from the same SQL files as the DuckDB store.")
    parser.add_argument("--version", action="version", version=f"engage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import participation, people or ask files",
                       description="Import files into the lake (created when DIR is new): "
                       "each file is read and normalized as `engage import` does, then Spark "
                       "resolves identities and derives the canonical tables and facts from "
                       "the whole journal; the call's changes are staged inside the lake and "
                       "committed when complete. An identical file imported again changes "
                       "nothing.")
    _spark_args(p, lake_help=LAKE_WRITE_HELP)
    duckdb_cli.import_args(p)

    p = sub.add_parser("undo", help="undo an import",
                       description="Remove one import's journal partitions and derive the "
                       "lake again.")
    _spark_args(p, lake_help=LAKE_WRITE_HELP)
    p.add_argument("import_id", type=int)

    p = sub.add_parser("unlink", help="undo the links by name into a person",
                       description="Name-only sign-ins (no email, phone or id) joined by name "
                       "to the one person with that name and an email in the same file (the "
                       "Data page lists them under Linked by name): keep them apart from "
                       "person PERSON_ID (a keep-apart decision for each link, as the Data "
                       "page's Undo records it) and derive the lake again.")
    _spark_args(p, lake_help=LAKE_WRITE_HELP)
    p.add_argument("person_id", type=int, metavar="PERSON_ID")

    p = sub.add_parser("recover", help="finish a change that stopped midway",
                       description="Finish what a change (import, undo, decide, unlink) left when "
                       "its process died: completed when it had begun its commit, deleted "
                       "when it had not (the lake is then as before it). Every change does "
                       "this first; readers refuse a lake whose commit is unfinished until "
                       "then. Needs no Spark.")
    p.add_argument("--lake", required=True, metavar="DIR", help=LAKE_WRITE_HELP)

    p = sub.add_parser("decide", help="merge two people, or keep them apart",
                       description="Record an identity decision between two people (person "
                       "ids, as the canonical table person lists them), keyed by their "
                       "strongest identifiers so that it survives re-imports; a merge joins "
                       "them and derives the lake again. The Data page's decision, on a lake.")
    _spark_args(p, lake_help=LAKE_WRITE_HELP)
    p.add_argument("decision", choices=("merge", "apart"))
    p.add_argument("person_a", type=int)
    p.add_argument("person_b", type=int)

    p = sub.add_parser("report", help="print the metric report for a window",
                       description="Every headline metric for a window [start, end), "
                       "computed by Spark; the same numbers and output as `engage report`. "
                       "Default window: the last 12 months of data.")
    _spark_args(p)
    p.add_argument("--start", type=duckdb_cli._date, help="first day of the window (YYYY-MM-DD)")
    p.add_argument("--end", type=duckdb_cli._date,
                   help="day after the window (YYYY-MM-DD, exclusive)")
    p.add_argument("--program", action="append", default=[],
                   help="restrict to a program (repeat for several)")
    p.add_argument("--format", choices=("json", "text"), default="text")

    p = sub.add_parser("history", help="list imports",
                       description="List every import of the lake, newest first.")
    _spark_args(p)

    p = sub.add_parser("definitions", help="list every metric and its definition",
                       description="The metric registry (the same as `engage definitions`).")
    p.add_argument("--format", choices=("json", "text", "markdown"), default="text")
    return parser


def cmd_report(args: argparse.Namespace) -> int:
    from engage_spark.report import SparkMetrics

    engine = SparkMetrics(_lake(args))
    window = duckdb_cli.report_window(args, engine.default_window(), engine.programs())
    duckdb_cli.print_report(engine.report(window), args.format)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    import pandas as pd

    spark = _lake(args)
    frame = spark.sql(HISTORY_SQL)
    history = pd.DataFrame([list(r) for r in frame.collect()], columns=frame.columns)
    print("no imports yet" if history.empty else history.to_string(index=False))
    return 0


def _lake(args: argparse.Namespace) -> Any:
    """A Spark session on args.master with the lake args.lake as its views."""
    from engage_spark import session

    if "://" not in args.lake:      # a local lake: checked before Spark starts
        lake.read_manifest(args.lake)
    spark = session.start(args.master, args.conf)
    session.open_lake(spark, args.lake)
    return spark


def cmd_import(args: argparse.Namespace) -> int:
    from engage_spark import change, session

    options, layouts = duckdb_cli.import_options(args)
    folder = lake_commit.check_lake_folder(args.lake)
    spark = session.start(args.master, args.conf)
    return duckdb_cli.print_imports(change.import_files(spark, folder, args.files, options,
                                                        layouts))


def _changed_lake(where: str) -> Path:
    """The local lake *where* that a change writes, checked before Spark starts (after
    finishing a change that stopped during its commit, if one did)."""
    folder = lake_commit.check_lake_folder(where)
    if lake.commit_pending(folder):
        with lake_commit.writing(folder):   # says on stderr what it finished
            pass
    lake.read_manifest(folder)
    return folder


def cmd_recover(args: argparse.Namespace) -> int:
    folder = _changed_lake(args.lake)       # a commit cut short: finished
    with lake_commit.writing(folder):       # a change cut short before it: thrown away
        pass
    print(f"{folder}: no change is left unfinished")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from engage_spark import change, session

    folder = _changed_lake(args.lake)
    change.undo(session.start(args.master, args.conf), folder, args.import_id)
    print(f"import #{args.import_id} undone")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from engage_spark import change, session

    folder = _changed_lake(args.lake)
    change.decide(session.start(args.master, args.conf), folder, args.decision,
                  args.person_a, args.person_b)
    print(f"{'merged' if args.decision == 'merge' else 'kept apart'}: people "
          f"#{args.person_a} and #{args.person_b}")
    return 0


def cmd_unlink(args: argparse.Namespace) -> int:
    from engage_spark import change, session

    folder = _changed_lake(args.lake)
    found = change.unlink(session.start(args.master, args.conf), folder, args.person_id)
    print(f"{found} link(s) by name into person #{args.person_id} undone")
    return 0


COMMANDS = {"import": cmd_import, "undo": cmd_undo, "decide": cmd_decide,
            "unlink": cmd_unlink, "recover": cmd_recover,
            "report": cmd_report, "history": cmd_history,
            "definitions": duckdb_cli.cmd_definitions}


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        return COMMANDS[args.command](args)
    except (CliError, ConfigError, LakeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return duckdb_cli.EXIT_PIPE_CLOSED
