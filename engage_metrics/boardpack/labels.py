"""Names as the pack shows them: a program or organization name of any length fits every
table cell, chart label and footer.

A program may be named in hundreds of characters, with words no line can break (a pasted
URL, a code): fpdf2 refused the PDF's table row it made ("too high"), a chart label ran off
the chart. Every table, chart and sentence of the pack shows a long name the same way: its
start and end around an ellipsis ("Neighbourhood organizi…for every street"), the end kept
because it often tells similar names apart. Names that shorten alike get a number, so no
two programs ever share a label in one pack.
"""
from __future__ import annotations

import os
from collections.abc import Iterable

ELLIPSIS = "…"
LABEL_CHARS = 40          # programs: table cells, chart labels, the narrative
ORG_CHARS = 120           # the organization on the title page (the dashboard's field limit)
FOOTER_ORG_CHARS = 60     # the organization in every footer


def short_label(text: object, limit: int = LABEL_CHARS) -> str:
    """*text* on one line, whole when it has at most *limit* characters, else its start and
    end around an ellipsis, *limit* characters in all."""
    name = " ".join(str(text).split())
    if len(name) <= limit:
        return name
    keep = limit - len(ELLIPSIS)
    head, tail = name[:keep * 2 // 3], name[len(name) - (keep - keep * 2 // 3):]
    # end and start at word boundaries where that costs at most a third of each part
    cut = head.rfind(" ")
    if cut >= len(head) * 2 // 3 and not name[len(head)].isspace():
        head = head[:cut]
    cut = tail.find(" ")
    if 0 <= cut < len(tail) // 3 and not name[len(name) - len(tail) - 1].isspace():
        tail = tail[cut + 1:]
    return f"{head.rstrip()}{ELLIPSIS}{tail.lstrip()}"


def short_labels(names: Iterable[object], limit: int = LABEL_CHARS) -> dict[str, str]:
    """Name -> its label, distinct names getting distinct labels: names that shorten alike
    show where they differ ("Youth organizing…northern neighbourhoods…"), and names that
    still look alike are numbered (" 2", " 3" …)."""
    unique = list(dict.fromkeys(" ".join(str(n).split()) for n in names))
    first = {name: short_label(name, limit) for name in unique}
    groups: dict[str, list[str]] = {}
    for name, label in first.items():
        groups.setdefault(label, []).append(name)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for label, group in groups.items():
        differ = len(os.path.commonprefix(group)) if len(group) > 1 else 0
        for name in group:
            mine = _around(name, differ, limit) if differ else label
            number = 1
            while mine in taken:
                number += 1
                suffix = f" {number}"
                mine = short_label(name, limit - len(suffix)) + suffix
            taken.add(mine)
            out[name] = mine
    return {str(n): out[" ".join(str(n).split())] for n in names}


def _around(name: str, at: int, limit: int) -> str:
    """*name* shortened to show its start and what follows position *at* (where it differs
    from names that shorten alike), within *limit* characters."""
    keep = limit - 2 * len(ELLIPSIS)
    head = name[:keep // 3].rstrip()
    start = max(len(head), at - 4)
    space = name.rfind(" ", len(head), at)
    if space >= 0 and space >= at - 12:      # from the start of the word that differs
        start = space + 1
    rest = name[start:start + keep - len(head)]
    end = ELLIPSIS if start + len(rest) < len(name) else ""
    return f"{head}{ELLIPSIS}{rest.strip()}{end}"
