"""hhtui: a terminal simulator of the Hodgkin-Huxley neuron."""

__version__ = "0.1.0"

__all__ = ["__version__"]
