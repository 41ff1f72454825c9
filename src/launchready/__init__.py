"""launchready: from "prototype that might break" to "launch-ready", and kept there."""

__version__ = "0.1.0"
