"""The one error matching raises for bad input; its message names the record and what to do."""


class MatchInputError(ValueError):
    """Inputs that cannot be matched as given (missing traits, unknown categories, sizes)."""
