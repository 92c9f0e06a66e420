"""The compiled-plan cache: reload an unchanged file without parsing or compiling it.

Used only when the host passes ``cache_dir`` to `routekit.load` / `routekit.loads`:
routekit writes nothing anywhere by itself. An entry is keyed by a SHA-256 of the rule
text, its name, and a fingerprint of this routekit (its version, its own source files
and the grammar) and of the Python running it, so an entry written by any other
version is simply never looked up. A missing, damaged or unreadable entry is ignored
and the file is compiled as usual (and the entry written again).

An entry is a pickle of the plan's parts. The generated matching code is not pickled:
its source and the values it names are, and it is compiled again on load (for a small
file that is a fraction of a millisecond; a big file uses the decision-table index,
which is plain data). Like any pickle, an entry runs code when loaded: the cache
directory must be as trusted as the code of the application itself.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Union

import attrs

from ._gc import gc_paused
from ._version import __version__
from .plan import Plan

FORMAT = 1
SUFFIX = ".routekit-plan"
_NOT_PICKLED = ("fast_match", "fast_score")

CacheDir = Union[str, "os.PathLike[str]"]


def entry_path(text: str, name: str, cache_dir: CacheDir) -> Path:
    """Where the plan of ``text`` (reported as ``name``) is kept in ``cache_dir``."""
    digest = hashlib.sha256(_fingerprint())
    digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return Path(cache_dir) / (digest.hexdigest() + SUFFIX)


def load(text: str, name: str, cache_dir: CacheDir) -> Optional[Plan]:
    """The cached plan for this text and name, or None (never raises for a bad entry)."""
    path = entry_path(text, name, cache_dir)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    # Unpickling makes tens of thousands of objects, none of them garbage: without the
    # pause the cycle collector walks them all again and again (twice the load time).
    with gc_paused():
        try:
            return _rebuild(pickle.loads(data), text)
        except Exception:  # damaged, truncated, or written by a build gone wrong
            return None


def store(plan: Plan, cache_dir: CacheDir) -> None:
    """Write ``plan`` to the cache, atomically; a cache that cannot be written is skipped."""
    path = entry_path(plan.source.text, plan.name, cache_dir)
    try:
        data = pickle.dumps(_state(plan), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a plan holding something unpicklable is simply not cached
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=str(path.parent), suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)  # readers see the old entry or the new, never half
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return


def _state(plan: Plan) -> Dict[str, Any]:
    fields = {
        field.name: getattr(plan, field.name)
        for field in attrs.fields(Plan)
        if field.name not in _NOT_PICKLED
    }
    fields["source"] = plan.source.name  # the text is the key: not stored twice
    generated = plan.fast_score if plan.fast_score is not None else plan.fast_match
    namespace = getattr(generated, "__globals__", None)
    return {
        "format": FORMAT,
        "fields": fields,
        "indexed": None if hasattr(plan.fast_match, "__globals__") else plan.fast_match,
        "namespace": None
        if namespace is None
        else {k: v for k, v in namespace.items() if k not in ("__builtins__", "match", "score")},
    }


def _rebuild(state: Dict[str, Any], text: str) -> Plan:
    from .source import Source

    if state["format"] != FORMAT:
        raise ValueError("another cache format")
    fields = dict(state["fields"])
    fields["source"] = Source(fields["source"], text)
    namespace = state["namespace"]
    if namespace is not None:
        namespace = dict(namespace)
        exec(compile(fields["fast_source"], "<routekit fast path>", "exec"), namespace)
    fields["fast_match"] = state["indexed"] if state["indexed"] is not None else namespace["match"]
    fields["fast_score"] = namespace.get("score") if namespace is not None else None
    fields["rules"] = fields.pop("_rules")
    return Plan(**fields)


@functools.lru_cache(maxsize=1)
def _fingerprint() -> bytes:
    """What makes a cached plan valid: routekit's code and version, and the Python."""
    digest = hashlib.sha256(
        f"{FORMAT}|{__version__}|{sys.version}|{sys.implementation.cache_tag}".encode()
    )
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(package.rglob("*.lark"))
    grammar = package.parents[1] / "grammar" / "routekit.lark"  # a source checkout
    for path in [*files, grammar]:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            continue
    return digest.digest()
