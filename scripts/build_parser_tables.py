"""Rebuild src/routekit/_parser_tables.bin from grammar/routekit.lark.

Run after changing the grammar or upgrading lark (a test fails until you do):

    python scripts/build_parser_tables.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from routekit._parser import TABLES_FILE, serialize_parser  # noqa: E402


def main() -> None:
    target = ROOT / "src" / "routekit" / TABLES_FILE
    target.write_bytes(serialize_parser())
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
