"""The command line: every subcommand documented in --help, exit codes, the
report's JSON shape, and one-line errors instead of tracebacks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_cli import engage

import engage_metrics
from engage_metrics.cli import COMMANDS, build_parser
from engage_metrics.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def cli(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
    return engage(*args, *(["--db", str(db)] if db is not None else []))


def cli_process(*args: str) -> subprocess.CompletedProcess:
    """`python -m engage_metrics ARGS` in a new process."""
    return subprocess.run([sys.executable, "-m", "engage_metrics", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_and_is_documented(command):
    result = cli(command, "--help")
    assert result.returncode == 0
    assert f"engage {command}" in result.stdout
    assert f"`{command}" in README, f"README does not document `{command}`"


def test_no_arguments_lists_the_commands_and_version_prints():
    result = cli_process()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: engage")
    for command in COMMANDS:
        assert f"    {command}" in result.stdout, f"{command} missing from the command list"
    version = cli_process("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"engage {engage_metrics.__version__}"


def test_console_script_works_from_any_directory(tmp_path):
    """./scripts/test installs the project into .venv (editable): `engage` is on the
    venv's PATH and finds its SQL files and settings from another working directory."""
    script = Path(sys.executable).with_name("engage")
    assert script.exists(), "no `engage` console script: run ./scripts/test (pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    db = tmp_path / "any.duckdb"
    f = tmp_path / "one.csv"
    f.write_text("Email,Event,Date,Status\na@x.org,Canvass,2025-01-10,Attended\n")
    for args in (["--version"], ["import", "--db", str(db), str(f)],
                 ["report", "--db", str(db), "--format", "json"]):
        r = subprocess.run([str(script), *args], capture_output=True, text=True,
                           cwd=tmp_path, env=env, timeout=300)
        assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["participation"]["active"] == 1


def test_parser_knows_exactly_the_dispatched_commands():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)


def test_import_report_history_undo_round_trip(tmp_path):
    db = tmp_path / "cli.duckdb"
    f = tmp_path / "rsvps.csv"
    f.write_text("Email,Event,Event Type,Date,Status,Program\n"
                 "a@x.org,Canvass 1,Canvass,2025-01-10,Attended,Field\n"
                 "b@x.org,Canvass 1,Canvass,2025-01-10,No Show,Field\n"
                 "a@x.org,Potluck,Potluck,2025-02-10,Attended,Social\n"
                 "c@x.org,Potluck,Potluck,2025-02-10,Perhaps,Social\n")
    r = cli("import", str(f), db=db)
    assert r.returncode == 0, r.stderr
    assert "4 rows read, 3 accepted, 1 rejected" in r.stdout and "unknown status" in r.stdout
    r = cli("import", str(f), db=db)
    assert r.returncode == 0 and "already imported as import #1" in r.stdout
    r = cli("report", "--start", "2025-01-01", "--end", "2025-03-01", "--format", "json", db=db)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert set(rep) >= {"window", "participation", "ladder", "depth", "spectrum"}
    assert rep["window"] == {"start": "2025-01-01", "end": "2025-03-01", "program": None}
    # a attended twice, b no-showed once: active 1, attended 2, no-show 1/(2+1)
    assert rep["participation"]["active"] == 1
    assert rep["participation"]["attended"] == 2
    assert rep["participation"]["no_show_rate"] == pytest.approx(1 / 3)
    assert set(rep["ladder"]["reached"]) == {"1", "2", "3", "4", "5"}
    assert set(rep["depth"]["tiers"]) == {"New", "Acquainted", "Connected", "Committed", "Core"}
    # task share: canvass 1 + potluck 0 over 2 attended
    assert rep["spectrum"]["task_share"] == pytest.approx(0.5)
    r = cli("report", "--program", "Field", "--format", "text", db=db)
    assert r.returncode == 0 and "Active people" in r.stdout
    r = cli("rejected", db=db)
    assert "unknown status 'Perhaps'" in r.stdout
    assert "rsvps.csv" in cli("history", db=db).stdout
    # the full rebuild from the journal changes no number
    r = cli("rebuild", db=db)
    assert r.returncode == 0 and r.stdout.startswith("rebuilt: ")
    assert json.loads(cli("report", "--start", "2025-01-01", "--end", "2025-03-01", "--format",
                          "json", db=db).stdout) == rep
    assert cli("undo", "1", db=db).returncode == 0
    assert cli("history", db=db).stdout.strip() == "no imports yet"


@pytest.mark.parametrize("args, message", [
    (["import", "/nonexistent/file.csv"], "cannot read the file"),
    (["undo", "42"], "no import #42"),
    (["report", "--program", "Nope"], "unknown program 'Nope'"),
    (["report", "--start", "2025-02-01", "--end", "2025-01-01"], "the window is empty"),
])
def test_errors_are_one_line_with_exit_2(tmp_path, args, message):
    from engage_metrics import db as store
    store.connect(tmp_path / "e.duckdb").close()
    r = cli(*args, db=tmp_path / "e.duckdb")
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_import_with_nothing_acceptable_exits_2_and_writes_nothing(tmp_path):
    db = tmp_path / "n.duckdb"
    f = tmp_path / "bad.csv"
    f.write_text("Email,Event,Date\na@x.org,Rally,not a date\n")
    r = cli("import", str(f), db=db)
    assert r.returncode == 2 and "every one of the 1 rows was rejected" in r.stderr
    assert cli("history", db=db).stdout.strip() == "no imports yet"


def test_mapping_file_and_registered_as_attended(tmp_path):
    db = tmp_path / "m.duckdb"
    f = tmp_path / "an.csv"
    f.write_text("correo,actividad,dia,estado\na@x.org,Rally,2025-01-10,registered\n")
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"email": "correo", "title": "actividad", "starts_at": "dia",
                             "status": "estado"}))
    r = cli("import", "--mapping", str(m), "--treat-registered-as-attended", str(f), db=db)
    assert r.returncode == 0, r.stderr
    rep = json.loads(cli("report", "--format", "json", db=db).stdout)
    assert rep["participation"]["attended"] == 1


def test_a_mistake_in_the_defaults_file_is_one_line(tmp_path, monkeypatch, capsys):
    from engage_metrics import config

    good = (ROOT / "data" / "engage.toml").read_text()
    bad = tmp_path / "engage.toml"
    monkeypatch.setattr(config, "DEFAULTS_FILE", bad)
    for text, message in ((good.replace("lapse_days = 180", "lapse_days = 0"),
                           "lapse threshold must be a positive whole number of days, not 0"),
                          (good.replace("lapse_days = 180", 'lapse_days = "x"'), "not 'x'"),
                          (good + "\n[broken\n", "at line"),
                          (good.replace("[depth]", "[no_depth]"), "lacks 'tenure_days'")):
        bad.write_text(text)
        config.defaults.cache_clear()
        assert cli_main(["demo", "--db", str(tmp_path / "x.duckdb")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {bad}: ") and message in err and err.count("\n") == 1
    config.defaults.cache_clear()


def test_output_into_a_closed_pipe_is_no_traceback():
    """`engage definitions | head -1`: the reader goes away while output is written."""
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)   # smaller than the output
    proc = subprocess.Popen([sys.executable, "-m", "engage_metrics", "definitions"],
                            stdout=write_end, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(write_end)
    with os.fdopen(read_end, "rb") as out:
        assert out.read(200)
    _, err = proc.communicate(timeout=120)
    assert err == b"" and proc.returncode == 1


def test_definitions_lists_every_registered_metric():
    from engage_metrics import registry
    r = cli("definitions", "--format", "json")
    ids = {m["id"] for m in json.loads(r.stdout)["metrics"]}
    assert ids == set(registry.metrics())
    assert all(m["definition"] for m in json.loads(r.stdout)["metrics"])


def test_every_definitions_format_carries_the_targets_rules_and_the_models(capsys):
    """text, json and markdown all show the metrics, targets.DEFINITIONS and the models."""
    from engage_metrics import registry, targets
    from engage_metrics.cli import main

    shown = {}
    for fmt in ("text", "json", "markdown"):
        assert main(["definitions", "--format", fmt]) == 0
        shown[fmt] = capsys.readouterr().out
    found = json.loads(shown["json"])
    assert [t["term"] for t in found["targets"]] == list(targets.DEFINITIONS)
    assert [m["id"] for m in found["models"]] == list(registry.models()) == [
        "ask_chance", "still_active"]
    assert all(m["features"] and m["backtest"] and m["fallback"] for m in found["models"])
    for fmt in ("text", "markdown"):
        for model in registry.models().values():
            assert model.id in shown[fmt] and model.label in shown[fmt], (fmt, model.id)
        assert all(term in shown[fmt] for term in targets.DEFINITIONS), fmt


def test_forcing_the_wrong_source_is_a_clear_error(tmp_path):
    f = tmp_path / "volunteers.csv"
    f.write_text("Email,Event,Date,Status\na@x.org,Rally,2025-01-10,Attended\n")
    for source in ("google_forms", "eventbrite", "zoom", "mobilize", "civicrm", "salesforce_v4s",
                   "van", "signupgenius", "galaxy_digital", "action_network"):
        r = cli("import", "--source", source, str(f), db=tmp_path / f"w-{source}.duckdb")
        assert "Traceback" not in r.stderr, (source, r.stderr)
        if r.returncode == 2:
            assert len(r.stderr.strip().splitlines()) == 1
    r = cli("import", "--source", "eventbrite", str(f), db=tmp_path / "w.duckdb")
    assert r.returncode == 2 and "does not look like an export of Eventbrite (attendee summary)" in r.stderr
    r = cli("import", "--source", "mobilise", str(f), db=tmp_path / "w.duckdb")
    assert r.returncode == 2 and "invalid choice: 'mobilise'" in r.stderr


def test_read_commands_refuse_a_missing_database(tmp_path):
    missing = tmp_path / "typo.duckdb"
    r = cli("report", db=missing)
    assert r.returncode == 2 and "there is no database at" in r.stderr
    assert not missing.exists()


def test_each_import_outcome_is_printed_once_on_its_stream(tmp_path):
    """What landed goes to stdout; a failed file is reported once, on stderr (as the one
    error line when nothing landed), and makes the exit code 2 even beside files that
    landed (a file that lands nothing is never a silent exit 0)."""
    good = tmp_path / "good.csv"
    good.write_text("Email,Event,Date,Status\na@x.org,Rally,2025-01-10,Attended\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("Email,Event,Date,Status\na@x.org,Rally,not a date,Attended\n")
    r = cli("import", str(good), str(bad), db=tmp_path / "mixed.duckdb")
    assert r.returncode == 2
    assert "good.csv: import #1" in r.stdout and "bad.csv" not in r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bad.csv: nothing imported — ")
    r = cli("import", str(bad), db=tmp_path / "none.duckdb")
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("error: nothing imported: bad.csv: ")
