"""Time the Excel reader on a generated workbook.

    .venv/bin/python benchmarks/excel_read.py [--rows 50000] [--runs 3] [--keep PATH]

Writes a deterministic .xlsx of *rows* participation rows under a title line (real date
and time cells, numbers, text, a few merged event cells), then reads it with
engage_metrics.reader.read_excel *runs* times and prints each run's wall and CPU time.
CPU time is the steadier number on a shared machine. Not a test: nothing is asserted
beyond the row count.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engage_metrics.reader import read_excel  # noqa: E402 - after the path above


def write_workbook(path: Path, rows: int) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Shifts"
    sheet.append(["Volunteer hours export"])
    sheet.append([])
    sheet.append(["Date", "Event", "Name", "Email", "Time In", "Time Out", "Hours", "Status"])
    for i in range(rows):
        sheet.append([dt.date(2024, 1, 1) + dt.timedelta(days=i % 365), f"Event {i % 97}",
                      f"Person {i % 5000}", f"p{i % 5000}@example.org", dt.time(9, i % 60),
                      dt.time(12, (i * 7) % 60), (i % 8) / 2,
                      "Attended" if i % 5 else "No Show"])
    for first in range(4, rows, 5000):            # a merged event cell over 4 rows
        sheet.merge_cells(start_row=first, start_column=2, end_row=first + 3, end_column=2)
    book.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the workbook here (else a temp dir)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="engage-excel-") as tmp:
        path = args.keep or Path(tmp) / f"{args.rows}.xlsx"
        if not path.exists():
            write_workbook(path, args.rows)
        data = path.read_bytes()
        walls, cpus = [], []
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            table = read_excel(data, path.name)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            assert len(table.rows) == args.rows, len(table.rows)
    def runs(times: list[float]) -> str:
        return (", ".join(f"{t:.2f}" for t in times)
                + f" s (median {statistics.median(times):.2f})")

    print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB: read_excel wall {runs(walls)}; "
          f"CPU {runs(cpus)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
