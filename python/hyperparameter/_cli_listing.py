"""``-lps/--list-params`` and ``-ep/--explain-param`` of ``hp.launch``: what each parameter
is, the value the run gives it, where that value came from and what it shadows."""

from __future__ import annotations

from hyperparameter._cli_parser import _EXPLAIN_ALL, _entry_name, _flag_of

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from hyperparameter._cli_parser import _Option, _Parser
    from hyperparameter.cli import _Layers


def _current(option: _Option, layers: _Layers) -> tuple[Any, str]:
    """The value a run gives ``option`` (converted as the function would) and its source."""
    import hyperparameter as hp

    assert option.key is not None
    if option.key in layers.values:
        source = layers.sources[option.key]
    elif option.key in hp.scope:
        source = "scope around launch"
    else:
        return option.default, "default"
    raw = hp.scope.get(option.key)
    try:
        return option.convert(raw, source), source
    except (TypeError, ValueError):
        return raw, f"{source} (does not convert to {option.type_name()})"


def print_list(options: list[_Option], layers: _Layers) -> None:
    """The ``-lps`` table: key, type, default, value and source of every parameter."""
    rows = [("KEY", "TYPE", "DEFAULT", "VALUE", "SOURCE")]
    for option in sorted(options, key=lambda o: o.key or ""):
        value, source = _current(option, layers)
        rows.append(
            (str(option.key), option.type_name(), repr(option.default), repr(value), source)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print("  ".join([*cells, row[4]]).rstrip())


def explain(
    parser: _Parser, options: list[_Option], layers: _Layers, key: str, outer: dict[str, Any]
) -> None:
    """``-ep KEY`` (every declared parameter for ``-ep`` alone): the declaration, the value,
    its source and the chain of values it shadows. A key no parameter declares but some
    layer sets is explained too. ``outer`` holds the values of the scope around launch."""
    by_key = {str(option.key): option for option in options}
    if key == _EXPLAIN_ALL:
        chosen = sorted(by_key)
    elif key in by_key or key in layers.values:
        chosen = [key]
    else:
        import difflib

        candidates = sorted({*by_key, *layers.values})
        close = difflib.get_close_matches(key, candidates, n=3, cutoff=0.7)
        close += [k for k in candidates if k.rsplit(".", 1)[-1] == key and k not in close]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        parser.error(f"argument -ep/--explain-param: unknown parameter {key!r}{hint}")
    for index, name in enumerate(chosen):
        if index:
            print()
        print(name)
        option = by_key.get(name)
        if option is None:
            print("  declared by:  no parameter (set by a layer, read dynamically if at all)")
            value, source = layers.values[name], layers.sources[name]
        else:
            value, source = _current(option, layers)
            entry = option.function
            where = f"{entry.module}.{_entry_name(entry)}" if entry is not None else "?"
            print(f"  declared by:  {where} (argument `{option.name}`)")
            print(f"  type:         {option.type_name()}")
            print(f"  default:      {option.default!r}")
        print(f"  value:        {value!r}")
        print(f"  source:       {source}")
        _print_chain(name, option, layers, outer)
        if option is not None:
            print(f"  option:       {_flag_of(option)}, or -D {name}=VALUE")
            if option.description:
                print(f"  description:  {option.description}")


def _print_chain(name: str, option: _Option | None, layers: _Layers, outer: dict[str, Any]) -> None:
    """The values each layer gave ``name``, outermost first, the winning one last; nothing
    when only one layer (or none) sets it."""
    chain = list(layers.run.chain(name))
    if not chain and option is not None:
        chain = [(option.default, "default")]
    if name in outer:
        at = 1 if chain and chain[0][1] == "default" else 0
        chain.insert(at, (outer[name], "scope around launch"))
    if len(chain) < 2:
        return
    print("  layers:       (outermost first; the last one wins)")
    width = max(len(source) for _, source in chain)
    for value, source in chain:
        print(f"    {source.ljust(width)}  {value!r}")
