#!/usr/bin/env python3
"""Refresh routekit's bundled copy of the public suffix list.

For maintainers, run by hand before a release (routekit itself never goes to the network):

    python scripts/refresh_public_suffix.py              # download and rewrite the data file
    python scripts/refresh_public_suffix.py --dry-run    # download and check only
    python scripts/refresh_public_suffix.py --from-file list.dat   # use a copy you already have

The file is kept exactly as published, header (MPL-2.0 notice, VERSION, COMMIT) and both the
ICANN and PRIVATE sections included. A new list can change which domains are registrable,
and so which account a lead matches: mention the refresh in the changelog.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import List, Optional

URL = "https://publicsuffix.org/list/public_suffix_list.dat"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent / "src" / "routekit" / "data" / "public_suffix_list.dat"
)
_MARKERS = (
    "// ===BEGIN ICANN DOMAINS===",
    "// ===END ICANN DOMAINS===",
    "// ===BEGIN PRIVATE DOMAINS===",
    "// ===END PRIVATE DOMAINS===",
)
_MIN_RULES = 5000


def rules_in(text: str) -> int:
    """How many rules (non-comment, non-blank lines) the list holds."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.startswith("//"))


def version_of(text: str) -> str:
    """The list's ``// VERSION:`` line, or "unknown"."""
    for line in text.splitlines()[:50]:
        if line.startswith("// VERSION:"):
            return line[len("// VERSION:") :].strip()
    return "unknown"


def validate(text: str) -> None:
    """Refuse anything that is not a whole public suffix list (an error page, a cut download)."""
    if "Mozilla Public" not in text[:500]:
        raise ValueError("the MPL-2.0 licence header is missing")
    positions = [text.find(marker) for marker in _MARKERS]
    if any(pos < 0 for pos in positions):
        missing = [m for m, pos in zip(_MARKERS, positions) if pos < 0]
        raise ValueError(f"section markers missing: {', '.join(missing)}")
    if positions != sorted(positions):
        raise ValueError("the ICANN and PRIVATE sections are out of order")
    count = rules_in(text)
    if count < _MIN_RULES:
        raise ValueError(f"only {count} rules; expected at least {_MIN_RULES}")


def fetch(url: str, timeout: float) -> str:
    request = urllib.request.Request(url, headers={"User-Agent": "routekit-maintainer-refresh"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: bytes = response.read()
    return data.decode("utf-8")


def write(path: Path, text: str) -> None:
    """Replace ``path`` atomically, so an interrupted run never leaves half a list."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=URL, help="where to download from (default: %(default)s)")
    parser.add_argument("--from-file", type=Path, help="read this file instead of downloading")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to rewrite")
    parser.add_argument("--dry-run", action="store_true", help="check, but do not write")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default: 60)")
    args = parser.parse_args(argv)

    if args.from_file is not None:
        text = args.from_file.read_text(encoding="utf-8")
    else:
        text = fetch(args.url, args.timeout)
    text = text.replace("\r\n", "\n")
    try:
        validate(text)
    except ValueError as exc:
        print(f"refusing the new list: {exc}", file=sys.stderr)
        return 1

    old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    print(f"current: {version_of(old)} ({rules_in(old)} rules)")
    print(f"new:     {version_of(text)} ({rules_in(text)} rules)")
    if text == old:
        print("unchanged")
        return 0
    if args.dry_run:
        print("dry run: not written")
        return 0
    write(args.output, text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
