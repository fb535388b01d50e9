"""Pages of the soak site: each is stored per path, has a per-user hole, and shows who
it was rendered for in a different place.

Markers are ``[kind:value]``; the soak reads them back. ``[page:<name>]`` names the
page, the others name the visitor it was rendered for:

======================  =====================================================  ==========
page                    where the visitor shows                                stored?
======================  =====================================================  ==========
``/layout-user/``       the layout template: ``[you-are:<username>]``           no
``/context-user/``      ``get_context_data()``: ``[content-for:<username>]``    no
``/me/<pk>/``           a DetailView of the visitor alone: ``[owner-of:...]``   no
``/members/...``        nowhere: login required, both mixin orders              yes
``/staff/...``          nowhere: ``is_staff`` required, both mixin orders       yes
``/messages/``          the layout lists messages: ``[msg-for:<username>#n]``   no
``/shared/``            nowhere; prints ``[build:<pid>.<n>]`` per build         yes
======================  =====================================================  ==========

``/headline/`` has a panel cached for an hour and invalidated when the headline (a
``Group``) is saved; ``POST /headline/set/?to=...&hold=...`` saves it and keeps the
transaction open for a while (see ``tests/integrity/test_transactions.py``).

Every page also has the hole ``[hole-for:<username>]``, a panel cached per user.
"""

from __future__ import annotations

import itertools
import os
import threading
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache
from tests.soak_site import ANONYMOUS


def name_of(user) -> str:
    return user.username or ANONYMOUS


def nav(request):
    return "<p>[nav]</p>"


def hole(request):
    return f"<p>[hole-for:{name_of(request.user)}]</p>"


class SoakLayout(Layout):
    template = "soak/layout.html"
    # Baked into stored pages. Not "nav": sandbox.blog (installed) has a cached "nav".
    soak_nav = Panel(nav, cache=cache.sitewide(60))
    hole = Panel(hole, cache=cache.per_user(60))  # a hole: filled for every visitor


class UserLayout(SoakLayout):
    template = "soak/layout_user.html"  # prints [you-are:{{ user.username }}]


class MessagesLayout(SoakLayout):
    template = "soak/layout_messages.html"  # {% for m in messages %}


class LayoutUserPage(LayoutMixin, TemplateView):
    layout = UserLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)
    extra_context = {"page": "layout-user"}


class ContextUserPage(LayoutMixin, TemplateView):
    layout = SoakLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)

    def get_context_data(self, **kwargs):
        marker = f"[content-for:{name_of(self.request.user)}]"
        return super().get_context_data(page="context-user", marker=marker, **kwargs)


class OwnerPage(LayoutMixin, DetailView):
    """``/me/<pk>/``: 404 for anyone but the owner."""

    layout = SoakLayout
    template_name = "soak/owner.html"
    page_cache = cache.per_path(60)

    def get_queryset(self):
        return User.objects.filter(pk=self.request.user.pk)


class StaffOnly(UserPassesTestMixin):
    def test_func(self):
        return self.request.user.is_staff


class MembersLayoutFirst(LayoutMixin, LoginRequiredMixin, TemplateView):
    layout = SoakLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)
    extra_context = {"page": "members"}


class MembersCheckFirst(LoginRequiredMixin, LayoutMixin, TemplateView):
    layout = SoakLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)
    extra_context = {"page": "members"}


class StaffLayoutFirst(LayoutMixin, StaffOnly, TemplateView):
    layout = SoakLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)
    extra_context = {"page": "staff"}


class StaffCheckFirst(StaffOnly, LayoutMixin, TemplateView):
    layout = SoakLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)
    extra_context = {"page": "staff"}


class MessagesPage(LayoutMixin, TemplateView):
    layout = MessagesLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)
    extra_context = {"page": "messages"}


_builds = itertools.count(1)
_builds_lock = threading.Lock()


class SharedPage(LayoutMixin, TemplateView):
    """Reads nothing of the visitor: stored once, served to all, holes filled per visitor."""

    layout = SoakLayout
    template_name = "soak/page.html"
    page_cache = cache.per_path(60)

    def get_context_data(self, **kwargs):
        with _builds_lock:
            build = f"{os.getpid()}.{next(_builds)}"
        return super().get_context_data(page="shared", marker=f"[build:{build}]", **kwargs)


@csrf_exempt
@require_POST
def flash(request):
    """Add a message for the visitor and send them to the page that shows messages.

    ``nonce`` (posted) makes each message tell which post it came from.
    """
    nonce = request.POST.get("nonce", "")
    messages.info(request, f"msg-for:{name_of(request.user)}#{nonce}")
    return redirect("messages")


def up(request):
    return HttpResponse("up")


def headline(request):
    return f"<p>[{Group.objects.get(name__startswith='headline:').name}]</p>"


class HeadlinePage(LayoutMixin, TemplateView):
    """A panel cached for an hour, invalidated when the headline is saved."""

    layout = SoakLayout
    template_name = "soak/page.html"
    headline = Panel(headline, cache=cache.sitewide(3600, invalidate_on=[Group]))


@csrf_exempt
@require_POST
def set_headline(request):
    """Save a new headline, then keep the transaction open for ``hold`` seconds."""

    def change() -> None:
        group = Group.objects.get(name__startswith="headline:")
        group.name = f"headline:{request.GET['to']}"
        group.save()  # invalidates the panel now, and again on commit
        time.sleep(float(request.GET.get("hold", "0")))

    if settings.DATABASES["default"].get("ATOMIC_REQUESTS"):
        change()  # the request is the transaction
    else:
        with transaction.atomic():
            change()
    return HttpResponse("saved")
