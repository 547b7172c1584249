"""The Hodgkin-Huxley model: parameters, kinetics, stimuli, integrators, simulation, analysis.

Pure numerics: numpy and numba (scipy lazily for the reference solver); never Textual, never files.
"""

from .errors import NumericalInstabilityError, ParameterError
from .membrane import Membrane, nernst_potential, temperature_factor
from .samples import CLAMP_COLUMN, CSV_COLUMNS, Samples
from .simulation import Simulation, resting_potential
from .stimulus import Combined, NoStimulus, Noise, Pulse, Ramp, Step, Stimulus, Train, VoltageClamp, stimulus_from_dict
from .integrators import DEFAULT_METHOD, METHOD_DESCRIPTIONS, METHODS
from .experiment import Experiment, Solver
from .recording import DEFAULT_MAX_SAMPLES, Recording

__all__ = [
    "CLAMP_COLUMN", "CSV_COLUMNS", "Combined", "DEFAULT_MAX_SAMPLES", "DEFAULT_METHOD", "Experiment", "METHOD_DESCRIPTIONS", "METHODS", "Recording", "Solver", "Membrane", "NoStimulus", "Noise",
    "NumericalInstabilityError", "ParameterError", "Pulse", "Ramp", "Samples", "Simulation", "Step",
    "Stimulus", "Train", "VoltageClamp", "nernst_potential", "resting_potential", "stimulus_from_dict",
    "temperature_factor",
]
