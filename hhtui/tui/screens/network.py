"""The network screen: spikes travelling through a small network of HH neurons.

Top: a raster plot (one row per neuron, a mark per spike, time across). Bottom: the membrane
voltage of one chosen neuron. The run is computed in a worker thread (the network kernel
releases the GIL). Keys change the topology (ring, chain, random), the synapse kind
(excitatory, inhibitory), the weight and the neuron shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from hhtui.model.network import (
    EXCITATORY_E_SYN_MV,
    INHIBITORY_E_SYN_MV,
    NetworkResult,
    NetworkSettings,
    simulate_network,
)

from ..decimate import decimate
from ..plotting import Chart, join_parts, message, padded_limits
from ..widgets.fitted_footer import FittedFooter
from .computed import ComputedScreen

#: Topologies the ``t`` key cycles through, each with its size and its own settings.
TOPOLOGY_CYCLE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("ring", {"n": 10}),
    ("chain", {"n": 10}),
    ("random", {"n": 40, "p": 0.1, "seed": 1}),
)
#: Factor of the + and - keys on the synaptic weight.
WEIGHT_FACTOR = 1.5
WEIGHT_RANGE = (0.005, 50.0)
#: What the screen is, for its help (its keys are listed from its bindings).
ABOUT = """A small network of Hodgkin-Huxley neurons coupled by synapses with a delay; neuron 0 is
kicked at the start and the spikes travel through the network.

**Raster** (top): one row per neuron (its number on the left), time across; a mark per spike,
the spikes of the neuron shown below marked apart (the legend says which is which).

**Voltage** (bottom): the membrane voltage of the neuron shown, against time (ms).

The header gives the topology, the synapses (reversal potential, weight, delay, time constant)
and how many spikes the run gave."""


def raster_chart(result: NetworkResult, width: int, height: int, colour: bool, chosen: int | None = None) -> Text:
    """Raster plot: neuron number (up, whole numbers) against spike time (ms, across); the
    ``chosen`` neuron's spikes marked apart, both kinds of mark named in the legend (on the
    frame's top edge, apart from the spikes). No axis
    labels, so that every line goes to the neurons (the screen's header says what the axes are,
    and the time axis is the voltage chart's below)."""
    n = result.settings.n
    chart = Chart(
        width,
        height,
        colour,
        xlim=(0.0, result.settings.t_stop),
        ylim=(-0.5, n - 0.5),
        yinteger=True,
        legend_inside=False,  # on the frame: a "●" in the legend among the spikes would pass for one
    )
    others = result.spike_neuron != chosen if chosen is not None else np.ones(result.spike_neuron.size, dtype=bool)
    chart.points(result.spike_time[others], result.spike_neuron[others], "spike", "V", "|")
    if chosen is not None and np.any(~others):
        chart.points(result.spike_time[~others], result.spike_neuron[~others], f"neuron {chosen}", "marker", "#")
    return chart.build()


def voltage_chart(result: NetworkResult, neuron: int, width: int, height: int, colour: bool) -> Text:
    """The recorded voltage of ``neuron`` against time."""
    t_stop = result.settings.t_stop
    chart = Chart(width, height, colour, xlabel="t (ms)", ylabel=f"V (mV) of neuron {neuron}", xlim=(0.0, t_stop))
    try:
        v = result.voltage_of(neuron)
    except ValueError:
        return message(width, height, [f"neuron {neuron} was not recorded"])
    if result.t.size > 1:
        x, y = decimate(result.t, v, 0.0, float(result.t[-1]), max(8, 2 * width))
    else:
        x, y = result.t, v
    chart.line(x, y, None, "V", "*")
    if y.size:
        low, high = float(np.min(y)), float(np.max(y))
        chart.ylim = (min(-80.0, low), max(40.0, high)) if high > -40.0 else padded_limits(low, high, minimum_span=1.0)
    return chart.build()


class NetworkScreen(ComputedScreen):
    """A small network of HH neurons: raster plot and the voltage of a chosen neuron."""

    DEFAULT_CSS = """
    NetworkScreen { layout: vertical; }
    NetworkScreen #network-title { height: auto; max-height: 3; padding: 0 1; background: $boost; text-style: bold; }
    NetworkScreen #network-raster { height: 3fr; }
    NetworkScreen #network-voltage { height: 2fr; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("r", "rerun", "Re-run", show=False),
        Binding("t", "topology", "Topology"),
        Binding("i", "toggle_kind", "Exc/Inh"),
        Binding("plus,equals_sign", "weight(1)", "Weight", key_display="+-"),
        Binding("minus", "weight(-1)", "-Weight", show=False),
        Binding("up", "neuron(1)", "Neuron", key_display="↑↓"),
        Binding("down", "neuron(-1)", "Neuron-", show=False),
        Binding("question_mark", "help", "Help"),
    ]
    #: What each key does, for the help (the footer's words are short).
    KEY_HELP = {
        "close": "back to the neuron",
        "rerun": "compute the run again",
        "topology": "next topology: ring of 10, chain of 10, random network of 40 (p = 0.1)",
        "toggle_kind": "excitatory or inhibitory synapses",
        "weight(1)": f"synaptic weight times {WEIGHT_FACTOR:g}",
        "weight(-1)": f"synaptic weight divided by {WEIGHT_FACTOR:g}",
        "neuron(1)": "show the next neuron's voltage",
        "neuron(-1)": "show the previous neuron's voltage",
        "help": "this help",
    }

    def __init__(
        self,
        settings: NetworkSettings | None = None,
        *,
        neuron: int = 0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # The command line's network (see ``hhtui network``), as the parameter table sets it.
        self.settings = settings if settings is not None else NetworkSettings()
        self.neuron = int(np.clip(neuron, 0, self.settings.n - 1))
        self.raster_text = Text("")
        self.voltage_text = Text("")

    # --- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="network-title")
        yield Static("", id="network-raster")
        yield Static("", id="network-voltage")
        yield FittedFooter()

    def simulate(self, settings: NetworkSettings) -> NetworkResult:
        return simulate_network(settings)

    # --- drawing ---------------------------------------------------------------------------------
    def title_parts(self) -> list[str]:
        """The header's pieces: what the network is, its synapses, and what the run gave."""
        s = self.settings
        kind = "inhibitory" if s.inhibitory else "excitatory"
        parts = [
            f"Network: {s.topology} of {s.n} neurons, {kind} synapses (E_syn {s.e_syn:g} mV)",
            f"w {s.weight:.3g} mS/cm2, delay {s.delay:g} ms, tau {s.tau:g} ms",
        ]
        if self.computing:
            return [*parts, "computing..."]
        if self.error:
            return [*parts, "failed"]
        if self.result is None:
            return parts
        info = self.result.summary()
        return [*parts, f"raster: neuron vs t, {info['spikes']} spikes from {info['neurons_fired']}/{s.n} neurons"]

    def title_line(self) -> str:
        """The header as one line (wrapped between its pieces on screen)."""
        return " | ".join(self.title_parts())

    def redraw(self) -> None:
        """Redraw the title and both charts at the current size."""
        parts = self.parts("#network-title", "#network-raster", "#network-voltage")
        if parts is None:
            return
        title, raster, voltage = parts
        width = raster.size.width or max(20, self.size.width)
        self.update_header(title, join_parts(self.title_parts(), max(10, self.size.width - 2)))
        top = raster.size.height or max(5, 3 * (self.size.height - 2) // 5)
        bottom = voltage.size.height or max(5, (self.size.height - 2) - top)
        if self.computing:
            self.raster_text = message(
                width, top, ["computing the network...", f"{self.settings.n} neurons, {self.settings.t_stop:g} ms"]
            )
            self.voltage_text = message(width, bottom, [""])
        elif self.error or self.result is None:
            self.raster_text = message(width, top, ["could not compute the network:", self.error or ""])
            self.voltage_text = message(width, bottom, [""])
        else:
            self.raster_text = raster_chart(self.result, width, top, self.colour, self.neuron)
            self.voltage_text = voltage_chart(self.result, self.neuron, width, bottom, self.colour)
        raster.update(self.raster_text)
        voltage.update(self.voltage_text)

    # --- actions -----------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        """This screen's keys (from its bindings) and what it shows."""
        from .help import HelpScreen, keys_markdown

        self.app.push_screen(HelpScreen(keys_markdown("Network screen: keys", ABOUT, self.BINDINGS, self.KEY_HELP)))

    def action_topology(self) -> None:
        names = [name for name, _ in TOPOLOGY_CYCLE]
        current = names.index(self.settings.topology) if self.settings.topology in names else -1
        name, changes = TOPOLOGY_CYCLE[(current + 1) % len(TOPOLOGY_CYCLE)]
        self.settings = self.settings.replace(topology=name, kick_neurons=(0,), record_neurons=None, **changes)
        self.neuron = min(self.neuron, self.settings.n - 1)
        self.compute()

    def action_toggle_kind(self) -> None:
        e_syn = EXCITATORY_E_SYN_MV if self.settings.inhibitory else INHIBITORY_E_SYN_MV
        self.settings = self.settings.replace(e_syn=e_syn)
        self.compute()

    def action_weight(self, direction: int) -> None:
        weight = self.settings.weight * (WEIGHT_FACTOR if direction > 0 else 1.0 / WEIGHT_FACTOR)
        self.settings = self.settings.replace(weight=float(np.clip(weight, *WEIGHT_RANGE)))
        self.compute()

    def action_neuron(self, direction: int) -> None:
        recorded = self.settings.recorded
        position = recorded.index(self.neuron) if self.neuron in recorded else 0
        self.neuron = recorded[(position + direction) % len(recorded)]
        self.redraw()


__all__ = ["NetworkScreen", "raster_chart", "voltage_chart"]
