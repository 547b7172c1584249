"""The parameter table is the one place a default, a range, a unit and a help text are written.

Every front end takes them from it: the flags of ``hhtui run``, ``axon``, ``network`` and
``sweep`` (their stated defaults, their effective defaults, the values they accept), the app's
panel (its labels, its protocol defaults, its run settings) and the Python API. The model's own
checks agree with every range the table states, and a refusal names the flag of the setting it
concerns from the error's ``parameters``, never from its wording.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from hhtui.cli import build_parser, main
from hhtui.model import Experiment, ParameterError
from hhtui.model.cable import CableSettings, nseg_for_length
from hhtui.model.membrane import Membrane
from hhtui.model.network import NetworkSettings
from hhtui.model.stimulus import NoStimulus
from hhtui.parameters import PARAMETERS, STIMULUS_CHOICES, Parameter, fresh_stimulus, parameter, table

ROOT = Path(__file__).resolve().parents[1] / "hhtui"
COMMANDS = ("run", "axon", "network", "sweep")


def _subparser(command: str) -> Any:
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices[command]


def _flags(command: str) -> dict[str, Any]:
    return {flag: action for action in _subparser(command)._actions for flag in action.option_strings}


def _parse(command: str, *argv: str) -> Any:
    return build_parser().parse_args([command, *argv])


# --------------------------------------------------------------------------------------------
# the command line


@pytest.mark.parametrize("command", COMMANDS)
def test_every_parameter_has_its_flag_stating_the_table_default(command: str) -> None:
    flags = _flags(command)
    for row in table(command):
        action = flags[row.cli_flag]
        assert action.default is None, row.cli_flag  # "not given": the table's default applies
        if row.choices:
            assert tuple(action.choices) == row.choices
        help_text = " ".join(str(action.help).split())
        assert " ".join(row.describe().split()) in help_text, row.cli_flag
        if row.default is not None and row.unit:
            assert f"(default: {row.shown_default}" in help_text or "(default: " in row.help


@pytest.mark.parametrize("command", COMMANDS)
def test_every_flag_accepts_its_range_and_refuses_beyond_it(command: str) -> None:
    parser = _subparser(command)
    for row in table(command):
        if row.choices or row.low is None or (command == "sweep" and row.name in Membrane().to_dict()):
            continue  # (a sweep's membrane flags are axes of its grid: ranges or lists of values)
        action = next(a for a in parser._actions if row.cli_flag in a.option_strings)
        convert = action.type
        if row.low_inclusive:
            assert convert(str(int(row.low) if row.whole else row.low)) == row.low
        if row.high is not None and row.high < 2**62:
            assert convert(str(int(row.high) if row.whole else row.high)) == row.high
            beyond = row.high + 1 if row.whole else row.high * 1.5 + 1
            with pytest.raises(Exception, match=re.escape(row.allowed)):
                convert(str(int(beyond) if row.whole else beyond))
        below = row.low - 1 if row.whole or row.low_inclusive else row.low
        with pytest.raises(Exception, match=re.escape(row.allowed)):
            convert(str(int(below) if row.whole else below))


def test_the_cable_without_flags_is_the_table_default() -> None:
    from hhtui.cli.axon import _settings_from_args

    settings = _settings_from_args(_parse("axon"))
    for row in table("axon"):
        if row.name in Membrane().to_dict():
            assert getattr(settings.membrane, row.name) == row.default, row.name
        elif row.name not in ("positions", "dx_um"):  # (the CSV's columns; the compartments by their length)
            assert getattr(settings, row.field) == row.default, row.name
    assert settings.membrane.temperature == 18.5  # Hodgkin & Huxley's propagated action potential (1952)


def test_the_network_without_flags_is_the_table_default() -> None:
    from hhtui.cli.network import _settings_from_args

    settings = _settings_from_args(_parse("network"))
    for row in table("network"):
        holder = settings.membrane if row.name in Membrane().to_dict() else settings
        assert getattr(holder, row.field) == row.default, row.name


def test_flags_set_the_settings_field_the_table_names() -> None:
    from hhtui.cli.axon import _settings_from_args as cable
    from hhtui.cli.network import _settings_from_args as network

    assert cable(_parse("axon", "--amp", "5000", "--ra", "70", "--temperature", "10")).stim_amp_nA == 5000.0
    assert cable(_parse("axon", "--ra", "70")).ra_ohm_cm == 70.0
    assert network(_parse("network", "--kick", "33", "--n", "4")).kick_amp == 33.0


def test_run_defaults_are_the_experiment_defaults_of_the_api() -> None:
    from hhtui.api import experiment
    from hhtui.cli.run import build_experiment

    assert build_experiment(_parse("run")) == experiment() == Experiment()
    for row in PARAMETERS:
        if row.group == "membrane":
            assert getattr(Experiment().membrane, row.name) == row.default


def test_a_new_protocol_starts_from_the_same_defaults_on_the_command_line_and_in_the_panel() -> None:
    from hhtui.cli.run import build_experiment
    from hhtui.tui.widgets.parameter_panel import STIMULUS_TYPES, default_stimulus

    for kind in STIMULUS_CHOICES:
        from_flags = build_experiment(_parse("run", "--stim", kind)).stimulus
        assert from_flags == fresh_stimulus(kind)
        if kind in STIMULUS_TYPES:  # the panel has no separate single pulse: a train of one
            assert default_stimulus(kind, NoStimulus(), 0.0) == from_flags, kind
    assert fresh_stimulus("train").count > 1  # a train is several pulses, a pulse is one


def test_the_sweep_uses_the_table_run_settings(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    import hhtui

    frame = hhtui.sweep(amp=[0.0], t_stop=20.0, transient=5.0)
    settings = frame.attrs["sweep"]
    assert settings["threshold_mV"] == parameter("sweep", "threshold").default
    assert settings["min_spikes"] == parameter("sweep", "min_spikes").default
    with pytest.raises(ParameterError) as caught:
        hhtui.sweep(amp=[0.0], min_spikes=0)
    assert caught.value.parameter == "min_spikes" and parameter("sweep", "min_spikes").allowed in str(caught.value)


# --------------------------------------------------------------------------------------------
# the app's panel


def test_panel_labels_and_run_settings_come_from_the_table() -> None:
    from hhtui.tui.settings import DEFAULT_SPEED, DEFAULT_WINDOW_MS
    from hhtui.tui.widgets.parameter_panel import (
        MEMBRANE_FIELDS,
        STIMULUS_FIELDS,
        ParameterPanel,
        field_label,
    )

    for field, name in MEMBRANE_FIELDS + STIMULUS_FIELDS:
        row = parameter("run", name)
        label = field_label(field, name)
        assert label.startswith(("width", row.label.strip())), label
        if row.unit and row.unit != "degrees C":
            assert label.endswith(row.unit.replace("^2", "2")), label
    panel = ParameterPanel()
    assert (panel.speed, panel.window) == (parameter("app", "speed").default, parameter("app", "window").default)
    assert (panel.speed, panel.window) == (DEFAULT_SPEED, DEFAULT_WINDOW_MS)


# --------------------------------------------------------------------------------------------
# the model agrees with every range


def _model_accepts(command: str, row: Parameter, value: float) -> bool:
    value = int(value) if row.whole else value
    try:
        if command == "axon":
            if row.name in Membrane().to_dict():
                CableSettings().membrane.replace(**{row.name: value})
            elif row.name == "dx_um":
                nseg_for_length(1000.0, value)
            elif row.name != "positions":
                settings = {"nseg": 500 if row.name != "nseg" else value, row.field: value}
                if row.name in ("dt", "sample_every", "t_stop", "nseg"):
                    settings.setdefault("t_stop", 0.5)
                CableSettings(**settings)
        elif command == "network":
            if row.name in Membrane().to_dict():
                Membrane().replace(**{row.name: value})
            else:
                settings = {"t_stop": 1.0, "sample_every": 1.0, "n": 2, "topology": "chain", row.field: value}
                if row.name == "t_stop":
                    settings["sample_every"] = value
                NetworkSettings(**settings)
        else:
            from hhtui.parameters import apply_parameters

            base = Experiment(t_stop=1.0)
            values: dict[str, Any] = {row.name: value}
            stim = {"interval": "train", "count": "train", "amp_end": "ramp", "noise_std": "noise"}
            stim.update({"bin_width": "noise", "seed": "noise", "hold": "clamp", "level": "clamp"})
            if row.name in stim:
                values["stim"] = stim[row.name]
            if row.name == "sample_every":
                values["dt"] = value if value <= 1.0 else 0.5
                values["sample_every"] = values["dt"] * 2
            apply_parameters(base, values)
    except ParameterError:
        return False
    return True


@pytest.mark.parametrize("command", ("run", "axon", "network"))
def test_the_model_accepts_the_ends_of_every_range_and_refuses_beyond(command: str) -> None:
    for row in table(command):
        if row.choices or row.low is None or row.name in ("positions", "sample_every"):
            continue
        if row.low_inclusive:
            assert _model_accepts(command, row, row.low), (row.name, row.low)
        below = row.low - 1 if row.whole else (row.low - max(1.0, abs(row.low)) if row.low_inclusive else row.low)
        assert not _model_accepts(command, row, below), (row.name, below)
        if row.high is not None and row.high < 2**62:
            if row.name not in ("t_stop",) and not (command == "run" and row.name == "duration"):
                assert _model_accepts(command, row, row.high), (row.name, row.high)
            beyond = row.high + 1 if row.whole else row.high * 2 + 1
            assert not _model_accepts(command, row, beyond), (row.name, beyond)


# --------------------------------------------------------------------------------------------
# refusals name the flag from the error's parameters


def test_model_errors_carry_the_names_of_their_settings() -> None:
    with pytest.raises(ParameterError) as caught:
        CableSettings(nseg=2)
    assert caught.value.parameter == "nseg"
    with pytest.raises(ParameterError) as caught:
        CableSettings(t_stop=1.0e6)
    assert set(caught.value.parameters) == {"t_stop", "dt", "nseg"}
    with pytest.raises(ParameterError) as caught:
        NetworkSettings(n=1)
    assert caught.value.parameters == ("n", "topology")


@pytest.mark.parametrize(
    "argv, start",
    [
        (["network", "--n", "1"], "hhtui network: error: --n: "),
        (["network", "--topology", "ring", "--n", "1"], "hhtui network: error: --n/--topology: "),
        (["axon", "--t-stop", "1e6"], "hhtui axon: error: --t-stop: "),
        (["axon", "--t-stop", "1e6", "--nseg", "600"], "hhtui axon: error: --t-stop/--nseg: "),
        (["axon", "--dx-um", "0.01", "--length-cm", "1000"], "hhtui axon: error: --dx-um: "),
        (["axon", "--nseg", "3"], "hhtui axon: error: argument --nseg: must be a whole number in [4, 1000000]"),
        (["network", "--tau", "0"], "hhtui network: error: argument --tau: must be a number in (0, 10000] ms"),
        (["sweep", "--amp", "1", "--min-spikes", "0"], "hhtui sweep: error: argument --min-spikes: must be a whole"),
    ],
)
def test_a_refusal_names_its_flag_in_one_line(argv: list[str], start: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        status = main(argv)
    except SystemExit as stop:
        status = stop.code
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(start), err


# --------------------------------------------------------------------------------------------
# no default written anywhere else

#: The front ends of the simulations, and the table of each (None: shared by several).
FRONT_ENDS = {
    ROOT / "cli" / "run.py": "run",
    ROOT / "cli" / "axon.py": "axon",
    ROOT / "cli" / "network.py": "network",
    ROOT / "cli" / "sweep.py": "sweep",
    ROOT / "cli" / "common.py": None,
    ROOT / "api.py": None,
    ROOT / "api_runs.py": None,
    ROOT / "runs.py": None,
    ROOT / "cli" / "animate.py": "animate",
    ROOT / "cli" / "record.py": "record",
    ROOT / "cli" / "serve.py": "serve",
    ROOT / "cli" / "plot.py": "plot",
    ROOT / "tui" / "widgets" / "parameter_panel.py": None,
}
#: Model objects whose settings are parameters of the table.
SETTINGS_CLASSES = {"Membrane", "Solver", "Step", "Train", "Ramp", "Noise", "VoltageClamp", "CableSettings"}
SETTINGS_CLASSES |= {"NetworkSettings", "Experiment", "RunSettings"}
#: Numbers that define a protocol rather than default a parameter: the F-I step starts at t = 0.
DEFINITIONS = {("Step", "start")}


def _number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda path: path.name)
def test_no_front_end_writes_a_default_of_its_own(path: Path) -> None:
    command = FRONT_ENDS[path]
    commands = (*COMMANDS, *DEMO_COMMANDS, "plot") if command is None else (command,)
    table_flags = {row.cli_flag for name in commands for row in table(name)}
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "add_argument":
            flags = {arg.value for arg in node.args if isinstance(arg, ast.Constant)}
            for keyword in node.keywords:
                unset = isinstance(keyword.value, ast.Constant) and keyword.value.value is None
                if keyword.arg == "default" and flags & table_flags and not unset:
                    found.append(f"line {node.lineno}: {sorted(flags)} default")
                if keyword.arg == "help" and flags & table_flags:
                    found.append(f"line {node.lineno}: {sorted(flags)} help written here, not from the table")
        if name in SETTINGS_CLASSES:
            found += [
                f"line {node.lineno}: {name}({keyword.arg}=...)"
                for keyword in node.keywords
                if (name, keyword.arg) not in DEFINITIONS and _number(keyword.value)
            ]
            found += [f"line {node.lineno}: {name}(<number>)" for arg in node.args if _number(arg)]
    text = path.read_text()
    found += [f"help states a default: {match}" for match in re.findall(r"\(default:? -?\d[^)]*\)", text)]
    assert not found, f"{path.name} writes defaults of its own: {found}"


#: The commands whose flags take their defaults straight from the table (argparse's default is the
#: table's, not None: no config file overrides them).
DEMO_COMMANDS = ("animate", "record", "serve")


@pytest.mark.parametrize("path", sorted((ROOT / "cli").glob("*.py")), ids=lambda path: path.name)
def test_no_flag_of_any_command_writes_its_default(path: Path) -> None:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            for keyword in node.keywords:
                value = keyword.value
                literal = isinstance(value, (ast.Constant, ast.Tuple, ast.List)) and not (
                    isinstance(value, ast.Constant) and value.value in (None, False)
                )
                if keyword.arg == "default" and literal:
                    found.append(f"line {node.lineno}: default={ast.unparse(value)}")
    assert not found, f"{path.name} writes defaults of its own: {found}"


@pytest.mark.parametrize("command", DEMO_COMMANDS)
def test_the_demo_commands_take_their_defaults_from_the_table(command: str) -> None:
    flags = _flags(command)
    args = _parse(command)
    for row in table(command):
        action = flags[row.cli_flag]
        if (command, row.name) == ("animate", "size"):  # its default depends on --gates: chosen when run
            assert action.default is None
            continue
        assert action.default == row.default == getattr(args, action.dest), row.name
        assert " ".join(row.describe().split()) in " ".join(str(action.help).split())


def test_plot_falls_back_to_the_table_size_off_a_terminal() -> None:
    import io

    from hhtui.cli.plot import plot_size

    assert plot_size(None, None, io.StringIO()) == (
        parameter("plot", "width").default,
        parameter("plot", "height").default,
    )
    args = _parse("plot", "x.csv")
    assert (args.width, args.height) == (None, None)  # "the terminal's"


def test_the_animation_sizes_are_the_table_defaults(tmp_path: Path) -> None:
    from hhtui.cli import animate

    assert parameter("animate", "size").default == animate.DEFAULT_SIZE
    assert f"{animate.DEFAULT_GATES_SIZE[0]}x{animate.DEFAULT_GATES_SIZE[1]}" in parameter("animate", "size").help


def test_the_axon_screen_runs_the_cable_of_the_command_longer_and_says_so() -> None:
    from hhtui.tui.screens.axon import AxonScreen

    screen = AxonScreen()
    command = CableSettings()
    assert screen.settings == command.replace(t_stop=parameter("app", "axon_t_stop").default)
    assert screen.settings.t_stop > command.t_stop
    numerics = f"{command.nseg} compartments, dt {command.dt:g} ms, {screen.settings.t_stop:g} ms run"
    assert numerics in screen.title_parts()


def test_the_network_screen_runs_the_network_of_the_command() -> None:
    from hhtui.tui.screens.network import NetworkScreen

    assert NetworkScreen().settings == NetworkSettings()
