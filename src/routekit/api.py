"""Loading rules: ``routekit.load(path)`` and ``routekit.loads(text)``.

Reading the `.route` file the host names is the only file access in the core.
"""

from __future__ import annotations

import os
from typing import Union

from .errors import RoutekitTypeError, RoutekitValueError
from .plan import Plan
from .source import Source


def loads(text: str, name: str = "<rules>") -> Plan:
    """Parse and compile ``text``, reporting problems under ``name``.

    Raises:
        RouteSyntaxError: the text does not parse (or breaks a size limit).
        RouteError: it parses but does not make sense; every problem is listed at once.
    """
    if not isinstance(text, str):
        raise RoutekitTypeError(f"loads() takes the rules as text, not {type(text).__name__}")
    if not isinstance(name, str):
        raise RoutekitTypeError("name must be text")
    # lark and the compiler load on first use, so `import routekit` stays fast for hosts
    # that only unpickle plans or build routers.
    from ._builder import parse
    from ._compiler import compile_rules

    rules = parse(text, name)
    return compile_rules(rules, Source(name, text))


def load(path: Union[str, os.PathLike[str]]) -> Plan:
    """Read and compile the `.route` file at ``path`` (UTF-8)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise RoutekitValueError(f"{os.fspath(path)}: no such file") from None
    except UnicodeDecodeError as error:
        raise RoutekitValueError(f"{os.fspath(path)}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise RoutekitValueError(f"{os.fspath(path)}: cannot be read ({error.strerror})") from None
    return loads(text, os.fspath(path))
