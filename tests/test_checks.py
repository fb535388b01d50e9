"""System checks, compared by exact message through Django's run_checks()."""

import re

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from layouts_cbv import Layout, Panel, conf
from layouts_cbv.layout import registry as layouts


def ours(tags=None):
    return [m for m in checks.run_checks(tags=tags) if m.id.startswith("layouts_cbv.")]


def test_clean_project_has_no_messages():
    assert ours() == []


def test_unknown_setting_key(settings):
    settings.LAYOUTS_CBV = {"CACHE_ENABLD": False}
    [message] = ours()
    assert message.id == "layouts_cbv.E001"
    assert message.msg == "Unknown LAYOUTS_CBV key(s): CACHE_ENABLD."
    assert "CACHE_ENABLED" in message.hint


def test_unknown_setting_key_raises_on_first_use(settings):
    settings.LAYOUTS_CBV = {"NOPE": 1}
    with pytest.raises(ImproperlyConfigured, match="Unknown LAYOUTS_CBV key"):
        conf.get("CACHE_ENABLED")


@pytest.fixture
def broken_layout():
    class Broken(Layout):
        template = "testapp/bare_layout.html"
        nav = Panel("testapp:nva")
        fragment = Panel(url_name="no-such-url")
        good_url = Panel(url_name="fragment", context={"slug": "x"})

    yield Broken
    layouts.remove(Broken)


def test_layout_panel_names_that_resolve_to_nothing(broken_layout):
    messages = ours()
    assert [m.id for m in messages] == ["layouts_cbv.E002", "layouts_cbv.E002"]
    assert messages[0].msg == (
        "Panel 'nav' of layout 'tests.test_checks.Broken' refers to 'testapp:nva', "
        "which is neither a registered panel nor a URL name."
    )
    assert messages[0].hint == "Did you mean 'testapp:nav'?"
    assert messages[0].obj is broken_layout
    assert "'no-such-url'" in messages[1].msg


@pytest.mark.urls("tests.broken_urls")
def test_view_panels_and_layout_labels():
    messages = {m.id: m for m in ours(tags=[checks.Tags.urls])}
    assert messages["layouts_cbv.E003"].msg == (
        "Panel 'sidebar' of view tests.broken_urls.MisspelledPanelView refers to 'testapp:greting', "
        "which is neither a registered panel nor a URL name."
    )
    assert messages["layouts_cbv.E003"].hint == "Did you mean 'testapp:greeting'?"
    assert messages["layouts_cbv.E004"].msg.startswith(
        "view tests.broken_urls.MissingLayoutView has layout = 'testapp.NoSuchLayout': "
        "No layout is registered as 'testapp.NoSuchLayout'."
    )


def test_layouts_sharing_a_label_are_an_error():
    twin = type(
        "SiteLayout", (Layout,), {"template": "x.html", "__module__": "tests.testapp.other"}
    )
    try:
        messages = ours()
        [message] = [m for m in messages if m.id == "layouts_cbv.E005"]
        # The view that refers to the label can no longer tell which layout it means.
        assert any(m.id == "layouts_cbv.E004" and "LabelledView" in m.msg for m in messages)
        assert message.msg == (
            "Several layouts share the label 'testapp.SiteLayout': "
            "tests.testapp.layouts.SiteLayout, tests.testapp.other.SiteLayout."
        )
        with pytest.raises(ImproperlyConfigured, match="Several layouts"):
            from layouts_cbv.layout import get_layout

            get_layout("testapp.SiteLayout")
    finally:
        layouts.remove(twin)


def test_url_names_with_namespaces_resolve():
    from layouts_cbv.sources import url_name_exists

    assert url_name_exists("fragment")
    assert not url_name_exists("nope")
    assert not url_name_exists("nons:fragment")


@pytest.mark.urls("tests.shared_name_urls")
def test_cached_panels_sharing_a_name_but_not_a_source():
    # Only layouts and routed views count: the unrouted view in that module is ignored.
    [message] = ours()
    assert message.id == "layouts_cbv.W001"
    assert message.msg == (
        "Cached panels named 'shared' in cache 'default' have different sources: "
        "literal='a', template=b.html."
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"PARTIAL_DETECTORS": "layouts_cbv.detection.htmx"},
            "LAYOUTS_CBV['PARTIAL_DETECTORS'] must be list or tuple, not 'layouts_cbv.detection.htmx'.",
        ),
        ({"CACHE_ENABLED": "no"}, "LAYOUTS_CBV['CACHE_ENABLED'] must be bool, not 'no'."),
        ({"BACKOFF": True}, "LAYOUTS_CBV['BACKOFF'] must be int or float, not True."),
        ({"KEY_VERSION": "2"}, "LAYOUTS_CBV['KEY_VERSION'] must be int or None, not '2'."),
        ({"KEY_VERSION": True}, "LAYOUTS_CBV['KEY_VERSION'] must be int or None, not True."),
        ({"KEY_VERSION": 2.0}, "LAYOUTS_CBV['KEY_VERSION'] must be int or None, not 2.0."),
        ({"LOCK_TIMEOUT": False}, "LAYOUTS_CBV['LOCK_TIMEOUT'] must be int or float, not False."),
        ({"DEFERRED_MAX_AGE": 60.0}, "LAYOUTS_CBV['DEFERRED_MAX_AGE'] must be int, not 60.0."),
        ({"BADGES": "on"}, "LAYOUTS_CBV['BADGES'] must be bool, not 'on'."),
    ],
)
def test_setting_of_the_wrong_type(settings, value, message):
    settings.LAYOUTS_CBV = value
    [error] = ours()
    assert (error.id, error.msg) == ("layouts_cbv.E006", message)
    with pytest.raises(
        ImproperlyConfigured,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace("(", r"\(")
        .replace(")", r"\)"),
    ):
        conf.get("CACHE_ENABLED")


LOCK_TIMEOUT_HINT = (
    "It is the seconds a single-flight lock lives if its holder dies: a lock that expires at "
    "once locks nothing, and Django's Redis and memcached backends round a timeout below 1 "
    "second down to 0. The default is 10."
)
LOCK_WAIT_HINT = (
    "It is the seconds a request waits without news of another's render of a panel before "
    "one waiter takes it over; 0 means a waiter takes over after its first look finds no "
    "progress (at most one more render, never one per waiter). The default is 1.5."
)
BACKOFF_HINT = (
    "It is the seconds a cache alias is left alone after a call to it failed; 0 means no "
    "back-off: every call tries the alias again. The default is 5."
)
DEFERRED_MAX_AGE_HINT = (
    "It is the seconds a deferred panel's signed reference stays valid: a reference that "
    "expires at once can never be fetched. The default is 86400."
)
INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize(
    ("key", "value", "message", "hint"),
    [
        ("LOCK_TIMEOUT", 0, "a finite number of at least 1, not 0", LOCK_TIMEOUT_HINT),
        ("LOCK_TIMEOUT", 0.5, "a finite number of at least 1, not 0.5", LOCK_TIMEOUT_HINT),
        ("LOCK_TIMEOUT", -10, "a finite number of at least 1, not -10", LOCK_TIMEOUT_HINT),
        ("LOCK_TIMEOUT", NAN, "a finite number of at least 1, not nan", LOCK_TIMEOUT_HINT),
        ("LOCK_TIMEOUT", INF, "a finite number of at least 1, not inf", LOCK_TIMEOUT_HINT),
        ("LOCK_WAIT", -1, "a finite number of at least 0, not -1", LOCK_WAIT_HINT),
        ("LOCK_WAIT", -0.5, "a finite number of at least 0, not -0.5", LOCK_WAIT_HINT),
        ("LOCK_WAIT", NAN, "a finite number of at least 0, not nan", LOCK_WAIT_HINT),
        ("LOCK_WAIT", INF, "a finite number of at least 0, not inf", LOCK_WAIT_HINT),
        ("LOCK_WAIT", -INF, "a finite number of at least 0, not -inf", LOCK_WAIT_HINT),
        ("BACKOFF", -5, "a finite number of at least 0, not -5", BACKOFF_HINT),
        ("BACKOFF", -0.1, "a finite number of at least 0, not -0.1", BACKOFF_HINT),
        ("BACKOFF", NAN, "a finite number of at least 0, not nan", BACKOFF_HINT),
        ("BACKOFF", INF, "a finite number of at least 0, not inf", BACKOFF_HINT),
        ("DEFERRED_MAX_AGE", -1, "an int of at least 1, not -1", DEFERRED_MAX_AGE_HINT),
        ("DEFERRED_MAX_AGE", 0, "an int of at least 1, not 0", DEFERRED_MAX_AGE_HINT),
    ],
)
def test_setting_out_of_range(settings, key, value, message, hint):
    settings.LAYOUTS_CBV = {key: value}
    [error] = ours()
    expected = f"LAYOUTS_CBV[{key!r}] must be {message}."
    assert (error.id, error.msg, error.hint) == ("layouts_cbv.E009", expected, hint)
    # A project that skips the checks does not run with it either.
    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(f'{expected} {hint}')}$"):
        conf.get("CACHE_ENABLED")


def test_every_setting_out_of_range_is_reported(settings):
    settings.LAYOUTS_CBV = {"LOCK_TIMEOUT": 0, "LOCK_WAIT": NAN, "BACKOFF": -5}
    assert [(m.id, m.msg) for m in ours()] == [
        (
            "layouts_cbv.E009",
            "LAYOUTS_CBV['LOCK_TIMEOUT'] must be a finite number of at least 1, not 0.",
        ),
        (
            "layouts_cbv.E009",
            "LAYOUTS_CBV['LOCK_WAIT'] must be a finite number of at least 0, not nan.",
        ),
        (
            "layouts_cbv.E009",
            "LAYOUTS_CBV['BACKOFF'] must be a finite number of at least 0, not -5.",
        ),
    ]


def test_a_wrong_type_is_reported_before_ranges(settings):
    settings.LAYOUTS_CBV = {"LOCK_TIMEOUT": "10", "BACKOFF": -5}
    assert [m.id for m in ours()] == ["layouts_cbv.E006"]


@pytest.mark.parametrize(
    "value",
    [
        {"LOCK_TIMEOUT": 1},
        {"LOCK_TIMEOUT": 2.5},
        {"LOCK_WAIT": 0.001},
        {"LOCK_WAIT": 0},
        {"BACKOFF": 0},
        {"BACKOFF": 0.0},
        {"DEFERRED_MAX_AGE": 1},
        # Any int Django takes as a cache version.
        {"KEY_VERSION": 0},
        {"KEY_VERSION": -3},
        {"KEY_VERSION": 2**63},
    ],
)
def test_edges_of_the_ranges_are_accepted(settings, value):
    settings.LAYOUTS_CBV = value
    assert ours() == []
    [(key, expected)] = value.items()
    assert conf.get(key) == expected


def test_none_is_accepted_where_documented(settings):
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": None, "KEY_VERSION": None, "SERVER_TIMING": None}
    assert ours() == []


def test_unknown_cache_alias(settings):
    settings.LAYOUTS_CBV = {"CACHE_BACKEND": "nope"}
    errors = ours()
    assert {error.id for error in errors} == {"layouts_cbv.E007"}
    messages = [error.msg for error in errors]
    # Django runs registered checks in no fixed order.
    assert (
        "CACHE_BACKEND names the cache alias 'nope', which is not in settings.CACHES." in messages
    )
    # and every cached panel of the project that relies on the default alias
    assert (
        "The cache of panel 'account' names the cache alias 'nope', which is not in settings.CACHES."
        in messages
    )


def test_unknown_alias_on_a_panel():
    from layouts_cbv import cache

    class Aliased(Layout):
        template = "x.html"
        nav = Panel(literal="x", cache=cache.sitewide(60, backend="missing"))

    try:
        [error] = ours()
        assert (
            error.msg
            == "The cache of panel 'nav' names the cache alias 'missing', which is not in settings.CACHES."
        )
    finally:
        layouts.remove(Aliased)


def test_detector_that_cannot_be_imported(settings):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": ["layouts_cbv.detection.nope"]}
    [error] = ours()
    assert error.id == "layouts_cbv.E008"
    assert "'layouts_cbv.detection.nope' cannot be imported" in error.msg


@pytest.mark.parametrize(
    ("strategy", "warned"),
    [
        ("per_path", True),
        ("per_user_per_path", True),
        ("custom", True),
        ("per_user", False),  # users are not chosen by visitors
        ("sitewide", False),
    ],
)
def test_visitor_chosen_keys_without_timeout(strategy, warned):
    from layouts_cbv import cache

    make = getattr(cache, strategy)
    declared = make(lambda r: r.GET.get("q", ""), None) if strategy == "custom" else make(None)

    class Unbounded(Layout):
        template = "x.html"
        search = Panel(literal="x", cache=declared)

    try:
        messages = [m for m in ours() if m.id == "layouts_cbv.W002"]
        assert len(messages) == (1 if warned else 0)
        if warned:
            assert messages[0].msg.startswith(
                f"Panel 'search' is cached with {type(declared).__name__} and no timeout"
            )
    finally:
        layouts.remove(Unbounded)


def test_a_timeout_bounds_them():
    from layouts_cbv import cache

    class Bounded(Layout):
        template = "x.html"
        search = Panel(literal="x", cache=cache.per_path(300))

    try:
        assert [m for m in ours() if m.id == "layouts_cbv.W002"] == []
    finally:
        layouts.remove(Bounded)


@pytest.mark.parametrize(
    ("template", "where"),
    [
        ("testapp/typo_layout.html", "testapp/typo_layout.html"),  # {% renderqueue %}
        ("testapp/extends_typo.html", "testapp/typo_layout.html"),  # in the parent
        ("testapp/includes_typo.html", "testapp/enqueue_typo.html"),  # {% enqueue %}, included
    ],
)
def test_layout_template_naming_a_queue_the_layout_does_not_declare(template, where):
    typo = type("Typo", (Layout,), {"template": template, "__module__": __name__})
    try:
        [message] = ours(tags=[checks.Tags.templates])
    finally:
        layouts.remove(typo)
    assert message.id == "layouts_cbv.W005"
    assert message.obj is typo
    assert message.msg == (
        f"Template '{where}' of layout 'tests.test_checks.Typo' names the render queue "
        "'head_extra', which its layout does not declare (its queues: 'scripts', 'styles')."
    )
    assert message.hint == (
        "Declare it on the layout (head_extra = RenderQueue()), or fix the name: rendering "
        "the page raises QueueNotDeclared."
    )


def test_a_declared_queue_and_the_default_ones_are_not_reported():
    from layouts_cbv.queues import RenderQueue

    fine = type(
        "Fine",
        (Layout,),
        {
            "template": "testapp/typo_layout.html",
            "head_extra": RenderQueue(),
            "__module__": __name__,
        },
    )
    try:
        assert ours(tags=[checks.Tags.templates]) == []
    finally:
        layouts.remove(fine)


@pytest.mark.urls("tests.broken_urls")
def test_a_views_layout_template_naming_an_undeclared_queue():
    [message] = ours(tags=[checks.Tags.templates])
    assert message.msg == (
        "Template 'testapp/layout.html' of view tests.broken_urls.BareTemplateView names the "
        "render queue 'head_extras', which its layout does not declare (its queues: "
        "'scripts', 'styles')."
    )
