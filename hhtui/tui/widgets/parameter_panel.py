"""The parameter panel: membrane, stimulus, solver and run settings as compact, validated inputs.

Labels, units, ranges and the defaults of a newly chosen protocol come from the parameter table
(:mod:`hhtui.parameters`), as the command line's flags do.

Every input is validated as it is typed by the model's own checks (a ``Membrane``, stimulus or
``Solver`` is built with the new value and any ``ParameterError`` becomes the field's error,
shown under it and in its tooltip). A valid value is applied when Enter is pressed or the field
is left; an invalid one is never applied, so the simulation keeps the last valid value. The
panel posts :class:`ParameterPanel.Changed` with the new model object for the main screen to
apply.

The panel is a view of the main screen's state: its ``experiment``, ``speed`` and ``window``
are reactive attributes bound to the screen's (``data_bind``), and their watchers write what
changed (a preset loaded, the current changed by a key, a toxin applied) into the inputs.

The model is imported lazily (inside the checks), so the panel can be drawn before the solver
has loaded; its inputs are mounted and filled once the run is there.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Collapsible, Input, Label, Select, Static

from ..settings import DEFAULT_SPEED, DEFAULT_WINDOW_MS
from .bounded_input import BoundedInput
from .wrapped_text import WrappedText

#: Membrane inputs: (field of Membrane, its parameter in the table).
MEMBRANE_FIELDS: tuple[tuple[str, str], ...] = (
    ("c_m", "c_m"),
    ("g_na", "g_na"),
    ("g_k", "g_k"),
    ("g_l", "g_l"),
    ("e_na", "e_na"),
    ("e_k", "e_k"),
    ("e_l", "e_l"),
    ("temperature", "temperature"),
)
#: Stimulus inputs: (name, its parameter in the table). ``amplitude`` is the mean of a noise
#: stimulus; ``width`` is the width of each pulse of a train (``duration`` in the table).
STIMULUS_FIELDS: tuple[tuple[str, str], ...] = (
    ("amplitude", "amp"),
    ("amplitude_end", "amp_end"),
    ("std", "noise_std"),
    ("hold", "hold"),
    ("level", "level"),
    ("start", "start"),
    ("width", "duration"),
    ("duration", "duration"),
    ("interval", "interval"),
    ("count", "count"),
)
#: Which stimulus inputs each protocol uses.
STIMULUS_TYPES: dict[str, tuple[str, ...]] = {
    "none": (),
    "step": ("amplitude", "start", "duration"),
    "train": ("amplitude", "width", "start", "interval", "count"),
    "ramp": ("amplitude", "amplitude_end", "start", "duration"),
    "noise": ("amplitude", "std", "start", "duration"),
    "clamp": ("hold", "level", "start", "duration"),
    "sum": (),  # a preset's combination of protocols: kept whole, its amplitude moved by the current keys
}
TYPE_LABELS = {
    "none": "none",
    "step": "step",
    "train": "train",
    "ramp": "ramp",
    "noise": "noise",
    "clamp": "V clamp",
    "sum": "combined",
}
#: Longest piece of a typed text quoted back in a message (a long paste stays readable).
QUOTE_LIMIT = 24


def quoted(text: str) -> str:
    """``text`` stripped and quoted, cut to :data:`QUOTE_LIMIT` characters with an ellipsis."""
    text = text.strip()
    return repr(text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "...")


def field_label(field: str, name: str, command: str = "run") -> str:
    """The label of an input: the parameter's short name in the table and its unit (``g_Na
    mS/cm2``); the ``width`` of a train's pulses is named as such."""
    from hhtui.parameters import parameter

    row = parameter(command, name)
    short = "width" if field == "width" else row.label or row.name
    unit = {"degrees C": "deg C"}.get(row.unit, row.unit.replace("^2", "2"))
    return f"{short} {unit}".rstrip() if unit else short


def field_tooltip(name: str, command: str = "run") -> str:
    """The help of the parameter ``name``, with its range and default."""
    from hhtui.parameters import parameter

    row = parameter(command, name)
    return f"{row.describe()}; {row.allowed}"


def parse_number(text: str, name: str, unit: str = "") -> float:
    """A number typed by a person (``inf`` allowed); ValueError with a readable message."""
    cleaned = text.strip().lower()
    if cleaned in ("inf", "infinity", "+inf"):
        return math.inf
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{name} must be a number{(' in ' + unit) if unit else ''}, got {quoted(text)}") from None
    if math.isinf(value):  # 1e400 overflows to inf: too large, not a request for "forever"
        raise ValueError(f"{name} = {quoted(text)} is out of range (type inf for no end)")
    return value


def format_number(value: float) -> str:
    """A number as shown in an input."""
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:g}"


class ModelCheck(Validator):
    """Runs ``check(text)``; any ValueError (ParameterError included) is the failure message."""

    def __init__(self, check: Callable[[str], Any]) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        try:
            self.check(value)
        except ValueError as error:
            return self.failure(str(error))
        return self.success()


class ParameterPanel(VerticalScroll, can_focus=False):
    """The left-hand panel of parameters."""

    DEFAULT_CSS = """
    ParameterPanel { width: 26; padding: 0 1 0 0; }
    ParameterPanel .section { text-style: bold; color: $accent; margin-top: 1; }
    ParameterPanel .section.first { margin-top: 0; }
    ParameterPanel .row { height: 1; }
    ParameterPanel .row Label { width: 12; color: $text-muted; }
    ParameterPanel .row Input { width: 1fr; }
    ParameterPanel .row Select { width: 1fr; }
    ParameterPanel .error { color: $error; height: auto; }
    ParameterPanel Input.-invalid { color: $error; text-style: bold reverse; }
    ParameterPanel .hidden { display: none; }
    ParameterPanel Checkbox { height: 1; }
    /* The focused field's label in bold reverse: visible without colour (NO_COLOR), where the
       input's own highlight is only a colour. */
    ParameterPanel .row:focus-within { text-style: bold; }  /* (a rule on the row itself, so its label is restyled) */
    ParameterPanel .row:focus-within Label { text-style: bold reverse; }
    ParameterPanel Checkbox:focus { text-style: bold reverse; }
    ParameterPanel #about { height: auto; margin-bottom: 0; }
    ParameterPanel #description { color: $text-muted; }
    """

    @dataclass
    class Changed(Message):
        """A valid change: ``kind`` is membrane, stimulus, solver, speed or window; ``value`` is
        the new ``Membrane``, stimulus, ``Solver``, or number (ms/s, ms)."""

        kind: str
        value: Any

    #: The experiment in use (an ``Experiment``; None while the model loads), bound to the screen's.
    experiment: reactive[Any] = reactive(None, init=False)
    #: The speed (simulated ms per real second) and the window (ms), bound to the screen's.
    speed: reactive[float] = reactive(DEFAULT_SPEED, init=False)
    window: reactive[float] = reactive(DEFAULT_WINDOW_MS, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The experiment the inputs show: :attr:`experiment` with the changes made here that
        #: the screen has not applied yet.
        self.shown: Any = None
        self.clock: Callable[[], float] = lambda: 0.0
        self.loaded = False
        #: The fields with a message box under them (mounted by :meth:`_show_error` only): a
        #: field without one needs no search of the panel to clear its message.
        self._boxes: set[str] = set()

    # --- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The inputs are mounted by build_inputs() once the model is ready, after the plot has been
        # drawn: the first frame comes sooner with a hundred fewer widgets to lay out.
        yield Static("loading parameters...", id="panel-loading")

    def _row(self, field_id: str, label: str, tooltip: str = "") -> Horizontal:
        # A row is a label and a compact input; its error line is mounted under it only while
        # there is an error.
        return Horizontal(
            Label(label),
            BoundedInput(
                id=field_id, compact=True, validators=[ModelCheck(self._checker(field_id))], tooltip=tooltip or None
            ),
            classes="row",
            id=f"field-{field_id}",
        )

    def _widgets(self) -> list[Any]:
        from hhtui.parameters import parameter

        method = parameter("run", "method")
        widgets: list[Any] = [
            Collapsible(
                WrappedText("", id="description"),
                title="about this experiment",
                collapsed=True,
                id="about",
                classes="hidden",
            ),
            Label("Membrane", classes="section first"),
            *[self._row(f"m-{name}", field_label(name, key)) for name, key in MEMBRANE_FIELDS],
            StateCheckbox(inactivation_label(True), value=True, id="m-inactivation", compact=True),
            Label("Stimulus", classes="section"),
            Horizontal(
                Label("type"),
                Select(
                    [(TYPE_LABELS[k], k) for k in STIMULUS_TYPES],
                    allow_blank=False,
                    value=parameter("run", "stim").default,
                    id="s-type",
                    compact=True,
                ),
                classes="row",
            ),
            *[self._row(f"s-{name}", field_label(name, key)) for name, key in STIMULUS_FIELDS],
            Label("Solver", classes="section"),
            Horizontal(
                Label("method"),
                Select(
                    [(m, m) for m in method.choices], allow_blank=False, value=method.default, id="method", compact=True
                ),
                classes="row",
            ),
            self._row("dt", field_label("dt", "dt")),
            Label("Run", classes="section"),
            self._row("speed", field_label("speed", "speed", "app"), field_tooltip("speed", "app")),
            self._row("window", field_label("window", "window", "app"), field_tooltip("window", "app")),
        ]
        return widgets

    async def build_inputs(self) -> None:
        """Mount the inputs (once)."""
        if self.built or self._building:
            return
        self._building = True
        await self.query("#panel-loading").remove()
        with self.prevent(Select.Changed, Checkbox.Changed, Input.Changed):
            await self.mount_all(self._widgets())
        self.built = True  # only now are the inputs there to be filled
        if self.experiment is not None:
            self._display(None, self.experiment)

    built = False
    _building = False

    # --- filling ------------------------------------------------------------------------------------
    def watch_experiment(self, experiment: Any) -> None:
        if experiment is None:
            return
        before, self.shown = self.shown, experiment
        if self.built:
            self._display(before, experiment)

    def watch_speed(self, speed: float) -> None:
        if self.built:
            with self.prevent(Input.Changed):
                self._set("speed", format_number(speed))

    def watch_window(self, window: float) -> None:
        if self.built:
            with self.prevent(Input.Changed):
                self._set("window", format_number(window))

    def _display(self, before: Any, experiment: Any) -> None:
        """Write into the inputs what differs between ``before`` (None: everything) and
        ``experiment``, without applying anything."""
        whole = before is None or (before.name, before.title, before.description) != (
            experiment.name,
            experiment.title,
            experiment.description,
        )
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            if whole or before.membrane != experiment.membrane:
                for name, _ in MEMBRANE_FIELDS:
                    self._set(f"m-{name}", format_number(getattr(experiment.membrane, name)))
                self._show_inactivation(experiment.membrane.inactivation)
            if whole or before.stimulus != experiment.stimulus:
                self._show_stimulus(experiment.stimulus)
            if whole or before.solver != experiment.solver:
                self.query_one("#method", Select).value = experiment.solver.method
                self._set("dt", format_number(experiment.solver.dt))
            if whole:
                self._set("speed", format_number(self.speed))
                self._set("window", format_number(self.window))
        self.revalidate()
        if whole:
            self._show_description(experiment)
        self.loaded = True

    def _show_description(self, experiment: Any) -> None:
        about = self.query_one("#about", Collapsible)
        if experiment.description:
            # Titles and descriptions come from files: plain text, never markup.
            about.title = Content(experiment.title or experiment.name)  # type: ignore[assignment]
            self.query_one("#description", WrappedText).update(experiment.description)
            about.remove_class("hidden")
        else:
            about.add_class("hidden")

    def show_about(self) -> None:
        """Unfold the explanation of the experiment (once the inputs are there)."""
        if self.built:
            self.query_one("#about", Collapsible).collapsed = False

    def revalidate(self) -> None:
        """Check every input again (after several were filled at once, each one's check saw
        some of the others still empty or stale)."""
        for widget in self.query(Input):
            if widget.value:
                result = widget.validate(widget.value)
                if result is None or result.is_valid:
                    self._show_error(widget.id or "", None)

    def _set(self, field_id: str, text: str) -> None:
        widget = self.query_one(f"#{field_id}", Input)
        widget.value = text
        self._show_error(field_id, None)

    def _show_stimulus(self, stimulus: Any) -> None:
        kind = stimulus.kind
        self.query_one("#s-type", Select).value = kind
        values = stimulus_values(stimulus)
        for name, _ in STIMULUS_FIELDS:
            row = self.query_one(f"#field-s-{name}")
            row.set_class(name not in STIMULUS_TYPES[kind], "hidden")
            if name not in STIMULUS_TYPES[kind]:
                self._remove_box(f"s-{name}")
            if name in values:
                self._set(f"s-{name}", format_number(values[name]))

    # --- validation -----------------------------------------------------------------------------------
    def _checker(self, field_id: str) -> Callable[[str], Any]:
        return lambda text: self.build(field_id, text)

    def build(self, field_id: str, text: str) -> Any:
        """The model object (or number) the field would give with ``text``; ValueError if invalid."""
        from hhtui.model import ParameterError
        from hhtui.model.experiment import Solver
        from hhtui.parameters import parameter

        if self.shown is None:
            raise ValueError("the solver is still loading")
        try:
            if field_id.startswith("m-"):
                name = field_id[2:]
                value = parse_number(text, name)
                return self.shown.membrane.replace(**{name: value})
            if field_id.startswith("s-"):
                return self.stimulus_with(field_id[2:], text)
            if field_id == "dt":
                return Solver(method=self.shown.solver.method, dt=parse_number(text, "dt", "ms"))
            if field_id in ("speed", "window"):
                row = parameter("app", field_id)
                value = parse_number(text, field_id, row.unit)
                if not row.accepts(value):
                    raise ValueError(f"{field_id} = {text.strip()} {row.unit} is out of range: allowed {row.allowed}")
                return value
        except ParameterError as error:
            raise ValueError(str(error)) from None
        raise ValueError(f"unknown field {field_id}")

    def stimulus_with(self, name: str | None, text: str | None, kind: str | None = None) -> Any:
        """The stimulus of type ``kind`` (default: the shown one) from the shown values, with field
        ``name`` set to ``text``."""
        from hhtui.model.stimulus import stimulus_from_dict

        kind = kind or str(self.query_one("#s-type", Select).value)
        current = self.shown.stimulus if self.shown is not None else None
        # Start from the protocol in use, so settings without a field (a noise seed, a preset's
        # combination) are kept; the shown fields then override.
        data: dict[str, Any] = current.to_dict() if current is not None and current.kind == kind else {"type": kind}
        for field in STIMULUS_TYPES[str(kind)]:
            raw = text if field == name else self.query_one(f"#s-{field}", Input).value
            value = parse_number(raw or "", field)
            if field == "count":
                if not math.isfinite(value) or value != int(value):
                    raise ValueError(f"count must be a whole number of pulses, got {quoted(raw or '')}")
                value = int(value)
            data["mean" if (kind == "noise" and field == "amplitude") else field] = value
        return stimulus_from_dict(data)

    def _show_error(self, field_id: str, message: str | None) -> None:
        """Show ``message`` under the field and in its tooltip (None clears both)."""
        try:
            field = self.query_one(f"#{field_id}", Input)
            row = self.query_one(f"#field-{field_id}")
        except Exception:
            return
        # Plain text: a message quotes what was typed, which may look like markup ("[/x]").
        field.tooltip = Content(message) if message else None
        if not message:
            self._remove_box(field_id)
            return
        existing = self.query(f"#error-{field_id}")
        if existing:
            existing.first(Static).update(Content(message))
        else:
            self.mount(Static(Content(message), classes="error", id=f"error-{field_id}", markup=False), after=row)
        self._boxes.add(field_id)

    def _remove_box(self, field_id: str) -> None:
        """Remove the message box under the field, if it has one."""
        if field_id in self._boxes:
            self._boxes.discard(field_id)
            self.query(f"#error-{field_id}").remove()

    # --- events -----------------------------------------------------------------------------------------
    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        result = event.validation_result
        field_id = event.input.id or ""
        if result is None or result.is_valid:
            self._show_error(field_id, None)
        else:
            self._show_error(field_id, "; ".join(result.failure_descriptions))

    @on(Input.Submitted)
    @on(Input.Blurred)
    def _commit(self, event: Input.Submitted | Input.Blurred) -> None:
        field_id = event.input.id or ""
        if self.shown is None:
            return
        try:
            value = self.build(field_id, event.value)
        except ValueError as error:
            self._show_error(field_id, str(error))
            return
        self._show_error(field_id, None)
        self._apply(field_id, value)

    def _apply(self, field_id: str, value: Any) -> None:
        if field_id.startswith("m-"):
            if value != self.shown.membrane:
                self.shown = self.shown.replace(membrane=value)
                self.post_message(self.Changed("membrane", value))
        elif field_id.startswith("s-"):
            if value != self.shown.stimulus:
                self.shown = self.shown.replace(stimulus=value)
                self.post_message(self.Changed("stimulus", value))
        elif field_id == "dt":
            if value != self.shown.solver:
                self.shown = self.shown.replace(solver=value)
                self.post_message(self.Changed("solver", value))
        elif field_id == "speed":
            if value != self.speed:
                self.post_message(self.Changed("speed", value))
        elif field_id == "window" and value != self.window:
            self.post_message(self.Changed("window", value))

    def _show_inactivation(self, on: bool) -> None:
        box = self.query_one("#m-inactivation", Checkbox)
        box.value = on
        box.label = inactivation_label(on)

    @on(Checkbox.Changed, "#m-inactivation")
    def _inactivation(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = inactivation_label(bool(event.value))
        if self.shown is None:
            return
        membrane = self.shown.membrane.replace(inactivation=bool(event.value))
        self._apply("m-inactivation", membrane)

    @on(Select.Changed, "#method")
    def _method(self, event: Select.Changed) -> None:
        if self.shown is None:  # before load(): the model may not even be imported yet
            return
        from hhtui.model import ParameterError
        from hhtui.model.experiment import Solver

        try:
            solver = Solver(method=str(event.value), dt=self.shown.solver.dt)
        except ParameterError as error:
            self.app.notify(str(error), severity="error")
            return
        self._apply("dt", solver)

    @on(Select.Changed, "#s-type")
    def _type(self, event: Select.Changed) -> None:
        if self.shown is None:
            return
        kind = str(event.value)
        stimulus = default_stimulus(kind, self.shown.stimulus, self.clock())
        # The fields are filled one by one: each one's check would see the others still empty.
        with self.prevent(Select.Changed, Input.Changed):
            self._show_stimulus(stimulus)
        self.revalidate()
        self._apply("s-type", stimulus)


class StateCheckbox(Checkbox):
    """A checkbox whose box is empty when off: without colour, Textual's box reads X either way."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


def inactivation_label(on: bool) -> str:
    """The checkbox label, saying the state in words (a tick alone is lost without colour)."""
    return "Na inactivation on" if on else "Na inactivation OFF"


def stimulus_values(stimulus: Any) -> dict[str, float]:
    """The panel's field values of a stimulus (``amplitude`` is the mean of noise)."""
    data = stimulus.to_dict()
    values: dict[str, float] = {}
    for key, value in data.items():
        if key == "type" or isinstance(value, (list, str)):
            continue
        if value is None:
            value = math.inf
        values["amplitude" if key == "mean" else key] = value
    return values


def default_stimulus(kind: str, previous: Any, now_ms: float) -> Any:
    """A protocol of type ``kind`` with the table's defaults (:func:`hhtui.parameters.fresh_stimulus`)
    that keeps the previous amplitude and, in a run already going, starts about now (its times
    are absolute)."""
    from hhtui.model.stimulus import Combined
    from hhtui.parameters import fresh_stimulus
    from hhtui.tui.session import injected_current

    if kind == "sum" and previous.kind == "sum":
        return previous
    if kind not in STIMULUS_TYPES:
        raise ValueError(f"unknown stimulus type {kind!r}")
    stimulus = fresh_stimulus("step" if kind == "sum" else kind)
    amplitude = 0.0 if previous.is_clamp else injected_current(previous)
    changes: dict[str, Any] = {}
    if now_ms > 0 and hasattr(stimulus, "start"):
        changes["start"] = float(math.ceil(now_ms) + 1.0)
    if amplitude and kind in ("step", "train", "sum"):
        changes["amplitude"] = amplitude
    elif amplitude and kind == "noise":
        changes["mean"] = amplitude
    elif kind == "ramp":
        changes["amplitude_end"] = max(amplitude, stimulus.amplitude_end)  # type: ignore[attr-defined]
    stimulus = dataclasses.replace(stimulus, **changes) if changes else stimulus
    return Combined(parts=(stimulus,)) if kind == "sum" else stimulus
