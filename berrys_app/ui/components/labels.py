"""Human labels and initials on the client side, from the same table as ``format.label``.

A status that lives in a Var (the project's status, a task's status in a foreach) is turned
into its label in the browser by a ``match`` over the known values; rows built on the server
carry their label already (``format.label``).
"""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.format import KNOWN_STATUSES, label


def human(value: rx.Var) -> rx.Var:
    """The label of a status held in a Var (unknown values are shown as they are)."""
    text = value.to(str)
    return rx.match(text, *[(status, label(status)) for status in dict.fromkeys(KNOWN_STATUSES)], text)


def initials_of(name: rx.Var) -> rx.Var:
    """Avatar initials of a name held in a Var: first letters of the first and last words ("TU")."""
    words = name.to(str).split(" ")
    first = words[0].to(str)[:1]
    last = words[words.length() - 1].to(str)[:1]
    return rx.cond(words.length() > 1, first + last, first).to(str).upper()
