"""The structure the tiers rely on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "shop"


def test_every_package_folder_has_an_init():
    """import-linter does not look inside a folder without __init__.py."""
    missing = [str(d.relative_to(SRC)) for d in SRC.rglob("*")
               if d.is_dir() and any(d.glob("*.py")) and not (d / "__init__.py").exists()]
    assert missing == []


def test_layer_contract_holds():
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter)], capture_output=True, text=True, check=False,
                            cwd=SRC.parents[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_only_the_clock_module_reads_the_machines_time():
    """Time has one source (``shop.application.clock``), so tests and integrators can move it."""
    # Also the indirect reads: email's formatdate() and time's gmtime()/localtime()/ctime()
    # read the machine's clock when given no time.
    pattern = re.compile(r"\b(datetime\.now|datetime\.utcnow|(date|datetime)\.today"
                         r"|time\.time|time\.time_ns|formatdate|gmtime|localtime|ctime)\(")
    readers = [f"{path.relative_to(SRC)}:{number}"
               for path in SRC.rglob("*.py") if path.name != "clock.py"
               for number, line in enumerate(path.read_text().splitlines(), 1)
               if pattern.search(line)]
    assert readers == []
