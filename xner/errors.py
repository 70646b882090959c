"""Exceptions that carry a user-facing message (file:line or config key). The entry point prints
these without a traceback; anything else is a bug and keeps its traceback."""


class XnerError(Exception):
    """Base class: an error caused by the user's input, data or configuration."""


class DataFormatError(XnerError):
    """A data file is malformed; the message names file:line and what was expected."""


class ConfigError(XnerError):
    """A configuration value is invalid; the message names the key and the valid choices."""


class ModelNotFoundError(XnerError):
    """A model id could not be resolved (offline, or not a local directory)."""
