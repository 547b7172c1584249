"""The parameter panel: membrane, stimulus, solver and run settings as compact, validated inputs.

Every input is validated as it is typed by the model's own checks (a ``Membrane``, stimulus or
``Solver`` is built with the new value and any ``ParameterError`` becomes the field's error,
shown under it and in its tooltip). A valid value is applied when Enter is pressed or the field
is left; an invalid one is never applied, so the simulation keeps the last valid value. The
panel posts :class:`ParameterPanel.Changed` with the new model object for the app to apply.

The model is imported lazily (inside the checks), so the panel can be drawn before the solver
has loaded; until :meth:`ParameterPanel.load` fills it, its inputs are disabled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Checkbox, Collapsible, Input, Label, Select, Static

from .bounded_input import BoundedInput

#: Membrane inputs: (field of Membrane, label with unit).
MEMBRANE_FIELDS: tuple[tuple[str, str], ...] = (
    ("c_m", "C_m uF/cm2"),
    ("g_na", "g_Na mS/cm2"),
    ("g_k", "g_K mS/cm2"),
    ("g_l", "g_L mS/cm2"),
    ("e_na", "E_Na mV"),
    ("e_k", "E_K mV"),
    ("e_l", "E_L mV"),
    ("temperature", "T  deg C"),
)
#: Stimulus inputs: (name, label with unit). ``amplitude`` is the mean of a noise stimulus.
STIMULUS_FIELDS: tuple[tuple[str, str], ...] = (
    ("amplitude", "I  uA/cm2"),
    ("amplitude_end", "I end uA/cm2"),
    ("std", "noise sd"),
    ("hold", "hold mV"),
    ("level", "level mV"),
    ("start", "start ms"),
    ("width", "width ms"),
    ("duration", "duration ms"),
    ("interval", "interval ms"),
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
    "train": "pulse train",
    "ramp": "ramp",
    "noise": "noise",
    "clamp": "voltage clamp",
    "sum": "combined",
}
#: Longest piece of a typed text quoted back in a message (a long paste stays readable).
QUOTE_LIMIT = 24


def quoted(text: str) -> str:
    """``text`` stripped and quoted, cut to :data:`QUOTE_LIMIT` characters with an ellipsis."""
    text = text.strip()
    return repr(text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "...")


METHOD_NAMES = ("rk4", "expeuler", "euler", "scipy")


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.experiment: Any = None
        self.speed = 50.0
        self.window = 50.0
        self.clock: Callable[[], float] = lambda: 0.0
        self.loaded = False

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
        widgets: list[Any] = [
            Collapsible(
                Static("", id="description"),
                title="about this experiment",
                collapsed=True,
                id="about",
                classes="hidden",
            ),
            Label("Membrane", classes="section first"),
            *[self._row(f"m-{name}", label) for name, label in MEMBRANE_FIELDS],
            StateCheckbox(inactivation_label(True), value=True, id="m-inactivation", compact=True),
            Label("Stimulus", classes="section"),
            Horizontal(
                Label("type"),
                Select(
                    [(TYPE_LABELS[k], k) for k in STIMULUS_TYPES],
                    allow_blank=False,
                    value="step",
                    id="s-type",
                    compact=True,
                ),
                classes="row",
            ),
            *[self._row(f"s-{name}", label) for name, label in STIMULUS_FIELDS],
            Label("Solver", classes="section"),
            Horizontal(
                Label("method"),
                Select([(m, m) for m in METHOD_NAMES], allow_blank=False, value="rk4", id="method", compact=True),
                classes="row",
            ),
            self._row("dt", "dt ms"),
            Label("Run", classes="section"),
            self._row("speed", "speed ms/s", "simulated ms per real second ([ and ] halve and double)"),
            self._row("window", "window ms", "time shown in the plots (< and > halve and double)"),
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

    built = False
    _building = False

    # --- filling ------------------------------------------------------------------------------------
    def load(self, experiment: Any, speed: float, window: float) -> None:
        """Show ``experiment`` (and the run settings) in the inputs, without applying anything."""
        self.experiment = experiment
        self.speed, self.window = speed, window
        if not self.built:
            return  # shown once the inputs are mounted (the app loads the panel then)
        with self.prevent(Input.Changed, Select.Changed, Checkbox.Changed):
            for name, _ in MEMBRANE_FIELDS:
                self._set(f"m-{name}", format_number(getattr(experiment.membrane, name)))
            self._show_inactivation(experiment.membrane.inactivation)
            self._show_stimulus(experiment.stimulus)
            self.query_one("#method", Select).value = experiment.solver.method
            self._set("dt", format_number(experiment.solver.dt))
            self._set("speed", format_number(speed))
            self._set("window", format_number(window))
        self.revalidate()
        about = self.query_one("#about", Collapsible)
        if experiment.description:
            # Titles and descriptions come from files: plain text, never markup.
            about.title = Content(experiment.title or experiment.name)  # type: ignore[assignment]
            self.query_one("#description", Static).update(Content(experiment.description))
            about.remove_class("hidden")
        else:
            about.add_class("hidden")
        self.loaded = True

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
                self.query(f"#error-s-{name}").remove()
            if name in values:
                self._set(f"s-{name}", format_number(values[name]))

    def set_stimulus(self, stimulus: Any) -> None:
        """Show a stimulus changed elsewhere (e.g. by the current keys) without applying it."""
        if self.experiment is None:
            return
        self.experiment = self.experiment.replace(stimulus=stimulus)
        if not self.built:
            return
        with self.prevent(Input.Changed, Select.Changed):
            self._show_stimulus(stimulus)
        self.revalidate()

    def set_membrane(self, membrane: Any) -> None:
        """Show a membrane changed elsewhere (e.g. a blocker from the palette)."""
        if self.experiment is None:
            return
        self.experiment = self.experiment.replace(membrane=membrane)
        if not self.built:
            return
        with self.prevent(Input.Changed, Checkbox.Changed):
            for name, _ in MEMBRANE_FIELDS:
                self._set(f"m-{name}", format_number(getattr(membrane, name)))
            self._show_inactivation(membrane.inactivation)
        self.revalidate()

    def set_run(self, speed: float | None = None, window: float | None = None) -> None:
        """Show a speed or window changed by a key."""
        if not self.built:
            self.speed = speed if speed is not None else self.speed
            self.window = window if window is not None else self.window
            return
        with self.prevent(Input.Changed):
            if speed is not None:
                self.speed = speed
                self._set("speed", format_number(speed))
            if window is not None:
                self.window = window
                self._set("window", format_number(window))

    # --- validation -----------------------------------------------------------------------------------
    def _checker(self, field_id: str) -> Callable[[str], Any]:
        return lambda text: self.build(field_id, text)

    def build(self, field_id: str, text: str) -> Any:
        """The model object (or number) the field would give with ``text``; ValueError if invalid."""
        from hhtui.model import ParameterError
        from hhtui.model.experiment import Solver
        from hhtui.tui.settings import SPEED_RANGE, WINDOW_RANGE

        if self.experiment is None:
            raise ValueError("the solver is still loading")
        try:
            if field_id.startswith("m-"):
                name = field_id[2:]
                value = parse_number(text, name)
                return self.experiment.membrane.replace(**{name: value})
            if field_id.startswith("s-"):
                return self.stimulus_with(field_id[2:], text)
            if field_id == "dt":
                return Solver(method=self.experiment.solver.method, dt=parse_number(text, "dt", "ms"))
            if field_id in ("speed", "window"):
                low, high = SPEED_RANGE if field_id == "speed" else WINDOW_RANGE
                unit = "ms/s" if field_id == "speed" else "ms"
                value = parse_number(text, field_id, unit)
                if not low <= value <= high:
                    raise ValueError(
                        f"{field_id} = {text.strip()} {unit} is out of range: allowed [{low:g}, {high:g}] {unit}"
                    )
                return value
        except ParameterError as error:
            raise ValueError(str(error)) from None
        raise ValueError(f"unknown field {field_id}")

    def stimulus_with(self, name: str | None, text: str | None, kind: str | None = None) -> Any:
        """The stimulus of type ``kind`` (default: the shown one) from the shown values, with field
        ``name`` set to ``text``."""
        from hhtui.model.stimulus import stimulus_from_dict

        kind = kind or str(self.query_one("#s-type", Select).value)
        current = self.experiment.stimulus if self.experiment is not None else None
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
        existing = self.query(f"#error-{field_id}")
        if not message:
            existing.remove()
        elif existing:
            existing.first(Static).update(Content(message))
        else:
            self.mount(Static(Content(message), classes="error", id=f"error-{field_id}", markup=False), after=row)

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
        if self.experiment is None:
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
            if value != self.experiment.membrane:
                self.experiment = self.experiment.replace(membrane=value)
                self.post_message(self.Changed("membrane", value))
        elif field_id.startswith("s-"):
            if value != self.experiment.stimulus:
                self.experiment = self.experiment.replace(stimulus=value)
                self.post_message(self.Changed("stimulus", value))
        elif field_id == "dt":
            if value != self.experiment.solver:
                self.experiment = self.experiment.replace(solver=value)
                self.post_message(self.Changed("solver", value))
        elif field_id == "speed":
            if value != self.speed:
                self.speed = value
                self.post_message(self.Changed("speed", value))
        elif field_id == "window" and value != self.window:
            self.window = value
            self.post_message(self.Changed("window", value))

    def _show_inactivation(self, on: bool) -> None:
        box = self.query_one("#m-inactivation", Checkbox)
        box.value = on
        box.label = inactivation_label(on)

    @on(Checkbox.Changed, "#m-inactivation")
    def _inactivation(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = inactivation_label(bool(event.value))
        if self.experiment is None:
            return
        membrane = self.experiment.membrane.replace(inactivation=bool(event.value))
        self._apply("m-inactivation", membrane)

    @on(Select.Changed, "#method")
    def _method(self, event: Select.Changed) -> None:
        if self.experiment is None:  # before load(): the model may not even be imported yet
            return
        from hhtui.model import ParameterError
        from hhtui.model.experiment import Solver

        try:
            solver = Solver(method=str(event.value), dt=self.experiment.solver.dt)
        except ParameterError as error:
            self.app.notify(str(error), severity="error")
            return
        self._apply("dt", solver)

    @on(Select.Changed, "#s-type")
    def _type(self, event: Select.Changed) -> None:
        if self.experiment is None:
            return
        kind = str(event.value)
        stimulus = default_stimulus(kind, self.experiment.stimulus, self.clock())
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
    return "Na inactivation: on" if on else "Na inactivation: OFF"


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
    """A protocol of type ``kind`` that keeps the previous amplitude and, in a run already
    going, starts about now (its times are absolute)."""
    from hhtui.model.stimulus import Combined, Noise, NoStimulus, Ramp, Step, Train, VoltageClamp
    from hhtui.tui.session import injected_current

    amplitude = 0.0 if previous.is_clamp else injected_current(previous)
    start = float(math.ceil(now_ms) + 1.0) if now_ms > 0 else 5.0
    if kind == "none":
        return NoStimulus()
    if kind == "step":
        return Step(amplitude=amplitude or 10.0, start=start)
    if kind == "train":
        return Train(amplitude=amplitude or 20.0, width=1.0, start=start, interval=20.0, count=5)
    if kind == "ramp":
        return Ramp(amplitude=0.0, amplitude_end=max(amplitude, 20.0), start=start, duration=100.0)
    if kind == "noise":
        return Noise(mean=amplitude or 5.0, std=5.0, start=start)
    if kind == "clamp":
        return VoltageClamp(hold=-65.0, level=0.0, start=start, duration=20.0)
    if kind == "sum":
        if previous.kind == "sum":
            return previous
        return Combined(parts=(Step(amplitude=amplitude or 10.0, start=start),))
    raise ValueError(f"unknown stimulus type {kind!r}")
