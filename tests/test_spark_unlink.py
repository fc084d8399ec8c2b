"""`./scripts/spark unlink PERSON_ID` on a lake does what the Data page's Undo of a link by
name does on a DuckDB store (engage_metrics.resolve.unlink): every table equal by content
afterwards. Runs Spark (the `spark` mark: not in the default run; README, Spark)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from spark_stores import FAST_ARGS, content, lake_views, spark_cli

from engage_metrics import db, importer, resolve

# Ana's name-only sign-in is linked by name to Ana with an email in the same file
LINKED = ("Name,Email,Event,Date,Status\n"
          "Ana Lopez,ana@x.org,Canvass,2025-03-01,Attended\n"
          "Ana Lopez,,Canvass,2025-03-08,Attended\n"
          "Bo Chan,bo@x.org,Canvass,2025-03-01,Attended\n"
          "Bo Chan,bo@x.org,Canvass,2025-03-08,Attended\n")

pytestmark = [pytest.mark.spark,
              pytest.mark.skipif(shutil.which("java") is None, reason="no Java")]


def test_unlink_on_spark_gives_what_unlink_gives_on_duckdb(tmp_path: Path) -> None:
    sheet = tmp_path / "sign-ins.csv"
    sheet.write_text(LINKED)
    con = db.connect(tmp_path / "duck.duckdb")
    try:
        importer.import_files(con, [sheet])
        [link] = resolve.name_links(con)["link_key"].tolist()
        linked = content(con)
        resolve.unlink(con, link)
        expected = content(con)
    finally:
        con.close()
    assert linked["person"] != expected["person"]      # the link made a difference
    folder = tmp_path / "lake"
    r = spark_cli("import", "--lake", str(folder), str(sheet), *FAST_ARGS)
    assert r.returncode == 0, r.stderr
    views = lake_views(folder)
    assert content(views) == linked
    [(ana,)] = views.execute("SELECT person_id FROM person WHERE email = 'ana@x.org'").fetchall()
    [(bo,)] = views.execute("SELECT person_id FROM person WHERE email = 'bo@x.org'").fetchall()
    views.close()
    r = spark_cli("unlink", "--lake", str(folder), str(bo), *FAST_ARGS)      # Bo has no link
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.splitlines()[-1] == (f"error: person #{bo} has no link by name (the "
                                         "Data page lists them under Linked by name)")
    r = spark_cli("unlink", "--lake", str(folder), str(ana), *FAST_ARGS)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"1 link(s) by name into person #{ana} undone\n"
    got = content(lake_views(folder))
    for table in expected:
        assert got[table] == expected[table], table
