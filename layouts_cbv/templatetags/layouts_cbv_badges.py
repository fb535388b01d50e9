"""``{% load layouts_cbv_badges %}`` gives ``{% page_badge %}``: where the page line goes.

See :mod:`layouts_cbv.contrib.badges`.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..contrib.badges import page_mark

register = template.Library()


@register.simple_tag
def page_badge() -> SafeString:
    """Mark where the line about how the page was served goes, while badges are on."""
    return page_mark()
