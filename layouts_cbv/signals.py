"""Signals sent while panels render. Every one is sent with ``sender=Panel`` (the class).

``panel_rendered``
    A panel rendered fresh. Arguments: ``name``, ``panel``, ``request`` (the panel's
    clone), ``duration`` (seconds), ``html``.
``panel_cache_hit``
    A cached panel was served from its entry. Arguments: ``name``, ``panel``,
    ``request``, ``key``, ``state`` (``"hit"``, ``"waited"``, ``"stale"``, ``"early"``,
    or ``"baked"`` for a panel served inside a page from the page cache: the states of
    :mod:`layouts_cbv.report`).
``panel_cache_miss``
    A cached panel had no usable entry. Arguments: ``name``, ``panel``, ``request``,
    ``key``.
``panel_error``
    A panel failed (it raised, answered 400 or more, or redirected). Arguments:
    ``name``, ``panel``, ``request``, ``exception``.
"""

from django.dispatch import Signal

panel_rendered = Signal()
panel_cache_hit = Signal()
panel_cache_miss = Signal()
panel_error = Signal()
