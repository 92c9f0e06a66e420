"""Loading rules: ``routekit.load(path)`` and ``routekit.loads(text)``.

Reading the `.route` file the host names is the only file access in the core.
"""

from __future__ import annotations

import os
from typing import Optional, Union

from .errors import RoutekitTypeError, RoutekitValueError
from .plan import Plan
from .source import Source

CacheDir = Union[str, "os.PathLike[str]"]


def loads(text: str, name: str = "<rules>", *, cache_dir: Optional[CacheDir] = None) -> Plan:
    """Parse and compile ``text``, reporting problems under ``name``.

    With ``cache_dir``, an unchanged text is reloaded from a compiled plan kept there
    (keyed by a hash of the text, its name and this routekit), skipping parsing and
    compiling; see the "Speed" docs. Without it, routekit writes nothing anywhere.

    Raises:
        RouteSyntaxError: the text does not parse (or breaks a size limit).
        RouteError: it parses but does not make sense; every problem is listed at once.
    """
    if not isinstance(text, str):
        raise RoutekitTypeError(f"loads() takes the rules as text, not {type(text).__name__}")
    if not isinstance(name, str):
        raise RoutekitTypeError("name must be text")
    if cache_dir is not None:
        from . import _plancache

        cached = _plancache.load(text, name, cache_dir)
        if cached is not None:
            return cached
    # lark and the compiler load on first use, so `import routekit` stays fast for hosts
    # that only unpickle plans or build routers.
    from ._builder import parse
    from ._compiler import compile_rules

    rules = parse(text, name)
    plan = compile_rules(rules, Source(name, text))
    if cache_dir is not None:
        _plancache.store(plan, cache_dir)
    return plan


def load(path: Union[str, os.PathLike[str]], *, cache_dir: Optional[CacheDir] = None) -> Plan:
    """Read and compile the `.route` file at ``path`` (UTF-8); ``cache_dir`` as in `loads`."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise RoutekitValueError(f"{os.fspath(path)}: no such file") from None
    except UnicodeDecodeError as error:
        raise RoutekitValueError(f"{os.fspath(path)}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise RoutekitValueError(f"{os.fspath(path)}: cannot be read ({error.strerror})") from None
    return loads(text, os.fspath(path), cache_dir=cache_dir)
