"""The one error of the command line: a sentence and an exit code."""


class CliError(Exception):
    """A failure reported as one line on stderr with an exit code, never as a traceback."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code
