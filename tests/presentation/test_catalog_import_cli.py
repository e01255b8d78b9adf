"""``shop-admin INI catalog import FILE [--dry-run]``: the same import at the console, every
problem listed, nothing written by a bad file, a dry run or an interruption."""

from __future__ import annotations

import csv

import pytest

from shop.application.catalog import product_import
from shop.application.catalog.import_format import COLUMNS
from shop.presentation import cli
from tests import factories


def run(shop, *argv):
    args = cli.parser().parse_args(["development.ini", "catalog", "import", *argv])
    return args.handler(shop, args)


@pytest.fixture
def products_file(system, tmp_path):
    factories.attributes(system)
    factories.category(system, "shirts")
    path = tmp_path / "products.csv"

    def write(count: int, bad_price_on: int | None = None):
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, COLUMNS)
            writer.writeheader()
            for n in range(count):
                writer.writerow({"product_slug": f"cli-{n // 2}", "name_zh": "商品",
                                 "category": "shirts", "sku_code": f"CLI-{n}",
                                 "price": "-1" if n + 2 == bad_price_on else "9.90",
                                 "sku_values": f"size:{'sml'[n % 2]}"})
        return str(path)

    return write


def test_a_dry_run_then_an_import(shop, system, products_file, capsys):
    path = products_file(10)
    assert run(shop, path, "--dry-run") == 0
    assert "no problem found in 5 products with 10 SKUs" in capsys.readouterr().out
    assert system.products.products().matched == 0
    assert run(shop, path) == 0
    assert "imported 5 products with 10 SKUs" in capsys.readouterr().out
    assert system.products.products().matched == 5


def test_a_bad_row_is_named_and_nothing_is_written(shop, system, products_file, capsys):
    assert run(shop, products_file(10, bad_price_on=7)) == 1
    said = capsys.readouterr()
    assert said.out.startswith("line 7, price: A price cannot be negative")
    assert "1 of 10 rows have problems" in said.err and "nothing was imported" in said.err
    assert system.products.products().matched == 0


def test_ctrl_c_leaves_nothing_written(shop, system, products_file, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(product_import.ListingIndex, "products_added", interrupted)
    assert run(shop, products_file(10)) == 130
    assert "nothing was written" in capsys.readouterr().err
    assert system.products.products().matched == 0
