"""Subcommands of ``hp.launch``: which parser speaks for a run, and a close command for a
misspelled one.

Once a command is chosen, every later error of the run (a value that does not convert, a
misspelled key, an unrecognized word) is that command's: the message comes with its usage
(``prog train [-h] [--epochs INT] ...``), not the program's.
"""

from __future__ import annotations

import argparse

__all__ = ["command_parser", "unknown_command_hint"]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_parser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    """The parser of ``command`` when the program has subcommands and one was chosen, else
    ``parser`` itself."""
    if command is None:
        return parser
    return _subcommands(parser).get(command, parser)


def unknown_command_hint(parser: argparse.ArgumentParser, message: str) -> str:
    """`` (did you mean 'train'?)`` for argparse's message about an unknown command, when a
    command is close to the word given; else nothing."""
    import difflib
    import re

    found = re.search(r"invalid choice: '([^']*)'", message)
    if found is None:
        return ""
    word = found.group(1)
    names = list(_subcommands(parser))
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        lowered = {name.lower(): name for name in names}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean '{close[0]}'?)" if close else ""
