"""MkDocs hook: the pages read well both on GitHub and on this site.

Two forms in the pages' Markdown render differently on GitHub and in Python-Markdown:

* A fence naming a file, ```` ```toml file=base.toml ````, shows the file's contents in the
  guides (the tests write them out under that name). Python-Markdown does not take it for a
  fence; here it becomes ```` ```toml title="base.toml" ````, a code block with the file
  name as its title.
* GitHub splits table cells at every `|`, even inside backticks, so tables write
  `` `hp.scope.a.b \\| 0.1` ``. Python-Markdown does not split at a pipe inside a code span
  and would show the backslash; here `\\|` inside a code span of a table row becomes `|`.
"""

from __future__ import annotations

import re
from typing import Any

FENCE = re.compile(r"^(\s*)(```|~~~)")
FILE_FENCE = re.compile(r"^(\s*```[\w+-]+) file=(\S+)\s*$")
CODE_SPAN = re.compile(r"`[^`\n]+`")


def adapt(markdown: str) -> str:
    """`markdown` with file fences titled and table code spans unescaped."""
    lines = markdown.split("\n")
    in_fence = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            if not in_fence:
                lines[index] = FILE_FENCE.sub(r'\1 title="\2"', line)
            in_fence = not in_fence
        elif not in_fence and line.lstrip().startswith("|") and "\\|" in line:
            lines[index] = CODE_SPAN.sub(lambda m: m.group(0).replace("\\|", "|"), line)
    return "\n".join(lines)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Applies `adapt` to every page."""
    return adapt(markdown)
