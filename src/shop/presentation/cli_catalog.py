"""``shop-admin INI catalog import FILE [--dry-run]``: products from a CSV or XLSX file at the
console (the format: ``shop.application.catalog.import_format``, or the back office's import
page).

The whole file is one transaction: a file with any bad row imports nothing and every problem
is listed (line, column, message); Ctrl-C at any point rolls everything back. The console takes
files larger than the web form's 5 MB (up to the row limit); ``--dry-run`` checks without
writing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from shop.application import ImportReport, Shop, Upload
from shop.application.catalog.import_format import MAX_ROWS

#: The console reads files this large at most (50,000 rows of a wordy catalog).
MAX_FILE_BYTES = 256 * 1024 * 1024


def _text(message: Any) -> str:
    interpolate = getattr(message, "interpolate", None)
    return interpolate() if interpolate else str(message)


def catalog_import(shop: Shop, args: argparse.Namespace) -> int:
    # Imported here: the console's main module imports this one.
    from shop.presentation.cli import ProgressBar

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no file {path}", file=sys.stderr)
        return 1
    started = time.monotonic()
    progress = ProgressBar()
    try:
        with path.open("rb") as stream, shop.transaction(
                actor=shop.system_actor("shop-admin catalog import")) as tx:
            upload = Upload(stream, path.name)
            service = tx.product_import
            report = (service.check(upload, max_bytes=MAX_FILE_BYTES, progress=progress)
                      if args.dry_run
                      else service.run(upload, max_bytes=MAX_FILE_BYTES, progress=progress))
    except KeyboardInterrupt:
        print("\ninterrupted: the import was rolled back, nothing was written",
              file=sys.stderr)
        return 130
    return _said(report, args.dry_run, time.monotonic() - started)


def _said(report: ImportReport, dry_run: bool, seconds: float) -> int:
    for error in report.errors:
        print(f"line {error.line}, {error.column}: {_text(error.message)}")
    counts = f"{report.products:,} products with {report.skus:,} SKUs"
    if report.errors:
        print(f"{report.file_name}: {report.bad_lines:,} of {report.rows:,} rows have problems "
              f"({len(report.errors):,} in all); nothing was imported", file=sys.stderr)
        return 1
    if dry_run:
        print(f"{report.file_name}: no problem found in {counts} ({seconds:.1f}s); "
              "nothing written (dry run)")
    else:
        print(f"{report.file_name}: imported {counts} in {seconds:.1f}s")
    return 0


def add_catalog_commands(areas: Any) -> None:
    catalog = areas.add_parser("catalog", help="the catalog").add_subparsers(
        dest="action", required=True)
    load = catalog.add_parser(
        "import", help=f"import products from a CSV or XLSX file (one row per SKU, at most "
                       f"{MAX_ROWS:,} rows), all or nothing")
    load.add_argument("file", help="the CSV or XLSX file")
    load.add_argument("--dry-run", action="store_true",
                      help="check every row and list the problems; write nothing")
    load.set_defaults(handler=catalog_import)
