"""The one error of the command line: a sentence and an exit code."""

from backend.model.printable import printable


class CliError(Exception):
    """A failure reported as one line on stderr with an exit code, never as a traceback (control, line and
    bidi characters of the ids and file names it quotes are escaped)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(printable(message))
        self.code = code
