"""The visibility rules, written once and pure (no I/O).

A viewer sees the subtree rooted at their scope path: the unit there and every unit whose
path starts with it and '/'. The operator at the command line (None) and administrators
see the whole tree. A program is visible when its root lies in that subtree or above it (a
department-wide program includes the viewer's station).

For a leader or a researcher, something outside their subtree does not exist: every lookup
answers exactly as it would for an unknown id, so no answer can be used to count what lies
outside (issue 12).
"""

from __future__ import annotations

import re
from typing import Protocol

# The same rule as the CHECK on unit.slug; lowercase so paths need no escaping anywhere.
SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"
SLUG_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?")


class Viewer(Protocol):
    """What the rules need to know about who is asking (an auth Principal)."""

    @property
    def role(self) -> str: ...

    @property
    def scope_path(self) -> str | None: ...


def is_slug(value: str) -> bool:
    return SLUG_RE.fullmatch(value) is not None


def visible_root(viewer: Viewer | None) -> str | None:
    """The path of the subtree `viewer` may see; None means the whole tree.

    The operator (None) and admins see everything; leaders, and researchers who have a
    unit, see their unit's subtree.
    """
    if viewer is None or viewer.role == "admin":
        return None
    return viewer.scope_path


def in_subtree(path: str, root: str) -> bool:
    """True when `path` is `root` or lies below it."""
    return path == root or path.startswith(root + "/")


def sees_unit(viewer: Viewer | None, path: str) -> bool:
    """True when the unit at `path` lies in the viewer's subtree."""
    root = visible_root(viewer)
    return root is None or in_subtree(path, root)


def sees_program(viewer: Viewer | None, root_path: str) -> bool:
    """A program is visible when its root is the viewer's unit, one of its ancestors or a
    unit inside their subtree."""
    root = visible_root(viewer)
    return root is None or in_subtree(root_path, root) or in_subtree(root, root_path)
