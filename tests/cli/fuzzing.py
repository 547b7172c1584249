"""A fuzzer for the command line: random flags, config files and CSV files, and the promises every
command keeps whatever it is given.

An input (:class:`Case`) is a command line of ``hhtui`` (run, sweep, plot, axon, network, or the
app's ``--config``/``--preset``, which are loaded and checked before the app needs a terminal)
and the files it finds in its working directory: a config file, a CSV to plot, and an earlier
good output (``good.csv`` + ``good.json``) that the command may be told to overwrite. Flags come
from the parsers themselves, so a flag added later is fuzzed too; values are drawn from a pool
of valid values for the flags known here and from a pool of hostile text for every flag (empty,
``nan``, ``1e400``, ``4.9e-324``, a lone surrogate, 400 digits, ...). Config files are valid
experiments and sidecars, mutated (a value replaced by any JSON value, a key removed or added,
sums nested, the text cut or garbled); CSV files are exported runs and F-I curves, mutated.

After each input (:func:`check`):

- the exit status is 0, 1 or 2, and no exception escaped ``hhtui.cli.main``;
- no "Traceback" is printed;
- a failure (status 1 or 2) is exactly one line ``hhtui ...: error: ...`` on standard error (with
  warnings before it, each one line), and leaves the working directory exactly as it was (no new
  file, no temporary file, and the earlier good output byte for byte the same);
- a success leaves no temporary file, changes no file it was not asked to write, and writes the
  CSV and its sidecar it was asked for.

:func:`run_in_process` calls ``hhtui.cli.main(argv)`` in this process (:mod:`tests.in_process`),
standard output and error sent to files, so thousands of inputs take a minute; :func:`run_subprocess` runs
``python -m hhtui`` for real. In process, :func:`cheap_limits` lowers the work limits of the
commands, so that an input asking for a long run is refused at once instead of taking minutes
(the refusal is checked like any other); a subprocess keeps the real limits, so its generator
draws only values that are cheap or refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

#: Statuses a command may end with on any input (130, Ctrl-C, never happens here).
ALLOWED_STATUS = (0, 1, 2)

#: Name of the earlier good output in every working directory.
GOOD = "good.csv"

#: Hostile text tried in any flag that takes a value.
HOSTILE = (
    "",
    " ",
    "abc",
    "-",
    "--",
    ".",
    "0",
    "-0",
    "1",
    "-1",
    "0.5",
    "1e-9",
    "4.9e-324",
    "2.2250738585072014e-308",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e400",
    "-1e400",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e12",
    "-1e12",
    "12345678901234567890",
    "9" * 400,
    "0." + "0" * 400 + "1",
    "1,5",
    "5 mV",
    "0x10",
    "1_000",
    "\u0661\u0662",
    "\uff11\uff12",
    "--5",
    "+5",
    "5e",
    "1e",
    "e5",
    "0:1:1e-40",
    "1:0:1",
    "::",
    "\udc80",
    "\udcff\udcfe",
    "\u00e9",
    "\u202e5",
    "\t5",
    "5\n",
    "true",
    "None",
    "[1]",
    "{}",
    "%s",
    "../x",
    "/",
)

#: Hostile text that no command accepts as an expensive setting: tried in the flags that set the
#: amount of work when the real limits are in force (a subprocess).
HOSTILE_CHEAP = (
    "",
    " ",
    "abc",
    "-",
    "0",
    "-0",
    "-1",
    "-1e308",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "1e12",
    "9" * 400,
    "1,5",
    "0x10",
    "\udc80",
    "--5",
    "5e",
    "true",
)

#: Valid values of the flags, bounded so that any mix of them is a run of a fraction of a second.
GOOD_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "run": {
        "--t-stop": ("1", "5", "20", "50"),
        "--dt": ("0.01", "0.025", "0.05", "0.1", "0.005"),
        "--sample-every": ("0.1", "0.5", "1", "0.05"),
        "--amp": ("0", "6.5", "10", "-5", "100"),
        "--start": ("0", "1", "5"),
        "--duration": ("1", "10", "inf", "0"),
        "--interval": ("2", "10", "20"),
        "--count": ("1", "2", "5"),
        "--amp-end": ("0", "20"),
        "--noise-std": ("0", "3"),
        "--bin-width": ("0.5", "1"),
        "--seed": ("0", "7"),
        "--hold": ("-65", "-80"),
        "--level": ("0", "-40", "20"),
    },
    "sweep": {
        "--amp": ("0:10:5", "0:20:10", "-5:5:5", "5:5:1", "0:1:0.5"),
        "--t-stop": ("5", "10", "20"),
        "--chunk-size": ("1", "2", "100"),
        "--g-na": ("120", "100:120:20", "0,120"),
        "--g-k": ("36", "30:36:6"),
        "--transient": ("0", "1", "2"),
        "--threshold": ("0", "-20"),
        "--min-spikes": ("1", "2"),
        "--dt": ("0.01", "0.025", "0.05"),
    },
    "plot": {"--width": ("30", "80", "120"), "--height": ("8", "24", "40")},
    "animate": {
        "--fps": ("1", "2"),
        "--seconds": ("0.5", "1"),
        "--size": ("240x160", "320x200"),
        "--title": ("t", "\u00e9", ""),
    },
    "neuroml export": {"--t-stop": ("5", "20"), "--name": ("x", "cell", "a b", "")},
    "axon": {
        "--length-cm": ("0.5", "1", "2"),
        "--diameter-um": ("476", "100", "10"),
        "--ra": ("35.4", "100"),
        "--nseg": ("4", "8", "20", "40"),
        "--dx-um": ("1000", "2500"),
        "--dt": ("0.01", "0.025", "0.05"),
        "--t-stop": ("0.3", "1", "2"),
        "--amp": ("10000", "0", "-1000"),
        "--stim-duration": ("0.2", "1"),
        "--stim-delay": ("0", "0.1"),
        "--positions": ("1", "3", "50"),
        "--sample-every": ("0.05", "0.1", "1"),
    },
    "network": {
        "--n": ("1", "2", "3", "5", "10", "20"),
        "--p": ("0", "0.1", "0.5", "1"),
        "--seed": ("0", "3"),
        "--weight": ("0", "0.5", "5"),
        "--delay": ("0", "1", "2"),
        "--tau": ("2", "0.5"),
        "--e-syn": ("0", "-80"),
        "--kick": ("20", "0", "-20"),
        "--kick-duration": ("1", "0.5"),
        "--kick-at": ("0", "1"),
        "--dt": ("0.01", "0.025", "0.05"),
        "--t-stop": ("1", "5", "20"),
    },
    "membrane": {
        "--c-m": ("1", "0.5", "2"),
        "--g-na": ("120", "0", "60"),
        "--g-k": ("36", "0"),
        "--g-l": ("0.3", "0"),
        "--e-na": ("50", "55"),
        "--e-k": ("-77", "-90"),
        "--e-l": ("-54.387", "-60"),
        "--temperature": ("6.3", "18.5", "30"),
    },
}

#: Flags whose value sets the amount of work: with the real limits (a subprocess) they get only
#: valid values from the pool above or hostile values that are refused.
COST_FLAGS = frozenset(
    {
        "--t-stop",
        "--dt",
        "--nseg",
        "--dx-um",
        "--length-cm",
        "--n",
        "--p",
        "--amp",
        "--count",
        "--bin-width",
        "--sample-every",
        "--transient",
        "--positions",
        "--interval",
        "--width",
        "--height",
        "--diameter-um",
        "--ra",
        "--c-m",
        "--stim-duration",
        "--duration",
        "--tau",
        "--delay",
        "--weight",
    }
)

#: The commands fuzzed and how often each is drawn. Not fuzzed: ``record`` and ``serve``, which
#: start the app on a terminal or a web server.
COMMANDS = {
    "run": 5,
    "sweep": 3,
    "plot": 3,
    "axon": 3,
    "network": 3,
    "app": 2,
    "neuroml export": 1,
    "neuroml show": 1,
    "animate": 1,
}

#: Commands whose output is not a CSV with its sidecar: a folder (neuroml export) or one file.
SINGLE_OUTPUT = ("neuroml export", "animate")

#: Output names tried with -o ("good.csv" is the earlier good output).
OUTPUTS = (
    GOOD,
    GOOD,
    "out.csv",
    "-",
    "sub/out.csv",
    "dir",
    "good.json",
    "",
    "out",
    "OUT.CSV",
    "x.csv.csv",
    "dir/out.csv",
    "\udc80.csv",
    "a b.csv",
)


# --------------------------------------------------------------------------------------------
# inputs


@dataclass
class Case:
    """One input: the arguments after ``hhtui`` and the files of the working directory (name ->
    bytes; ``good.csv``/``good.json`` are always there)."""

    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    expensive_ok: bool = True

    def command(self) -> str:
        """The subcommand (``neuroml export`` with its action), or ``app``."""
        for k, word in enumerate(self.argv):
            if word == "neuroml":
                return " ".join(self.argv[k : k + 2])
            if word in COMMANDS:
                return word
        return "app"

    def reproduction(self) -> str:
        """Shell commands that make the files and run the input."""
        lines = []
        for name, data in sorted(self.files.items()):
            if name.startswith("good.") or name.endswith("/"):
                continue
            lines.append(
                f"printf %s {shlex.quote(data.decode('utf-8', 'surrogateescape')[:2000])} > {shlex.quote(name)}"
            )
        words = [os.fsencode(word).decode("utf-8", "backslashreplace") for word in self.argv]
        lines.append("hhtui " + shlex.join(words))
        return "\n".join(lines)


def _parsers() -> dict[str, Any]:
    """The subcommand parsers by name (and ``app``: the top-level parser)."""
    import argparse

    from hhtui.cli import build_parser

    top = build_parser()
    parsers: dict[str, Any] = {"app": top}
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, parser in action.choices.items():
                parsers[name] = parser
                for inner in parser._actions:  # e.g. neuroml export / neuroml show
                    if isinstance(inner, argparse._SubParsersAction):
                        parsers.update({f"{name} {sub}": p for sub, p in inner.choices.items()})
    return parsers


@dataclass
class Flag:
    """One optional argument of a parser: its option strings, whether it takes a value, its choices."""

    names: tuple[str, ...]
    takes_value: bool
    choices: tuple[str, ...] | None


#: Flags never fuzzed: they start worker processes or connect to a network address, which a test
#: must not do with random values (``--workers 1_000`` is a valid number).
UNFUZZED = frozenset({"--help", "--version", "--workers", "--scheduler"})


def flags_of(parser: Any) -> list[Flag]:
    """The optional arguments of ``parser`` (help and :data:`UNFUZZED` excluded)."""
    result = []
    for action in parser._actions:
        if not action.option_strings or UNFUZZED & set(action.option_strings):
            continue
        choices = tuple(str(c) for c in action.choices) if action.choices is not None else None
        result.append(Flag(tuple(action.option_strings), action.nargs != 0, choices))
    return result


class Generator:
    """Random inputs from a seeded :class:`random.Random`; ``cheap`` keeps them cheap with the real
    limits (for a subprocess)."""

    def __init__(self, seed: int, cheap: bool = False) -> None:
        self.rng = random.Random(seed)
        self.cheap = cheap
        self.parsers = _parsers()
        self.flags = {name: flags_of(parser) for name, parser in self.parsers.items()}
        self.samples = sample_files()
        try:
            from hhtui.experiments import preset_names

            self.presets = list(preset_names())
        except ImportError:
            self.presets = []

    # ---------------------------------------------------------------------------- values

    def _good(self, command: str, flag: str) -> tuple[str, ...]:
        return GOOD_VALUES.get(command, {}).get(flag) or GOOD_VALUES["membrane"].get(flag, ())

    def value(self, command: str, flag: Flag) -> str:
        """A value for ``flag`` of ``command``: mostly valid, often hostile."""
        rng = self.rng
        name = max(flag.names, key=len)
        if flag.choices is not None:
            if rng.random() < 0.85:
                return rng.choice(flag.choices)
            return rng.choice(("", "RK4", "none ", "\udc80", "x", flag.choices[0] * 2))
        if name in ("--preset",):
            return rng.choice(self.presets + ["no-such", "", "\udc80"]) if self.presets else "x"
        if name == "--neuroml":
            return rng.choice(("cell.nml",) * 4 + ("net.nml",) * 2 + ("missing.nml", "dir", GOOD, "cfg.json"))
        if name in ("--config",):
            return rng.choice(("cfg.json",) * 6 + ("missing.json", "dir", GOOD, "good.json", "", "data.csv"))
        if name in ("-o", "--output"):
            return rng.choice(OUTPUTS)
        good = self._good(command, name)
        hostile = HOSTILE_CHEAP if (self.cheap and name in COST_FLAGS) else HOSTILE
        if good and rng.random() < 0.7:
            return rng.choice(good)
        return rng.choice(hostile)

    # ---------------------------------------------------------------------------- command lines

    def case(self) -> Case:
        """A random input."""
        rng = self.rng
        command = rng.choices(list(COMMANDS), weights=list(COMMANDS.values()))[0]
        files: dict[str, bytes] = {}
        words: list[str] = [] if command == "app" else command.split()
        flags = self.flags[command]
        wanted = rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 7))
        chosen = [rng.choice(flags) for _ in range(wanted)] if flags else []
        if command in ("plot", "animate"):
            choices = ("data.csv",) * 8 + (GOOD, "good.json", "missing.csv", "dir", "", "-")
            if command == "animate" and rng.random() < 0.3:
                choices = ("",)  # with --preset or --config instead, or nothing at all
            if choices != ("",):
                words.append(rng.choice(choices))
            files["data.csv"] = self.csv_file()
        if command == "neuroml show":
            words.append(rng.choice(("cell.nml",) * 4 + ("net.nml", "missing.nml", "dir", GOOD, "")))
        if command == "neuroml export" or (command == "neuroml show" and rng.random() < 0.2):
            words += ["-o", rng.choice(("nml", "nml", "dir", GOOD, "sub/nml", "", "\udc80"))]
        if command == "animate" and rng.random() < 0.7:
            words += ["-o", rng.choice(("a.gif", "a.gif", GOOD, "dir", "sub/a.gif", "-", "\udc80.gif"))]
        if command == "animate":
            chosen = chosen[: rng.choice((0, 1, 1, 2))]
            if len(words) > 1 and words[1] != "-o":  # a recording: mostly without --preset/--config
                chosen = [f for f in chosen if not {"--preset", "--config"} & set(f.names) or rng.random() < 0.2]
        if command == "run" and rng.random() < 0.35:
            chosen.append(next(f for f in flags if "--config" in f.names))
        if command == "app":
            pick = rng.choice(("--config", "--config", "--preset"))
            chosen = [next(f for f in flags if pick in f.names)]
        if command in ("run", "sweep") and rng.random() < 0.85:
            words += ["-o", rng.choice(OUTPUTS)]
        if command in ("axon", "network") and rng.random() < 0.6:
            words += ["-o", rng.choice(OUTPUTS)]
        for flag in chosen:
            name = rng.choice(flag.names)
            if not flag.takes_value:
                words.append(name)
                continue
            value = self.value(command, flag)
            if name.startswith("--") and (rng.random() < 0.3 or value.startswith("-")):
                words.append(f"{name}={value}")
            else:
                words += [name, value]
        if command == "sweep" and not any(w.startswith("--amp") for w in words) and rng.random() < 0.9:
            words += ["--amp", rng.choice(GOOD_VALUES["sweep"]["--amp"])]
        if command == "sweep" and rng.random() < 0.9 and not any(w.startswith("--t-stop") for w in words):
            words += ["--t-stop", rng.choice(GOOD_VALUES["sweep"]["--t-stop"]), "--transient", "1"]
        if command in ("run", "axon", "network", "neuroml export") and not any(w.startswith("--t-stop") for w in words):
            words += ["--t-stop", rng.choice(GOOD_VALUES[command]["--t-stop"])]
        if command == "axon" and not any(w.startswith(("--nseg", "--dx-um")) for w in words):
            words += ["--nseg", rng.choice(GOOD_VALUES["axon"]["--nseg"])]
        if command == "animate" and rng.random() < 0.8:  # bounded: a few small frames
            words += ["--fps", "2", "--seconds", "0.5", "--size", "240x160"]
        if rng.random() < 0.05:  # something no parser knows, or a flag left without its value
            words.insert(rng.randrange(len(words) + 1), rng.choice(("--no-such-flag", "extra", "-x", "--", "-")))
        if rng.random() < 0.04 and words and words[-1].startswith("-"):
            words.pop()
        if any(w.startswith("--config") for w in words) or "--config" in words:
            own = command in ("axon", "network") and rng.random() < 0.7
            files["cfg.json"] = self.settings_file(command) if own else self.config_file()
        if command.startswith("neuroml") or any(w.startswith("--neuroml") for w in words):
            files["cell.nml"] = self.xml_file("cell")
            files["net.nml"] = self.xml_file("net")
            for name, text in self.samples.items():  # the channels the cell includes, as exported
                if name.endswith(".channel.nml"):
                    files[name] = text.encode()
        return Case(words, files, expensive_ok=not self.cheap)

    # ---------------------------------------------------------------------------- config files

    def json_value(self, depth: int = 0) -> Any:
        """Any JSON value, hostile ones often."""
        rng = self.rng
        kind = rng.randrange(12 if depth < 3 else 8)
        if kind == 0:
            return rng.choice((0, 1, -1, 2, 10, 1000, 10**6, 2**63, -(2**63), 10**400, 10**30))
        if kind == 1:
            return rng.choice((0.5, -0.0, 1e-320, 4.9e-324, 1e308, -1e308, 1.7976931348623157e308, 0.1, 6.3, 50.0))
        if kind == 2:
            return rng.choice(
                (
                    "",
                    "abc",
                    "\udc80",
                    "a\udcffb",
                    "inf",
                    "nan",
                    "1e400",
                    "10",
                    "step",
                    "sum",
                    "rk4",
                    "[/x]",
                    "\u202e",
                    "x" * 10000,
                    "\x00",
                )
            )
        if kind == 3:
            return rng.choice((None, True, False))
        if kind in (4, 5):
            return rng.choice(([], [1, 2, 3], [0.5] * 50, list(range(3000)), [None], ["a"], [[1, 2]]))
        if kind in (6, 7):
            return rng.choice(({}, {"type": "step"}, {"a": 1}, {"type": "sum", "parts": []}))
        if kind in (8, 9):
            return [self.json_value(depth + 1) for _ in range(rng.randrange(4))]
        return {
            rng.choice(("type", "parts", "amplitude", "x", "\udc80")): self.json_value(depth + 1)
            for _ in range(rng.randrange(3))
        }

    def _mutate(self, data: Any) -> Any:
        """``data`` with one random change somewhere inside."""
        rng = self.rng
        if isinstance(data, dict) and data and rng.random() < 0.75:
            key = rng.choice(list(data))
            action = rng.randrange(6)
            if action == 0:
                del data[key]
            elif action == 1:
                data[rng.choice(("extra", "\udc80", "", "t_stop ", "T_stop"))] = self.json_value()
            elif action in (2, 3):
                data[key] = self.json_value()
            else:
                data[key] = self._mutate(data[key])
            return data
        if isinstance(data, list) and data and rng.random() < 0.75:
            index = rng.randrange(len(data))
            data[index] = self._mutate(data[index])
            return data
        return self.json_value()

    def _stimulus(self) -> dict[str, Any]:
        rng = self.rng
        simple = rng.choice(
            (
                {"type": "step", "amplitude": 10.0, "start": 1.0, "duration": None},
                {"type": "pulse", "amplitude": 20.0, "start": 1.0, "duration": 1.0},
                {"type": "train", "amplitude": 20.0, "width": 1.0, "start": 1.0, "interval": 5.0, "count": 3},
                {"type": "ramp", "amplitude": 0.0, "amplitude_end": 20.0, "start": 0.0, "duration": 10.0},
                {"type": "noise", "mean": 5.0, "std": 2.0, "start": 0.0, "duration": None, "bin_width": 0.5, "seed": 1},
                {"type": "clamp", "hold": -65.0, "level": 0.0, "start": 1.0, "duration": 5.0},
                {"type": "none"},
            )
        )
        if rng.random() < 0.3:
            parts = [dict(simple) for _ in range(rng.choice((1, 2, 3, 20)))]
            if simple["type"] == "clamp":
                parts = [{"type": "step", "amplitude": 1.0}]
            nested: dict[str, Any] = {"type": "sum", "parts": parts}
            for _ in range(rng.choice((0, 0, 1, 5, 31, 32, 33, 250))):
                nested = {"type": "sum", "parts": [nested]}
            return nested
        return dict(simple)

    def settings_file(self, command: str) -> bytes:
        """The bytes of the sidecar of a small ``hhtui axon`` or ``hhtui network`` run (or of its
        settings alone), mutated."""
        from hhtui.model.cable import CableSettings
        from hhtui.model.network import NetworkSettings

        rng = self.rng
        settings = (
            CableSettings(nseg=8, t_stop=1.0) if command == "axon" else NetworkSettings(n=3, t_stop=5.0)
        ).to_dict()
        data: Any = settings
        if rng.random() < 0.6:
            key = "measured" if command == "axon" else "summary"
            data = {"program": "hhtui", "version": "0.1.0", "experiment": settings, "columns": ["t_ms"], key: {}}
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            data = self._mutate(data)
        return json.dumps(data, allow_nan=rng.random() < 0.1).encode("utf-8", "surrogatepass")

    def config_file(self) -> bytes:
        """The bytes of a config file: an experiment or a sidecar, mutated."""
        rng = self.rng
        experiment: dict[str, Any] = {
            "name": "fuzz",
            "title": "t",
            "description": "d",
            "view": "voltage",
            "t_stop": rng.choice((2.0, 5.0, 20.0)),
            "membrane": {
                "c_m": 1.0,
                "g_na": 120.0,
                "g_k": 36.0,
                "g_l": 0.3,
                "e_na": 50.0,
                "e_k": -77.0,
                "e_l": -54.387,
                "temperature": 6.3,
                "inactivation": True,
            },
            "stimulus": self._stimulus(),
            "solver": {"method": "rk4", "dt": 0.01, "sample_every": None},
        }
        if rng.random() < 0.3:
            for key in rng.sample(sorted(experiment), rng.randrange(len(experiment))):
                del experiment[key]
        data: Any = experiment
        if rng.random() < 0.3:
            data = {"program": "hhtui", "version": "0.1.0", "experiment": experiment, "columns": ["t_ms", "V_mV"]}
        if rng.random() < 0.25:
            data = json.loads(self.samples["sidecar"])
        for _ in range(rng.choice((0, 0, 1, 1, 2, 4))):
            data = self._mutate(data)
        text = json.dumps(data, allow_nan=rng.random() < 0.1)
        raw = text.encode("utf-8", "surrogatepass")
        edit = rng.randrange(20)
        if edit == 0:
            raw = raw[: rng.randrange(len(raw) + 1)]
        elif edit == 1:
            raw = b"\xef\xbb\xbf" + raw
        elif edit == 2:
            raw = text.encode("utf-16")
        elif edit == 3:
            position = rng.randrange(len(raw) + 1)
            raw = (
                raw[:position]
                + rng.choice((b"\xff", b"\x00", b"}", b",", b"NaN", b"1" * 5000, b"[" * 3000))
                + raw[position:]
            )
        elif edit == 4:
            raw = rng.choice((b"", b"null", b"[]", b"{}", b'{"t_stop": 2, "t_stop": -1}', b"\n" * 10, b"{" * 100000))
        return raw

    # ---------------------------------------------------------------------------- CSV files

    def csv_file(self) -> bytes:
        """The bytes of a CSV to plot: a run, an F-I curve or traces, mutated."""
        rng = self.rng
        text = self.samples[rng.choice(("run", "run", "fi", "traces"))]
        lines = text.splitlines()
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            action = rng.randrange(9)
            row = rng.randrange(len(lines)) if lines else 0
            if action == 0 and lines:  # a cell replaced
                cells = lines[row].split(",")
                cells[rng.randrange(len(cells))] = rng.choice(HOSTILE + ("1.7e308", "-1.7e308", "1e-320", "2", "-1"))
                lines[row] = ",".join(cells)
            elif action == 1 and lines and lines[0]:  # a whole column of extreme values
                column = rng.randrange(len(lines[0].split(",")))
                value = rng.choice(("1.7e308", "-1.7e308", "4.9e-324", "0", "1e300", "2", "-5", "nan"))
                for k in range(1, len(lines)):
                    cells = lines[k].split(",")
                    if column < len(cells):
                        cells[column] = value
                        lines[k] = ",".join(cells)
            elif action == 2:
                lines = lines[: rng.choice((0, 1, 2, 3))]
            elif action == 3 and lines:
                lines[row] = lines[row] + ",1"
            elif action == 4 and lines:
                del lines[row]
            elif action == 5:
                lines = [lines[0]] + lines[1:][::-1] if lines else lines
            elif action == 6 and lines:
                lines = lines[:1] + [",".join(["1e-320"] * len(lines[0].split(",")))] * rng.choice((1, 2, 500))
            elif action == 7 and lines:
                lines[0] = rng.choice(("t_ms,t_ms,V_mV", "t_ms", "V_mV", "", "\udc80", "t_ms,V_mV,m,h,n,V_mV"))
            else:
                lines = [line.replace(",", rng.choice((";", "\t", ",,"))) for line in lines]
        raw = ("\n" if rng.random() < 0.8 else "\r\n").join(lines).encode("utf-8", "surrogateescape")
        if rng.random() < 0.05:
            raw = rng.choice((b"\xef\xbb\xbf" + raw, raw.replace(b",", b"\x00", 1), raw + b"\xff"))
        return raw


def _xml_file(self: Generator, kind: str) -> bytes:
    """The bytes of a NeuroML file: a cell or a network exported by the command, mutated."""
    rng = self.rng
    text = self.samples[kind]
    for _ in range(rng.choice((0, 1, 1, 2))):
        action = rng.randrange(8)
        if action == 0:
            text = text[: rng.randrange(len(text) + 1)]
        elif action == 1:  # a number replaced by a hostile one
            import re

            numbers = list(re.finditer(r'"-?[0-9][0-9.eE+-]*(?:[a-zA-Z_/0-9]*)"', text))
            if numbers:
                found = rng.choice(numbers)
                value = rng.choice(("1e400", "nan", "-inf", "1e308", "4.9e-324", "abc", "", "0", "-1", "1e12"))
                unit = re.sub(r'^"-?[0-9][0-9.eE+-]*', "", found.group(0)).rstrip('"')
                text = text[: found.start()] + f'"{value}{unit if rng.random() < 0.7 else ""}"' + text[found.end() :]
        elif action == 2:
            text = (
                '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;'
                '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;'
                '&c;&c;&c;">]><neuroml id="&d;&d;&d;&d;&d;&d;&d;&d;"/>'
            )
        elif action == 3:
            text = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><neuroml id="&e;"/>'
        elif action == 4:
            text = text.replace("<", "<" * rng.choice((1, 2)), 1)
        elif action == 5:
            text = "<neuroml>" + "<a>" * 5000 + "</a>" * 5000 + "</neuroml>"
        elif action == 6:
            text = text.replace("ionChannelHH", rng.choice(("ionChannel", "x", "")), 1)
        else:
            text = rng.choice(("", "null", "{}", "\udc80", "<neuroml/>", text + "\x00"))
    return text.encode("utf-8", "surrogateescape")


Generator.xml_file = _xml_file  # type: ignore[attr-defined]


_SAMPLES: dict[str, str] = {}


def sample_files() -> dict[str, str]:
    """Real outputs to mutate and the earlier good output: a run CSV and its sidecar, an F-I
    curve and axon traces, made once per process with the commands themselves."""
    if _SAMPLES:
        return _SAMPLES
    with tempfile.TemporaryDirectory(prefix="hhtui-fuzz-") as directory:
        folder = Path(directory)
        for argv in (
            ["run", "--t-stop", "5", "--sample-every", "0.1", "-o", "run.csv"],
            ["sweep", "--amp", "0:20:5", "--t-stop", "20", "--transient", "1", "-o", "fi.csv"],
            ["axon", "--nseg", "8", "--t-stop", "1", "--positions", "3", "-o", "traces.csv"],
        ):
            outcome = run_in_process(argv, folder)
            if outcome.status != 0:
                raise RuntimeError(f"hhtui {' '.join(argv)} failed: {outcome.stderr}")
        _SAMPLES.update(
            {
                "run": (folder / "run.csv").read_text(),
                "sidecar": (folder / "run.json").read_text(),
                "fi": (folder / "fi.csv").read_text(),
                "traces": (folder / "traces.csv").read_text(),
            }
        )
        if run_in_process(["neuroml", "export", "-o", "nml", "--t-stop", "5"], folder).status == 0:
            nml = folder / "nml"
            _SAMPLES["cell"] = (nml / "hhcell.cell.nml").read_text()
            _SAMPLES["net"] = next(nml.glob("*.net.nml")).read_text()
            _SAMPLES.update({path.name: path.read_text() for path in nml.glob("*.channel.nml")})
        else:  # an installation without NeuroML support: the files are refused as unreadable
            _SAMPLES["cell"] = _SAMPLES["net"] = "<neuroml/>"
    return _SAMPLES


# --------------------------------------------------------------------------------------------
# running


@dataclass
class Outcome:
    """What an input gave: exit status (None if an exception escaped), output, seconds taken."""

    status: int | None
    stdout: str
    stderr: str
    seconds: float
    exception: str = ""


#: Work limits lowered in process: (module, name, value).
CHEAP_LIMITS = (
    ("hhtui.cli.run", "MAX_STEPS", 200_000),
    ("hhtui.sweeps.plan", "MAX_NEURON_STEPS", 1_000_000),
    ("hhtui.model.cable", "MAX_WORK", 2_000_000),
    ("hhtui.model.network", "MAX_WORK", 1_000_000),
)


@contextlib.contextmanager
def cheap_limits() -> Iterator[None]:
    """Lower the work limits of the commands (those that exist) for the time of the block."""
    import importlib

    saved = []
    for module_name, name, value in CHEAP_LIMITS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


#: Memory an input may take on top of what the process already has, bytes: an input that asks
#: for more fails with MemoryError (a finding) instead of exhausting a shared machine.
MEMORY_MARGIN = 3 * 2**30


def _virtual_memory() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


@contextlib.contextmanager
def bounded_memory(margin: int = MEMORY_MARGIN) -> Iterator[None]:
    """Lower the soft address-space limit to the current size + ``margin`` for the block (where
    the platform allows), and put it back afterwards."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not a POSIX system
        yield
        return
    size = _virtual_memory()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if size is None:
        yield
        return
    wanted = size + margin
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY:
        wanted = min(wanted, soft)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _child_limits() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, ValueError, OSError):
        pass


def run_in_process(argv: list[str], workdir: Path) -> Outcome:
    """``hhtui.cli.main(argv)`` in ``workdir`` (:func:`tests.in_process.run_main`: standard input
    from /dev/null, standard output and error captured, the process's state put back afterwards)."""
    from tests.in_process import run_main

    started = time.perf_counter()
    result = run_main(argv, workdir)
    seconds = time.perf_counter() - started
    texts = []
    for data in (result.stdout, result.stderr):
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeError as error:
            texts.append(f"<unreadable: {error}>")
    return Outcome(result.status, texts[0], texts[1], seconds, result.exception)


def run_subprocess(argv: list[str], workdir: Path, timeout: float = 300.0) -> Outcome:
    """``python -m hhtui ARGV`` in ``workdir`` (standard input from /dev/null)."""
    from tests.processes import run_hhtui

    started = time.perf_counter()
    done = run_hhtui(
        *argv, cwd=workdir, timeout=timeout, stdin=subprocess.DEVNULL, text=False, preexec_fn=_child_limits
    )
    seconds = time.perf_counter() - started
    out = done.stdout.decode("utf-8", "backslashreplace")
    err = done.stderr.decode("utf-8", "backslashreplace")
    return Outcome(done.returncode, out, err, seconds)


# --------------------------------------------------------------------------------------------
# checking


def snapshot(directory: Path) -> dict[str, str]:
    """Every entry under ``directory`` (hidden ones included): relative name -> content hash, or
    ``<dir>`` for a folder."""
    entries: dict[str, str] = {}
    for root, dirs, names in os.walk(directory):
        for name in dirs:
            entries[os.path.relpath(os.path.join(root, name), directory)] = "<dir>"
        for name in names:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as fh:
                    entries[os.path.relpath(path, directory)] = hashlib.sha256(fh.read()).hexdigest()
            except OSError as error:
                entries[os.path.relpath(path, directory)] = f"<unreadable {error.errno}>"
    return entries


def prepare(case: Case, workdir: Path) -> dict[str, str]:
    """Make the files of ``case`` (and the earlier good output, and a folder ``dir``) in ``workdir``;
    returns the snapshot before the run."""
    samples = sample_files()
    (workdir / GOOD).write_text(samples["run"])
    (workdir / "good.json").write_text(samples["sidecar"])
    (workdir / "dir").mkdir(exist_ok=True)
    for name, data in case.files.items():
        (workdir / name).write_bytes(data)
    return snapshot(workdir)


def _output_of(case: Case) -> str | None:
    """The -o value of a case (the last one given), or None."""
    output = None
    words = case.argv
    for k, word in enumerate(words):
        if word in ("-o", "--output") and k + 1 < len(words):
            output = words[k + 1]
        elif word.startswith("--output="):
            output = word.split("=", 1)[1]
        elif word.startswith("-o") and len(word) > 2 and not word.startswith("--"):
            output = word[2:]
    return output


def check(case: Case, outcome: Outcome, before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The promises ``outcome`` breaks, each as a short label (empty: none)."""
    problems = []
    if outcome.exception:
        last = outcome.exception.strip().splitlines()[-1]
        problems.append(f"exception escaped: {last}")
    elif outcome.status not in ALLOWED_STATUS:
        problems.append(f"exit status {outcome.status}")
    if "Traceback" in outcome.stdout or "Traceback" in outcome.stderr:
        problems.append("traceback printed")
    temporary = [name for name in after if os.path.basename(name).startswith(".hhtui-")]
    if temporary:
        problems.append("temporary file left")
    if outcome.status in (1, 2):
        lines = [line for line in outcome.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if ": error: " in line]
        others = [line for line in lines if ": error: " not in line and ": warning: " not in line]
        if len(errors) != 1 or others or not lines or ": error: " not in lines[-1]:
            problems.append("failure not reported in one error line")
        elif not lines[-1].startswith("hhtui"):
            problems.append("error line does not start with the command")
        differ = sorted(set(after) ^ set(before) | {k for k in before if k in after and after[k] != before[k]})
        output = _output_of(case)
        if case.command() == "sweep" and outcome.status == 1 and output not in (None, "-"):
            # A sweep that stopped keeps its finished chunks beside the output for --resume.
            journal = os.path.normpath(output) + ".chunks"
            differ = [name for name in differ if name != journal and not name.startswith(journal + os.sep)]
        if differ:
            problems.append("failure left or changed files: " + ", ".join(differ[:3]))
    elif outcome.status == 0:
        informational = any(word in ("--list-presets", "-h", "--help", "--version") for word in case.argv)
        output = None if informational else _output_of(case)
        allowed: set[str] = set()
        single = case.command() in SINGLE_OUTPUT
        if output not in (None, "-"):
            target = os.path.normpath(output)
            allowed = {target} if single else {target, os.path.splitext(target)[0] + ".json"}
        changed = {k for k in before if k in after and after[k] != before[k]} | (set(before) - set(after))
        unexpected = {
            name
            for name in changed - allowed
            if not (single and output and name.startswith(os.path.normpath(output) + os.sep))
        }
        if unexpected:
            problems.append("success changed files it was not asked to write: " + ", ".join(sorted(unexpected)[:3]))
        if output not in (None, "-") and {name for name in allowed if name in after} != allowed:
            problems.append("success without its output" if single else "success without the CSV and its sidecar")
    return problems


@dataclass(frozen=True)
class Known:
    """A finding already reported and not fixed yet: its command, the start of its problem, a
    text its output holds, and a reproduction (a test expects it to fail until it is fixed)."""

    command: str
    problem: str
    output: str
    case: Case

    def matches(self, problem: str, case: Case, outcome: Outcome) -> bool:
        return (
            case.command() == self.command
            and problem.startswith(self.problem)
            and self.output in outcome.stderr + outcome.exception
        )


#: Open findings: the fuzz tests pass over them, and each still reproduces (a strict xfail test).
KNOWN: tuple[Known, ...] = ()


@dataclass
class Finding:
    """A broken promise and the first input that showed it."""

    problem: str
    case: Case
    outcome: Outcome

    def report(self) -> str:
        text = [
            f"- {self.problem}  [hhtui {self.case.command()}, exit {self.outcome.status}]",
            "  reproduction (in an empty folder with good.csv/good.json from 'hhtui run -o good.csv'):",
        ]
        text += ["    " + line for line in self.case.reproduction().splitlines()]
        detail = (self.outcome.exception or self.outcome.stderr).strip().splitlines()[-12:]
        text += ["  | " + line[:300] for line in detail]
        return "\n".join(text)


def signature(problem: str, case: Case, outcome: Outcome) -> str:
    """What makes two findings the same: the problem, the command and, for an exception, where it
    was raised."""
    where = ""
    source = outcome.exception or (outcome.stderr if "Traceback" in outcome.stderr else "")
    if source:
        frames = [line.strip() for line in source.splitlines() if line.strip().startswith("File ")]
        where = frames[-1] if frames else ""
    label = problem.split(":")[0]
    return f"{label} | {case.command()} | {where}"


def try_case(case: Case, mode: str = "process") -> tuple[Outcome, list[str]]:
    """Run ``case`` in a fresh folder (in process or as a subprocess) and check it."""
    workdir = Path(tempfile.mkdtemp(prefix="hhtui-fuzz-case-"))
    try:
        before = prepare(case, workdir)
        if mode == "process":
            with cheap_limits(), bounded_memory():
                outcome = run_in_process(case.argv, workdir)
        else:
            outcome = run_subprocess(case.argv, workdir)
        after = snapshot(workdir)
        return outcome, check(case, outcome, before, after)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def fuzz(
    count: int, seed: int, mode: str = "process", log: TextIO | None = None, every: int = 0
) -> tuple[dict[str, Finding], int, list[tuple[float, Case]]]:
    """Try ``count`` inputs from ``seed``; returns (findings by signature, inputs tried, the ten
    slowest inputs with their seconds). Findings of :data:`KNOWN` are only logged, as known."""
    generator = Generator(seed, cheap=(mode != "process"))
    findings: dict[str, Finding] = {}
    seen_known: set[str] = set()
    slowest: list[tuple[float, Case]] = []
    for index in range(count):
        case = generator.case()
        outcome, problems = try_case(case, mode)
        for problem in problems:
            key = signature(problem, case, outcome)
            if any(known.matches(problem, case, outcome) for known in KNOWN):
                if log is not None and key not in seen_known:
                    print(f"(known, not counted) {key}", file=log, flush=True)
                seen_known.add(key)
                continue
            if key not in findings:
                findings[key] = Finding(problem, case, outcome)
                if log is not None:
                    print(findings[key].report(), file=log, flush=True)
        slowest = sorted(slowest + [(outcome.seconds, case)], key=lambda item: -item[0])[:10]
        if log is not None and every and (index + 1) % every == 0:
            print(f"... {index + 1} inputs, {len(findings)} findings", file=log, flush=True)
    return findings, count, slowest
