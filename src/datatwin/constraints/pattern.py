"""Strings that match a regular expression, drawn from the expression's own parse tree.

Python's regular-expression parser (``re._parser``) turns the pattern into a tree of literals,
character sets, repeats, alternatives and groups; :func:`draw_matching` walks it with a seeded
generator. Unbounded repeats (``*``, ``+``, ``{2,}``) draw at most :data:`OPEN_REPEAT` more
than their minimum. Every drawn string is checked against the pattern; a pattern this cannot
draw from (look-arounds) is refused with a clear error.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
import string
from typing import Any

import numpy as np

from datatwin.errors import ConstraintError

OPEN_REPEAT = 8
PRINTABLE = [c for c in string.printable if c not in "\r\n\t\x0b\x0c"]
CATEGORIES: dict[Any, list[str]] = {
    sre.CATEGORY_DIGIT: list(string.digits),
    sre.CATEGORY_NOT_DIGIT: [c for c in PRINTABLE if not c.isdigit()],
    sre.CATEGORY_WORD: list(string.ascii_letters + string.digits + "_"),
    sre.CATEGORY_NOT_WORD: [c for c in PRINTABLE if not (c.isalnum() or c == "_")],
    sre.CATEGORY_SPACE: [" "],
    sre.CATEGORY_NOT_SPACE: [c for c in PRINTABLE if c != " "],
}


def draw_matching(pattern: str, size: int, rng: np.random.Generator) -> list[str]:
    """``size`` strings that match ``pattern`` in full.

    Raises
    ------
    ConstraintError
        When the pattern uses what cannot be drawn from (look-arounds, conditionals).
    """
    tree = sre_parse.parse(pattern)
    compiled = re.compile(pattern)
    out = []
    for _ in range(size):
        groups: dict[int, str] = {}
        text = _draw(tree, rng, groups, pattern)
        if compiled.fullmatch(text) is None:
            raise ConstraintError(f"Cannot draw strings matching {pattern!r} (drew {text!r}); simplify the pattern.")
        out.append(text)
    return out


def _draw(tree: Any, rng: np.random.Generator, groups: dict[int, str], pattern: str) -> str:
    return "".join(_node(op, av, rng, groups, pattern) for op, av in tree)


def _node(op: Any, av: Any, rng: np.random.Generator, groups: dict[int, str], pattern: str) -> str:
    if op is sre.LITERAL:
        return chr(av)
    if op is sre.NOT_LITERAL:
        return str(rng.choice([c for c in PRINTABLE if ord(c) != av]))
    if op is sre.ANY:
        return str(rng.choice(PRINTABLE))
    if op is sre.IN:
        return _in(av, rng)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, inner = av
        high = low + OPEN_REPEAT if high is sre.MAXREPEAT else high
        return "".join(_draw(inner, rng, groups, pattern) for _ in range(int(rng.integers(low, high + 1))))
    if op is sre.BRANCH:
        options = av[1]
        return _draw(options[int(rng.integers(len(options)))], rng, groups, pattern)
    if op in (sre.SUBPATTERN, sre.ATOMIC_GROUP):
        group, inner = (av[0], av[-1]) if op is sre.SUBPATTERN else (None, av)
        text = _draw(inner, rng, groups, pattern)
        if group is not None:
            groups[group] = text
        return text
    if op is sre.GROUPREF:
        return groups.get(av, "")
    if op is sre.AT:
        return ""
    if op is sre.CATEGORY:
        return str(rng.choice(CATEGORIES[av]))
    raise ConstraintError(f"Cannot draw strings matching {pattern!r}: it uses {str(op).lower()}, which has no draw.")


def _in(items: list[tuple[Any, Any]], rng: np.random.Generator) -> str:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY:
            chars.update(CATEGORIES[av])
    pool = sorted(set(PRINTABLE) - chars) if negate else sorted(chars)
    return str(rng.choice(pool))
