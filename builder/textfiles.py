"""Read a text file a user wrote, with a clear error naming the line and column of a byte that is not UTF-8."""

from __future__ import annotations

from pathlib import Path

from builder.errors import ConfigError, Location, Problem


def decode_utf8(data: bytes, shown: str) -> tuple[str | None, Problem | None]:
    """The text of `data`, or the problem at its first byte that is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, Problem(Location(shown, line, column), f"not UTF-8 text: byte 0x{data[error.start]:02x} "
                                                            f"({error.reason}); save the file as UTF-8")


def read_utf8(path: Path, shown: str) -> str:
    """The file's text; ConfigError if it cannot be read or is not UTF-8."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ConfigError(Problem(Location(shown), f"cannot read file: {error.strerror}")) from error
    text, problem = decode_utf8(data, shown)
    if problem:
        raise ConfigError(problem)
    return text
