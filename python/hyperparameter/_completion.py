"""``--print-completion bash|zsh|fish``: a shell completion script for a launched program.

The script is generated from the parser ``hp.launch`` built, so it knows what the program
knows when it prints it: the common options, each command's options (after the command's
name when there are several), the choices of ``Literal`` and ``Enum`` parameters, and every
declared key (``-D <TAB>`` and ``-ep <TAB>`` complete keys, ``-C <TAB>`` file names). It is
static: print it again after adding parameters. zsh runs the bash script through its
``bashcompinit`` layer.
"""

from __future__ import annotations

import argparse
import re
import sys

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, NoReturn

__all__ = ["completion_script", "print_completion"]

_FILE_OPTIONS = ("-C", "--config")
_KEY_OPTIONS = ("-D", "--define", "-ep", "--explain-param")


class _Program:
    """What a completion script needs to know about a program."""

    def __init__(self, parser: argparse.ArgumentParser, options: dict[str, list[Any]]) -> None:
        from hyperparameter._cli_parser import _options_of
        from hyperparameter._typed_targets import choices_of
        from hyperparameter.param import registered

        self.prog = parser.prog.split()[0]
        self.common = _option_strings(parser)
        subcommands = _subcommands(parser)
        self.commands = list(subcommands)
        self.command_options: dict[str, list[str]] = {}
        self.choices: dict[tuple[str, str], list[str]] = {}
        single = not subcommands
        for name, params in options.items():
            sub = parser if single else subcommands[name]
            own = [o for o in _option_strings(sub) if o not in self.common]
            self.command_options[name] = own
            for param in params:
                shown = param.annotation if param.annotation is not None else param.target
                words = choices_of(shown)
                if words:
                    for flag in _flags_of(sub, f"param:{param.name}"):
                        self.choices[(name, flag)] = words
        self.keys = sorted(
            {str(o.key) for entry in registered() for o in _options_of(entry) if o.key}
        )
        self.single = next(iter(options)) if single else ""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    from hyperparameter._cli_commands import _subcommands as found

    return found(parser)


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings]


def _flags_of(parser: argparse.ArgumentParser, dest: str) -> list[str]:
    return [
        flag
        for action in parser._actions
        if action.dest == dest and action.nargs != 0
        for flag in action.option_strings
    ]


def _words(items: list[str]) -> str:
    """Words for a shell script, single-quoted where they are not plain."""
    return " ".join(w if re.fullmatch(r"[\w.,:/@%+=-]+", w) else _quoted(w) for w in items)


def _quoted(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _function_name(prog: str) -> str:
    return "_hp_complete_" + re.sub(r"\W", "_", prog)


def _bash(program: _Program) -> str:
    name = _function_name(program.prog)
    choice_cases = "".join(
        f"        {_quoted(f'{command} {flag}')}) COMPREPLY=($(compgen -W {_quoted(_words(words))}"
        ' -- "$cur")); return;;\n'
        for (command, flag), words in program.choices.items()
    )
    command_cases = "".join(
        f'        {_quoted(command)}) options="$options {_words(flags)}";;\n'
        for command, flags in program.command_options.items()
    )
    return f"""# bash completion for {program.prog} (printed by --print-completion bash)
{name}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local commands={_quoted(_words(program.commands))}
    local keys={_quoted(_words(program.keys))}
    local options={_quoted(_words(program.common))}
    local command={_quoted(program.single)} i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case " $commands " in
            *" ${{COMP_WORDS[i]}} "*) command="${{COMP_WORDS[i]}}"; break;;
        esac
    done
    case "$prev" in
        {"|".join(_KEY_OPTIONS[:2])})
            compopt -o nospace 2>/dev/null
            COMPREPLY=($(compgen -W "$keys" -S = -- "$cur")); return;;
        {"|".join(_KEY_OPTIONS[2:])}) COMPREPLY=($(compgen -W "$keys" -- "$cur")); return;;
        {"|".join(_FILE_OPTIONS)}) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --print-completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return;;
    esac
    case "$command $prev" in
{choice_cases}    esac
    case "$command" in
{command_cases}        '') options="$options $commands";;
    esac
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
}}
complete -o default -F {name} {_words([program.prog])}
"""


def _zsh(program: _Program) -> str:
    return (
        f"# zsh completion for {program.prog} (printed by --print-completion zsh)\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + _bash(program)
    )


def _fish_flag(flag: str) -> str:
    if flag.startswith("--"):
        return f"-l {flag[2:]}"
    if len(flag) == 2:
        return f"-s {flag[1:]}"
    return f"-o {flag[1:]}"


def _fish(program: _Program) -> str:
    prog = _words([program.prog])
    lines = [f"# fish completion for {program.prog} (printed by --print-completion fish)"]
    keys = _quoted(_words([f"{key}=" for key in program.keys]))
    lines.append(f"complete -c {prog} -s D -l define -x -a {keys}")
    lines.append(f"complete -c {prog} -o ep -l explain-param -x -a {_quoted(_words(program.keys))}")
    lines.append(f"complete -c {prog} -s C -l config -r -F")
    lines.append(f"complete -c {prog} -l print-completion -x -a 'bash zsh fish'")
    for flag in program.common:
        if flag not in (*_KEY_OPTIONS, *_FILE_OPTIONS, "--print-completion"):
            lines.append(f"complete -c {prog} {_fish_flag(flag)}")
    if program.commands:
        names = _quoted(_words(program.commands))
        lines.append(f"complete -c {prog} -n '__fish_use_subcommand' -f -a {names}")
    for command, flags in program.command_options.items():
        when = f" -n '__fish_seen_subcommand_from {command}'" if program.commands else ""
        for flag in flags:
            words = program.choices.get((command, flag))
            values = f" -x -a {_quoted(_words(words))}" if words else ""
            lines.append(f"complete -c {prog}{when} {_fish_flag(flag)}{values}")
    return "\n".join(lines) + "\n"


def completion_script(
    parser: argparse.ArgumentParser, options: dict[str, list[Any]], shell: str
) -> str:
    """The completion script for ``shell`` (``bash``, ``zsh`` or ``fish``)."""
    program = _Program(parser, options)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](program)


def print_completion(
    parser: argparse.ArgumentParser, options: dict[str, list[Any]], shell: str
) -> NoReturn:
    """Prints the completion script for ``shell`` and ends the program (status 0)."""
    sys.stdout.write(completion_script(parser, options, shell))
    parser.exit(0)
