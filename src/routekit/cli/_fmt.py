"""``routekit fmt [--check] FILE...``: rewrite `.route` files in the canonical layout.

Without ``--check`` each file that changes is rewritten in place and named on stdout
("reformatted FILE"); with ``--check`` nothing is written, the files that would change
are listed on stdout, one a line, and the exit code is 1 if there are any, so CI can fail
on an unformatted file. ``-`` reads standard input and writes the result to standard
output. A file that does not parse is reported on stderr and left untouched (exit 1).
A file's line endings (LF or CRLF) are kept.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Union

from .._format import format_text
from ..errors import RouteSyntaxError

EXIT_OK = 0
EXIT_FINDINGS = 1

STDIN = "-"


def register(commands: Any) -> None:
    """Add the ``fmt`` subcommand to the argparse sub-parsers ``commands``."""
    fmt = commands.add_parser(
        "fmt",
        help="rewrite .route files in the canonical layout (comments kept)",
        description="Rewrite .route files in one canonical layout, keeping every comment.",
    )
    fmt.add_argument(
        "files", nargs="+", metavar="FILE", help=".route files; - reads stdin and writes stdout"
    )
    fmt.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list the files that would change and exit 1 if there are any",
    )
    fmt.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Format (or check) every file named in ``args.files``; returns the exit code."""
    status = EXIT_OK
    for path in args.files:
        if not format_file(path, check=bool(args.check)):
            status = EXIT_FINDINGS
    return status


def format_file(path: str, check: bool = False) -> bool:
    """Format one file (``-`` for stdin); False when it failed or, with ``check``, would change."""
    text = _read(path)
    if text is None:
        return False
    try:
        formatted = format_text(text, "<stdin>" if path == STDIN else path)
    except RouteSyntaxError as error:
        print(str(error), file=sys.stderr)
        return False
    newline = "\r\n" if _uses_crlf(text) else "\n"
    if newline != "\n":  # strings and comments never hold a newline, so this is safe
        formatted = formatted.replace("\n", newline)
    changed = formatted != text
    if check:
        if changed:
            print(path)
        return not changed
    if path == STDIN:
        _write_stdout(formatted)
        return True
    if changed:
        if not _write(path, formatted):
            return False
        print(f"reformatted {path}")
    return True


def _uses_crlf(text: str) -> bool:
    """Whether the first line ends with CRLF (the whole file is then written that way)."""
    end = text.find("\n")
    return end > 0 and text[end - 1] == "\r"


def _read(path: str) -> Optional[str]:
    try:
        if path == STDIN:
            data = _stdin_bytes()
            if isinstance(data, str):
                return data
        else:
            with open(path, "rb") as handle:
                data = handle.read()
        return data.decode("utf-8")
    except FileNotFoundError:
        _complain(f"{path}: no such file")
    except UnicodeDecodeError as error:
        _complain(f"{path}: not UTF-8 text ({error.reason})")
    except OSError as error:
        _complain(f"{path}: cannot be read ({error.strerror})")
    return None


def _stdin_bytes() -> Union[bytes, str]:
    """Raw bytes from stdin when it has a buffer (so we decode UTF-8 ourselves), else text."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read()
        return data
    return sys.stdin.read()


def _write_stdout(text: str) -> None:
    """UTF-8 bytes to stdout when it has a buffer, so CRLF is not translated again."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _write(path: str, text: str) -> bool:
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        _complain(f"{path}: cannot be written ({error.strerror})")
        return False
    return True


def _complain(message: str) -> None:
    print(f"routekit: {message}", file=sys.stderr)
