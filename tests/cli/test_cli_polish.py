"""Small things a person types or reads: unknown flags get the closest one, negative numbers in
any notation are values, no "-0" in a CSV, singular nouns for one of a thing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from hhtui.export import read_csv

Hhtui = Callable[..., CompletedProcess[str]]


@pytest.mark.parametrize(
    "args,line",
    [
        (["run", "--amplitude", "5"], "hhtui run: error: unknown flag --amplitude (did you mean --amp?)"),
        (["run", "--gna=50"], "hhtui run: error: unknown flag --gna (did you mean --g-na?)"),
        (
            ["sweep", "--amp", "0:5:1", "--tstop", "5"],
            "hhtui sweep: error: unknown flag --tstop (did you mean --t-stop?)",
        ),
        (
            ["neuroml", "export", "-o", "x", "--temprature", "20"],
            "hhtui neuroml export: error: unknown flag --temprature (did you mean --temperature?)",
        ),
        # the name of the setting in the sidecar (or in Python) leads to its flag
        (["network", "--kick-amp", "3"], "hhtui network: error: unknown flag --kick-amp (did you mean --kick?)"),
        (["axon", "--stim-amp-nA", "3"], "hhtui axon: error: unknown flag --stim-amp-nA (did you mean --amp?)"),
        (["axon", "--ra-ohm-cm=50"], "hhtui axon: error: unknown flag --ra-ohm-cm (did you mean --ra?)"),
        (["run", "--zzzz"], "hhtui run: error: unknown flag --zzzz (see 'hhtui run --help')"),
        (["run", "stray"], "hhtui run: error: unexpected argument 'stray'"),
    ],
)
def test_an_unknown_flag_is_named_with_its_command_and_the_closest_flag(
    hhtui: Hhtui, tmp_path: Path, args: list[str], line: str
) -> None:
    done = hhtui(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(line) and done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_negative_numbers_in_any_notation_are_values(hhtui: Hhtui, tmp_path: Path) -> None:
    refused = hhtui("run", "--amp", "-1e6")
    assert refused.returncode == 2
    assert "--amp: must be a number in [-10000, 10000] uA/cm^2, got '-1e6'" in refused.stderr
    done = hhtui("run", "--amp", "-2e0", "--hold", "-7e1", "--t-stop", "10", "-o", "neg.csv")
    assert done.returncode == 2 and "--hold does not apply to a step" in done.stderr
    done = hhtui("run", "--amp", "-.5", "--t-stop", "10", "-o", "neg.csv")
    assert done.returncode == 0, done.stderr
    assert read_csv(tmp_path / "neg.csv")["I_stim_uA_cm2"].min() == -0.5
    sweep = hhtui("sweep", "--amp", "-5:10:5", "--t-stop", "20", "--transient", "5", "-o", "fi.csv")
    assert sweep.returncode == 0, sweep.stderr
    assert read_csv(tmp_path / "fi.csv")["amp_uA_cm2"].tolist() == [-5.0, 0.0, 5.0, 10.0]


def test_no_negative_zero_in_a_csv(hhtui: Hhtui, tmp_path: Path) -> None:
    # Before its onset a negative step is -2 x 0 = -0.0 in floating point.
    done = hhtui("run", "--amp", "-2", "--start", "5", "--t-stop", "10", "-o", "run.csv")
    assert done.returncode == 0, done.stderr
    cells = {cell for line in (tmp_path / "run.csv").read_text().splitlines()[1:] for cell in line.split(",")}
    assert "0" in cells and "-0" not in cells


def test_one_spike_from_one_neuron(hhtui: Hhtui) -> None:
    done = hhtui("network", "--n", "2", "--topology", "chain", "--weight", "0", "--t-stop", "20")
    assert done.returncode == 0, done.stderr
    assert "2 neurons, chain, 1 excitatory synapse: 1 spike from 1 neuron in 20 ms" in done.stdout
