"""The error every model edit raises when it refuses (kept apart so that every model module can raise it)."""


class ModelError(ValueError):
    """An edit the model refuses (a duplicate id, a missing component, a full router)."""
