"""The one registry of the app's plot view names, as experiments name them (``Experiment.view``).

Plain data, free of any interface import, so the presets (``hhtui.experiments``) check their
views against it and the app (``hhtui.tui.views``) loads one module per name. To add a view,
add its name here and write its module in ``hhtui/tui/views/``.
"""

from __future__ import annotations

#: View names, in the order ``v`` cycles through them.
ORDER: tuple[str, ...] = (
    "voltage",
    "currents",
    "conductances",
    "phase",
    "kinetics",
    "fi",
    "phases",
    "clamp",
    "hysteresis",
)
#: Other names an experiment may use for a view.
ALIASES: dict[str, str] = {"gates": "voltage", "voltage+gates": "voltage", "main": "voltage"}
#: Every name an experiment may give as its view.
VIEWS: tuple[str, ...] = (*ORDER, *ALIASES)
