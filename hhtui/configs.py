"""A ``config`` as every command and function takes it: the path of a JSON file (an export's
sidecar) or its content as a dict, read and turned into settings in one way.

``hhtui run/axon/network/sweep --config FILE`` and ``config=`` of :func:`hhtui.simulate`,
:func:`hhtui.axon`, :func:`hhtui.network` and :func:`hhtui.sweep` all read it here, so the same
bad file gets the same one-line :class:`~hhtui.model.ParameterError` everywhere, naming the
option as the caller spells it (``--config`` or ``config``) and the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hhtui.model.errors import ParameterError

T = TypeVar("T")

__all__ = ["config_data", "from_config"]


def config_data(config: Any, name: str, accepted: str) -> tuple[Any, str]:
    """(the content, where it came from) of ``config``: a mapping (copied; where: ``name``) or the
    path of a JSON file (read; where: ``"name: path"``). Anything else, or a file that cannot be
    read as JSON, is refused naming ``name`` (``--config`` or ``config``); ``accepted`` completes
    "``name`` must be ...", e.g. ``"a path to a JSON file or a dict"``."""
    if isinstance(config, Mapping):
        return dict(config), name
    if isinstance(config, (str, os.PathLike)):
        from hhtui.export import ExportError, read_json

        try:
            return read_json(config), f"{name}: {os.fspath(config)}"
        except ExportError as error:
            raise ParameterError(f"{name}: {error}", parameter="config") from None
    raise ParameterError(f"{name} must be {accepted}, got {type(config).__name__}", parameter="config")


def from_config(where: str, build: Callable[[], T]) -> T:
    """``build()``, its refusals of the content said in one line after ``where`` (what
    :func:`config_data` returned): a number beyond a float's range, nesting too deep, or a value
    the settings refuse."""
    try:
        return build()
    except OverflowError:
        raise ParameterError(f"{where}: a number is too large for a float", parameter="config") from None
    except RecursionError:
        raise ParameterError(f"{where}: nested too deeply", parameter="config") from None
    except (ParameterError, TypeError, ValueError) as error:
        raise ParameterError(f"{where}: {error}", parameter="config") from None
