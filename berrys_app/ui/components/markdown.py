"""Agent output is untrusted: Markdown without raw HTML, escaped before it reaches the browser."""

from __future__ import annotations

import html

import reflex as rx


def sanitise(text: str | None) -> str:
    """Escape HTML so ``<script>``/``<img onerror>`` arrive as text, whatever the renderer does."""
    return html.escape(text or "", quote=False)


def safe_markdown(content: rx.Var[str] | str, **props) -> rx.Component:
    """Render (already sanitised) Markdown with the raw-HTML plugin off (Reflex enables it by default)."""
    return rx.markdown(content, use_raw=False, class_name="agent-output", **props)
