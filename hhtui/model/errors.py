"""Exceptions raised by the model, each carrying a message meant for a person."""

from __future__ import annotations

from typing import Any


class ParameterError(ValueError):
    """A parameter value is outside its physical or numerical range.

    The message names the parameter, the value given and the allowed range; ``parameter``, when
    set, is the name of the setting it concerns as the caller knows it (e.g. ``"amp"`` or
    ``"g_na"`` for the Python API), so a front end can point at its own field or flag. A limit
    on a combination of settings lists all of them in ``parameters`` (``parameter`` is the first).
    """

    def __init__(self, message: str, parameter: str | None = None, parameters: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.parameters: tuple[str, ...] = tuple(parameters) or ((parameter,) if parameter else ())
        self.parameter = parameter if parameter is not None else (self.parameters[0] if self.parameters else None)


class NumericalInstabilityError(RuntimeError):
    """The integration blew up (NaN, or |V| beyond the physical range).

    ``samples`` holds the recording up to the last good step and ``time_ms`` the
    simulated time at which the blow-up was detected.
    """

    def __init__(self, message: str, samples: Any = None, time_ms: float = float("nan")):
        super().__init__(message)
        self.samples = samples
        self.time_ms = time_ms
