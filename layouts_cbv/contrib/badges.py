"""Badges: every panel of a page labelled with how it was served, for demos and development.

With ``LAYOUTS_CBV["BADGES"]`` on, ``{% panel %}`` marks where each panel begins and ends
with inert HTML comments, and :class:`BadgeMiddleware` turns each mark into a small label
made from this request's report (:func:`layouts_cbv.report.records`): the panel's state,
its render time, the age of the copy served and its key. ``{% page_badge %}`` (from
``{% load layouts_cbv_badges %}``) marks where a line about the whole page goes: how it
was served. A page stored whole keeps only the comments, which are the same for every
visitor; the labels are made for each request as it is answered, so a stored page never
shows another request's badges.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .. import conf, report

PAGE_MARK = "<!--layouts_cbv:badges:page-->"
STYLESHEET = "layouts_cbv/badges.css"
DEFERRED_ENDPOINT = "layouts_cbv:panel"

_NAME = re.compile(r"[\w.:-]+")
_START = re.compile(r"<!--layouts_cbv:badge:([\w.:-]+)-->")
_ANY_MARK = re.compile(r"<!--layouts_cbv:(?:/?badge:[\w.:-]+|badges:page)-->")
_BODY = re.compile(r"<body[\s>]", re.I)

MEANINGS = {
    "hit": "served from its cache entry",
    "waited": "served from the entry another request rendered while this one waited",
    "stale": "served from an expired entry while a background refresh runs",
    "early": "served from its entry while an early refresh runs",
    "miss": "cached, but missing: rendered now",
    "uncached": "not cached at all: rendered now",
    "baked": "served inside the page from the page cache, without being read",
    "deferred": "left as a placeholder, fetched by the browser",
    "error": "failed: the layout's error template in its place",
}
UNTOUCHED = frozenset({report.BAKED, report.DEFERRED})
HOLE_MEANING = "a hole in the page from the page cache, filled for this request"

# How a page was served, for the page line: from the page cache; built by the view
# with every cached panel from its cache; built with at least one cached panel rendered.
PAGE_HIT, ASSEMBLED, RENDERED = "page hit", "assembled", "rendered"


def mark(name: str, html: str) -> SafeString:
    """Return ``html`` between the comments that mark panel ``name``'s place."""
    if not _NAME.fullmatch(name):
        return mark_safe(html)  # such a name could end the comment: left unmarked
    return mark_safe(f"<!--layouts_cbv:badge:{name}-->{html}<!--layouts_cbv:/badge:{name}-->")


def page_mark() -> SafeString:
    """Return where the page line goes (nothing while badges are off)."""
    return mark_safe(PAGE_MARK) if conf.get("BADGES") else mark_safe("")


def served_as(records: Iterable[Mapping[str, Any]]) -> str:
    """Return how a page was served, told from its panels' records."""
    records = list(records)
    if any(record["hole"] or record["state"] == report.BAKED for record in records):
        return PAGE_HIT
    if any(record["state"] == "miss" for record in records):
        return RENDERED
    return ASSEMBLED


def badge(record: Mapping[str, Any], request: HttpRequest) -> SafeString:
    """Return the label of one panel: its name, state, render time, age and key."""
    state = record["state"]
    shown = f"hole · {state}" if record["hole"] else state
    meaning = MEANINGS.get(state, state)
    if record["hole"]:
        meaning = f"{HOLE_MEANING}; {meaning}"
    key = shown_key(record["key"], request)
    age = record.get("age")
    # A baked or deferred panel was neither rendered nor read for this request: no time.
    facts = [] if state in UNTOUCHED else [format_html("{} ms", f"{record['ms']:.1f}")]
    if age is not None:
        facts.append(format_html("{} s old", f"{age:.0f}"))
    if key:
        facts.append(format_html("<code>{}</code>", key))
    return format_html(
        '<span class="layouts-badge" data-panel="{}" data-state="{}" data-hole="{}" '
        'data-ms="{}" data-age="{}" title="{}"><b>{}</b> '
        '<span class="layouts-badge-state">{}</span> {}</span>',
        record["name"],
        state,
        "true" if record["hole"] else "false",
        record["ms"],
        "" if age is None else age,
        f"{meaning} ({key})" if key else meaning,
        record["name"],
        shown,
        format_html_join(" · ", "{}", ((fact,) for fact in facts)),
    )


def shown_key(key: str, request: HttpRequest) -> str:
    """Return ``key`` as a badge shows it: a session key never goes into the page."""
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None) if session is not None else None
    return key.replace(session_key, "<session>") if session_key else key


class BadgeMiddleware:
    """Label the marked panels of every HTML page with how this request served them.

    Put it below ``GZipMiddleware`` (it reads the body) and above anything that needs
    the final body. Subclasses may add facts to the page line with :meth:`page_facts`.
    """

    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if conf.get("BADGES") and _labelable(response):
            self.label(request, response)  # type: ignore[arg-type]
        return response

    def label(self, request: HttpRequest, response: HttpResponse) -> None:
        """Replace the marks in ``response`` with this request's badges."""
        charset = response.charset or "utf-8"
        html = response.content.decode(charset, errors="replace")
        records = report.records(request)
        if "<!--layouts_cbv:" in html:
            labelled = self.label_page(html, records, request, response)
        elif records and _is_deferred_endpoint(request):
            # A deferred panel's own answer: its badge comes with it into the page.
            labelled = "".join(badge(record, request) for record in records) + html
        else:
            return
        response.content = labelled.encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        # The body is this request's own now: a validator would let the browser keep
        # one request's badges for the next.
        for header in ("ETag", "Last-Modified"):
            if response.has_header(header):
                del response[header]

    def label_page(
        self,
        html: str,
        records: list[dict[str, Any]],
        request: HttpRequest,
        response: HttpResponse,
    ) -> str:
        """Return ``html`` with a badge after each panel's mark and the page line filled."""
        found = _BODY.search(html)
        start = found.start() if found else 0
        # Marks in <head> (a panel in <title>, say) go: a badge there would show as text.
        head = _ANY_MARK.sub("", html[:start])
        head = head.replace("</head>", self.stylesheet() + "</head>", 1)
        by_name = {record["name"]: record for record in records}

        def one(match: re.Match[str]) -> str:
            record = by_name.get(match.group(1))
            return match.group(0) + badge(record, request) if record else match.group(0)

        body = _START.sub(one, html[start:])
        if PAGE_MARK in body:
            body = body.replace(PAGE_MARK, self.page_line(request, response, records), 1)
        return head + body

    def stylesheet(self) -> SafeString:
        return format_html('<link rel="stylesheet" href="{}">', static(STYLESHEET))

    def page_line(
        self, request: HttpRequest, response: HttpResponse, records: list[dict[str, Any]]
    ) -> SafeString:
        """Return the line about the whole page: how it was served, and its panels."""
        served = served_as(records)
        stored = response.get("Age") if served == PAGE_HIT else None
        states = Counter("hole" if record["hole"] else record["state"] for record in records)
        counts = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        facts = [format_html("{} panels: {}", len(records), counts) if records else "no panels"]
        if stored is not None:
            facts.insert(0, format_html("stored {} s ago", stored))
        facts += self.page_facts(request, records)
        return format_html(
            '<div class="layouts-page-badge" data-served="{}">Page <b>{}</b> · {}</div>',
            served,
            served,
            format_html_join(" · ", "{}", ((fact,) for fact in facts)),
        )

    def page_facts(self, request: HttpRequest, records: list[dict[str, Any]]) -> list[SafeString]:
        """Return more facts for the page line (HTML-safe); none by default."""
        return []


def _labelable(response: HttpResponseBase) -> bool:
    return (
        not response.streaming
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
    )


def _is_deferred_endpoint(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name == DEFERRED_ENDPOINT
