"""A fake stderr for the progress tests: records what is written, says whether it is a TTY."""


class FakeStream:
    def __init__(self, tty: bool = True):
        self.text, self.tty = "", tty

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty
