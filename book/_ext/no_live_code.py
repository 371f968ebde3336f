"""Keep the built site free of live-code scripts that need the network.

Jupyter Book always loads sphinx-thebe, which puts a script pointing at a CDN
on every page (and, in the pinned version, declares its settings twice, a
JavaScript error in the browser). This book runs no live kernels: its code is
executed when the book builds. So sphinx-thebe's page hooks are switched off.
"""

from __future__ import annotations

from sphinx.application import Sphinx

THEBE_HOOKS = {"init_thebe_core", "update_thebe_context"}


def drop_thebe_hooks(app: Sphinx) -> None:
    for event in ("env-before-read-docs", "doctree-resolved"):
        for listener in list(app.events.listeners.get(event, [])):
            handler = listener.handler
            if handler.__module__ == "sphinx_thebe" and handler.__name__ in THEBE_HOOKS:
                app.disconnect(listener.id)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", drop_thebe_hooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
