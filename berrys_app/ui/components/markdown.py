"""Agent output is untrusted: Markdown rendered without raw HTML and without unsafe links.

react-markdown (without the rehype-raw plugin, which Reflex enables unless ``use_raw=False``)
turns raw HTML into plain text and its default URL filter drops ``javascript:`` links, so the
text is passed through unchanged (``format.markdown_text`` only drops NULs). Escaping it here as
well would double-escape: CommonMark does not decode entities inside code, so code blocks would
show ``&lt;`` and quotes would turn to text.
"""

from __future__ import annotations

import reflex as rx

# a long unbroken line (a URL, a hash, a model's "1.1.1.1…") wraps instead of widening the card
WRAP = {
    "overflow_wrap": "anywhere",
    "min_width": "0",
    "max_width": "100%",
    "& pre": {"white_space": "pre-wrap", "overflow_wrap": "anywhere"},
    "& code": {"white_space": "pre-wrap", "overflow_wrap": "anywhere"},
}


def safe_markdown(content: rx.Var[str] | str, **props) -> rx.Component:
    """Render agent Markdown with the raw-HTML plugin off (raw HTML shows as text)."""
    return rx.markdown(content, use_raw=False, class_name="agent-output", style=WRAP, **props)
