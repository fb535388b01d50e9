"""A small hand-made mutation runner: does the suite notice when the library is broken?

    python -m tests.mutation                       # every module below
    python -m tests.mutation keys csrf             # some modules (short or dotted names)
    python -m tests.mutation --min 90              # exit 1 below 90 % killed in any module
    python -m tests.mutation --list                # print the mutants, run nothing

Each mutant replaces one exact snippet of a library file. The snippet must occur
exactly once in the file; otherwise the mutant is reported as ``stale`` (the code
moved on and the mutant must be rewritten), never silently skipped. For each mutant
the file is changed, the module's test files run with ``pytest -x -q`` in a
subprocess (with a timeout), and the file is put back, always: after an error, on
Ctrl-C and on SIGTERM too.

A mutant is *killed* when pytest fails (or times out), *survived* when it passes.
Mutants that cannot change behaviour are kept with ``equivalent=`` saying why; they
are listed, never run, and left out of the kill ratio.

Not a test module (no ``test_`` prefix, no test functions): pytest does not collect it.
To add a module, add an entry to :data:`MODULES` with its test files and mutants.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the repository root
    original: str  # an exact snippet, found exactly once in the file
    replacement: str
    description: str
    equivalent: str = ""  # why it cannot change behaviour: listed, not run


@dataclass
class Module:
    tests: tuple[str, ...]  # test files to run for this module's mutants, fastest first
    mutants: list[Mutant] = field(default_factory=list)


@dataclass
class Result:
    module: str
    number: int
    mutant: Mutant
    status: str  # killed, survived, timeout, stale, equivalent, error
    seconds: float = 0.0
    detail: str = ""


# Timing checks that can fail on a loaded machine whatever the mutant: a failure there
# would count as a kill it is not, so the runner leaves them out.
DESELECTED = (
    "tests/test_mixins.py::test_sync_page_with_async_panels_under_wsgi_runs_them_concurrently",
)


def mutants(file: str, *specs: tuple) -> list[Mutant]:
    """Mutants of ``file`` from ``(original, replacement, description[, equivalent])``."""
    return [Mutant(file, *spec) for spec in specs]


KEYS = "layouts_cbv/cache/keys.py"
BACKENDS = "layouts_cbv/cache/backends.py"
CSRF = "layouts_cbv/csrf.py"
STORE = "layouts_cbv/cache/store.py"
PLANS = "layouts_cbv/cache/plans.py"
ENTRY = "layouts_cbv/cache/entry.py"
NONCES = "layouts_cbv/nonces.py"
PLACEHOLDERS = "layouts_cbv/placeholders.py"
TRACKING = "layouts_cbv/tracking.py"
LEAKS = "layouts_cbv/leaks.py"
VARIATION = "layouts_cbv/cache/variation.py"
PAGES = "layouts_cbv/pages.py"
PIPELINE = "layouts_cbv/pipeline.py"
DEFERRED = "layouts_cbv/deferred.py"
VIEWS = "layouts_cbv/views.py"
CLONE = "layouts_cbv/clone.py"
HEADERS = "layouts_cbv/headers.py"
RENDERING = "layouts_cbv/rendering.py"
MARKERS = "layouts_cbv/markers.py"
ASSEMBLY = "layouts_cbv/assembly.py"
TAGS = "layouts_cbv/templatetags/layouts_cbv.py"

CACHE_TESTS = (
    "tests/cache/test_pins_keys.py",
    "tests/cache/test_pins_backends.py",
    "tests/cache/test_pins_store.py",
    "tests/cache/test_pins_pages.py",
    "tests/cache/test_strategies.py",
    "tests/cache/test_caching.py",
    "tests/cache/test_language.py",
    "tests/cache/test_versions.py",
    "tests/cache/test_pages.py",
    "tests/cache/test_identity.py",
    "tests/cache/test_command.py",
    "tests/cache/test_cross_process.py",
    "tests/cache/test_redis_round_trips.py",
    "tests/cache/test_outage.py",
    "tests/test_leaks.py",
    "tests/test_pins_leaks.py",
    "tests/test_panel.py",
    "tests/test_mixins.py",
    "tests/test_checks.py",
)
PLACEHOLDER_TESTS = (
    "tests/test_pins_csrf.py",
    "tests/test_pins_nonces.py",
    "tests/test_csrf.py",
    "tests/test_nonces.py",
)

# The modules of the request pipeline (issue 14). Slow tests are left out: the soaks,
# the browser and the property test (tests/integrity/test_properties.py).
TRACKING_TESTS = (
    "tests/test_pins_tracking.py",
    "tests/test_pins_leaks.py",
    "tests/test_leaks.py",
    "tests/test_pipeline.py",
    "tests/integrity/test_reads.py",
    "tests/cache/test_pins_pages.py",
    "tests/cache/test_pages.py",
    "tests/integrity/test_strategies.py",
    "tests/integrity/test_access.py",
    "tests/test_headers.py",
    "tests/test_async.py",
)
LEAKS_TESTS = (
    "tests/test_pins_leaks.py",
    "tests/test_leaks.py",
    "tests/integrity/test_strategies.py",
    "tests/integrity/test_reads.py",
    "tests/cache/test_pins_pages.py",
    "tests/cache/test_pages.py",
    "tests/test_pipeline.py",
)
VARIATION_TESTS = (
    "tests/cache/test_strategies.py",
    "tests/cache/test_pins_variation.py",
    "tests/test_checks.py",
    "tests/integrity/test_strategies.py",
    "tests/test_leaks.py",
    "tests/test_pins_leaks.py",
    "tests/test_headers.py",
    "tests/cache/test_pins_pages.py",
    "tests/cache/test_pages.py",
    "tests/integrity/test_reads.py",
    "tests/test_pipeline.py",
)
PAGES_TESTS = (
    "tests/cache/test_pins_pages.py",
    "tests/integrity/test_page_keys.py",
    "tests/cache/test_pages.py",
    "tests/test_pipeline.py",
    "tests/integrity/test_reads.py",
    "tests/integrity/test_access.py",
    "tests/test_deferred.py",
    "tests/test_headers.py",
    "tests/cache/test_language.py",
    "tests/cache/test_identity.py",
    "tests/test_nonces.py",
)
PIPELINE_TESTS = (
    "tests/test_pins_pipeline.py",
    "tests/test_pipeline.py",
    "tests/cache/test_pins_pages.py",
    "tests/cache/test_pages.py",
    "tests/integrity/test_access.py",
    "tests/integrity/test_reads.py",
    "tests/integrity/test_deferred_access.py",
    "tests/test_deferred.py",
    "tests/test_pins_deferred.py",
    "tests/test_headers.py",
    "tests/test_partials.py",
    "tests/test_async.py",
    "tests/test_mixins.py",
    "tests/test_streaming.py",
)
DEFERRED_TESTS = (
    "tests/test_pins_deferred.py",
    "tests/test_deferred.py",
    "tests/integrity/test_deferred_access.py",
)
CLONE_TESTS = (
    "tests/test_pins_clone.py",
    "tests/test_headers.py",
    "tests/test_panel.py",
    "tests/test_csrf.py",
    "tests/test_pins_csrf.py",
    "tests/test_leaks.py",
    "tests/integrity/test_reads.py",
    "tests/cache/test_pins_pages.py",
    "tests/cache/test_pages.py",
    "tests/test_pipeline.py",
)
# Serving cached panels without an object each (issue 16): Outcomes, served outcomes and
# what assembly and the headers read of them.
RENDERING_TESTS = (
    "tests/test_async_panels.py",
    "tests/test_headers.py",
    "tests/cache/test_pins_store.py",
    "tests/cache/test_pins_pages.py",
    "tests/test_pipeline.py",
    "tests/test_queues.py",
    "tests/test_timing.py",
    "tests/test_pins_csrf.py",
    "tests/cache/test_pages.py",
    "tests/cache/test_caching.py",
    "tests/cache/test_stampede.py",
    "tests/test_streaming.py",
    "tests/test_panel.py",
)
# Queue markers filled in one pass, and the {% panel %} tag reading what assembly gives it.
MARKERS_TESTS = (
    "tests/templatetags/test_layouts_cbv.py",
    "tests/test_panels_html.py",
    "tests/test_queues.py",
    "tests/test_layout.py",
    "tests/test_panel.py",
    "tests/test_badges.py",
    "tests/test_deferred.py",
    "tests/test_streaming.py",
    "tests/cache/test_pages.py",
)

MODULES: dict[str, Module] = {
    "layouts_cbv.cache.keys": Module(
        CACHE_TESTS,
        mutants(
            KEYS,
            (
                r'_PLAIN = re.compile(r"^[\x21-\x7e]*$")',
                r'_PLAIN = re.compile(r"^[\x20-\x7e]*$")',
                "spaces count as plain",
            ),
            (
                r'_PLAIN = re.compile(r"^[\x21-\x7e]*$")',
                r'_PLAIN = re.compile(r"^[\x21-\x7f]*$")',
                "DEL counts as plain",
            ),
            (
                r'_PLAIN = re.compile(r"^[\x21-\x7e]*$")',
                r'_PLAIN = re.compile(r"^[\x21-\x7e]*")',
                "plain-check anchored at the start only",
            ),
            (
                "return HASH_MARK + hashlib.sha256(",
                "return hashlib.sha256(",
                "hashed parts lose the sha256= mark",
            ),
            (
                'hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()',
                'hashlib.md5(text.encode("utf-8", "surrogatepass")).hexdigest()',
                "md5 instead of sha256",
            ),
            (
                'text.encode("utf-8", "surrogatepass")',
                'text.encode("utf-8")',
                "lone surrogates cannot be hashed",
            ),
            (
                "and len(panel_name) <= 100 and",
                "and len(panel_name) < 100 and",
                "name of exactly 100 characters hashed",
            ),
            ("and len(panel_name) <= 100 and", "and", "names of any length kept as they are"),
            (
                "and not panel_name.startswith(HASH_MARK):",
                ":",
                "a name that looks hashed is kept as it is",
            ),
            ("if _PLAIN.match(panel_name) and len", "if len", "names with spaces kept as they are"),
            (
                "plain = _PLAIN.match(vary) and not vary.startswith(HASH_MARK)",
                "plain = _PLAIN.match(vary)",
                "a vary that looks hashed is kept as it is",
            ),
            (
                "plain = _PLAIN.match(vary) and not vary.startswith(HASH_MARK)",
                "plain = not vary.startswith(HASH_MARK)",
                "varies with spaces kept as they are",
            ),
            (
                "+ len(vary) <= MAX_KEY_BYTES",
                "+ len(vary) < MAX_KEY_BYTES",
                "a key of exactly 200 bytes hashed",
            ),
            (
                "len(PREFIX) + len(panel_name) + 1 + len(vary)",
                "len(PREFIX) + len(panel_name) + len(vary)",
                "the separator is not counted",
            ),
            (
                "len(PREFIX) + len(panel_name) + 1 + len(vary)",
                "len(panel_name) + 1 + len(vary)",
                "the prefix is not counted",
            ),
            ("MAX_KEY_BYTES = 200", "MAX_KEY_BYTES = 250", "keys up to 250 bytes"),
            (
                "        return PREFIX + name\n",
                '        return f"{PREFIX}{name}:"\n',
                "sitewide key gets a trailing colon",
            ),
            (
                'return f"{PREFIX}{name}:{vary_part(name, vary)}"',
                'return f"{PREFIX}{name}/{vary_part(name, vary)}"',
                "vary separated by / instead of :",
            ),
            ('PREFIX = "layouts:panel:"', 'PREFIX = "layouts:panels:"', "another panel key prefix"),
            ('EPOCH_KEY = "layouts:epoch"', 'EPOCH_KEY = "layouts:epochs"', "another epoch key"),
            (
                'LOCK_PREFIX = "layouts:lock:"',
                'LOCK_PREFIX = "layouts:locks:"',
                "another lock key prefix",
            ),
            (
                "return LOCK_PREFIX + entry_key.removeprefix(PREFIX)",
                "return LOCK_PREFIX + entry_key",
                "lock key keeps the panel prefix",
            ),
            (
                "return GENERATION_PREFIX + name_part(panel_name)",
                "return GENERATION_PREFIX + panel_name",
                "generation key of an unsafe name not hashed",
            ),
            ("return secrets.token_urlsafe(6)", 'return "0"', "every generation is the same"),
        ),
    ),
    "layouts_cbv.cache.backends": Module(
        CACHE_TESTS,
        mutants(
            BACKENDS,
            (
                "if isinstance(value, bool) or not isinstance(value, int):",
                "if not isinstance(value, int):",
                "True accepted as a timeout",
            ),
            ("    if value < 0:\n", "    if value <= 0:\n", "timeout 0 refused"),
            ("    if value < 0:\n", "    if value < -1:\n", "timeout -1 accepted"),
            ("if value is None and allow_none:", "if value is None:", "stale_ttl=None accepted"),
            (
                "        if not (isinstance(model, type) and issubclass(model, Model)):\n",
                "        if not isinstance(model, type):\n",
                "any class accepted by invalidate_on",
            ),
            (
                "if backend is not None and not isinstance(backend, str):",
                "if False:",
                "a non-string backend accepted",
            ),
            (
                "if refresh_func is not None and not callable(refresh_func):",
                "if False:",
                "a non-callable refresh_func accepted",
            ),
            (
                "if isinstance(jitter, bool) or not isinstance(jitter, int | float):",
                "if not isinstance(jitter, int | float):",
                "jitter=True accepted",
            ),
            ("if not 0 <= jitter < 1:", "if not 0 <= jitter <= 1:", "jitter=1 accepted"),
            (
                "self.early_refresh = bool(early_refresh)",
                "self.early_refresh = False",
                "early_refresh ignored",
            ),
            (
                "return panel_key(panel_name, with_language(self.get_vary(request)))",
                "return panel_key(panel_name, self.get_vary(request))",
                "keys without the language",
            ),
            (
                "language = language or translation.get_language()",
                "language = translation.get_language()",
                "an explicit language ignored",
            ),
            (
                'return f"{vary}:{language}" if vary else language',
                'return f"{vary}:{language}"',
                "sitewide key with the language gets a leading colon",
            ),
            (
                "if not conf.locale_middleware_installed():\n        return vary",
                "if False:\n        return vary",
                "language added without LocaleMiddleware",
            ),
            (
                "if user is None or not user.is_authenticated:",
                "if user is None:",
                "anonymous users keyed by their pk (None)",
            ),
            (
                '        return "anonymous"\n    return str(user.pk)',
                '        return ""\n    return str(user.pk)',
                "anonymous users share the sitewide key",
            ),
            (
                "if claimed is not None:\n        return claimed",
                "if False:\n        return claimed",
                "the session's claim never used",
            ),
            ('or "no-session"', 'or ""', "visitors without a session share the sitewide key"),
            (
                'return f"{user_vary(request)}:{request.path}"',
                "return request.path",
                "per_user_per_path forgets the user",
            ),
            (
                'class PerPathCache(PanelCacheBackend):\n    """One entry per URL path."""\n\n    varies_on = frozenset({PATH})\n\n    def get_vary(self, request):\n        return request.path',
                'class PerPathCache(PanelCacheBackend):\n    """One entry per URL path."""\n\n    varies_on = frozenset({PATH})\n\n    def get_vary(self, request):\n        return request.get_full_path()',
                "per_path keys include the query string",
            ),
            (
                "    varies_on = frozenset({USER})\n",
                "    varies_on = frozenset()\n",
                "per_user says it varies on nothing",
            ),
            (
                "    varies_on = frozenset({PATH})\n",
                "    varies_on = frozenset()\n",
                "per_path says it varies on nothing",
            ),
            (
                "    varies_on = frozenset({SESSION})\n",
                "    varies_on = frozenset({USER})\n",
                "per_session says it varies on the user",
            ),
            (
                "self.varies_on_declared = varies_on is not None",
                "self.varies_on_declared = True",
                "undeclared custom strategies count as declared",
            ),
            ("if not callable(key_func):", "if False:", "a non-callable key_func accepted"),
            (
                "return str(self.key_func(request))",
                "return self.key_func(request)",
                "custom vary not turned into a string",
            ),
        ),
    ),
    "layouts_cbv.csrf": Module(
        (*PLACEHOLDER_TESTS, "tests/cache/test_pages.py"),
        mutants(
            CSRF,
            (
                "if not secret or len(html) < CSRF_TOKEN_LENGTH:",
                "if not secret or len(html) <= CSRF_TOKEN_LENGTH:",
                "an output that is exactly one token is not replaced",
            ),
            (
                "if not secret or len(html) < CSRF_TOKEN_LENGTH:",
                "if not secret:",
                "no short-cut for short outputs",
                "a shorter output cannot hold a 64-character token: only speed changes",
            ),
            (
                "if not secret or len(html) < CSRF_TOKEN_LENGTH:",
                "if len(html) < CSRF_TOKEN_LENGTH:",
                "no short-cut without a secret",
                "without a secret no candidate can unmask to it: only speed changes",
            ),
            (
                "if not secret or len(html) < CSRF_TOKEN_LENGTH:\n        return html",
                "if True:\n        return html",
                "tokens never replaced",
            ),
            (
                'rf"(?<![A-Za-z0-9])[A-Za-z0-9]',
                'rf"[A-Za-z0-9]',
                "a token preceded by letters is replaced",
            ),
            (
                "{{{CSRF_TOKEN_LENGTH}}}(?![A-Za-z0-9])",
                "{{{CSRF_TOKEN_LENGTH}}}",
                "a token followed by letters is replaced",
            ),
            (
                "{{{CSRF_TOKEN_LENGTH}}}",
                "{{{CSRF_TOKEN_LENGTH - 1}}}",
                "candidates one character short",
            ),
            (
                "[A-Za-z0-9]{{{CSRF_TOKEN_LENGTH}}}",
                "[A-Za-z]{{{CSRF_TOKEN_LENGTH}}}",
                "candidates without digits",
            ),
            (
                "return PLACEHOLDER if _unmask_cipher_token(token) == secret else token",
                "return PLACEHOLDER if _unmask_cipher_token(token) != secret else token",
                "the comparison flipped",
            ),
            (
                "return PLACEHOLDER if _unmask_cipher_token(token) == secret else token",
                "return PLACEHOLDER",
                "every candidate replaced",
            ),
            (
                "return _CANDIDATE.sub(swap, html)",
                "return _CANDIDATE.sub(swap, html, count=1)",
                "only the first token replaced",
            ),
            (
                'secret = request.META.get("CSRF_COOKIE")',
                'secret = request.COOKIES.get("csrftoken")',
                "the secret taken from the incoming cookie",
            ),
            (
                'PLACEHOLDER = "<!--layouts_cbv:csrf-token-->"',
                'PLACEHOLDER = "layouts_cbv:csrf-token"',
                "a placeholder that escaped text can contain",
            ),
            (
                "    if PLACEHOLDER not in html:\n        return html\n    return html.replace(PLACEHOLDER, get_token(request))",
                "    return html.replace(PLACEHOLDER, get_token(request))",
                "get_token() called for every served entry",
            ),
            (
                "return html.replace(PLACEHOLDER, get_token(request))",
                "return html.replace(PLACEHOLDER, get_token(request), 1)",
                "only the first placeholder filled",
            ),
            (
                "return html.replace(PLACEHOLDER, get_token(request))",
                "return html.replace(PLACEHOLDER, '')",
                "placeholders emptied",
            ),
            (
                "    if PLACEHOLDER not in html:\n        return html\n    return html.replace",
                "    if PLACEHOLDER in html:\n        return html\n    return html.replace",
                "placeholder check flipped",
            ),
        ),
    ),
    "layouts_cbv.cache.store": Module(
        (
            "tests/cache/test_pins_store.py",
            "tests/cache/test_pins_pages.py",
            "tests/cache/test_pins_keys.py",
            "tests/cache/test_pins_backends.py",
            *[t for t in CACHE_TESTS if "pins" not in t],
            "tests/cache/test_stampede.py",
            "tests/cache/test_invalidation_races.py",
            "tests/cache/test_returning_nodes.py",
            "tests/cache/test_flight.py",
            "tests/test_pins_csrf.py",
        ),
        [
            *mutants(
                PLANS,
                (
                    "        declare(name, panel, alias)  # type: ignore[arg-type]\n",
                    "",
                    "panels are not declared when looked up",
                ),
                (
                    "memo = (default, conf.locale_middleware_installed(), tuple(panels), tuple(panels.values()))",
                    "memo = (conf.locale_middleware_installed(), tuple(panels), tuple(panels.values()))",
                    "a plan outlives a change of CACHE_BACKEND",
                ),
                (
                    "memo = (default, conf.locale_middleware_installed(), tuple(panels), tuple(panels.values()))",
                    "memo = (default, tuple(panels), tuple(panels.values()))",
                    "a plan outlives LocaleMiddleware being added",
                ),
                (
                    "memo = (default, conf.locale_middleware_installed(), tuple(panels), tuple(panels.values()))",
                    "memo = (default, conf.locale_middleware_installed(), tuple(panels))",
                    "panels of the same names share one plan",
                ),
                (
                    "        alias = strategy.backend or default\n",
                    "        alias = default\n",
                    "a panel's own backend ignored",
                ),
            ),
            *mutants(
                BACKENDS,
                (
                    "        return panel_key(panel_name)\n",
                    '        return "layouts:panel:same"\n',
                    "every sitewide panel shares one fixed key",
                ),
            ),
            *mutants(
                ENTRY,
                (
                    "        and value[0] == TAG\n",
                    "",
                    "is_entry does not check the tag",
                ),
                (
                    "        and len(value) == SIZE\n",
                    "",
                    "is_entry does not check the size",
                ),
                (
                    "        and type(value[QUEUE_ITEMS]) is tuple\n",
                    "",
                    "is_entry does not check the queue items",
                ),
            ),
            *mutants(
                STORE,
                (
                    "        if slot.generation is None:\n            # First use",
                    "        if True:\n            # First use",
                    "every store starts a new generation",
                ),
                (
                    "    if copies.add(slot.alias, key, slot.generation, None, version):\n        return True\n",
                    "",
                    "a new generation is never added",
                ),
                (
                    "    if get_many(slot.alias, [key]).get(key) is not None:\n        return False\n",
                    "",
                    "a first render's generation overwrites one an invalidation began",
                ),
                (
                    "                if not _started(slot):\n                    slot.pending = None",
                    "                if not _started(slot):\n                    pass",
                    "a render whose generation lost is stored anyway",
                ),
                (
                    "            flight.release(alias, group, written)",
                    "            pass",
                    "locks never released after a page",
                ),
                (
                    "        if now < fresh_until + entry[STALE_FOR]:\n            return STALE, entry",
                    "        if now < fresh_until + entry[STALE_FOR]:\n            return MISS, None",
                    "stale entries never served",
                ),
                (
                    "if name in self.plan.early and _refresh_early(entry, now):",
                    "if _refresh_early(entry, now):",
                    "early refresh without early_refresh",
                ),
                (
                    "if name in self.plan.early and _refresh_early(entry, now):",
                    "if False:",
                    "early refresh never",
                ),
                (
                    "return now - cost * math.log(1.0 - random.random()) >= entry[FRESH_UNTIL]",
                    "return now - cost * math.log(1.0 - random.random()) < entry[FRESH_UNTIL]",
                    "early refresh comparison flipped",
                ),
                (
                    "math.log(1.0 - random.random())",
                    "math.log(random.random())",
                    "1-U instead of U",
                    "1 - random() and random() have the same distribution on [0, 1)",
                ),
                (
                    "    if strategy.timeout == 0:\n        return None\n",
                    "",
                    "timeout 0 still stores",
                ),
                (
                    "        strategy.stale_ttl,\n        round(cost * 1e6),",
                    "        0,\n        round(cost * 1e6),",
                    "entries are never servable past their timeout",
                ),
                (
                    "return data, None if lifetime is None else lifetime + strategy.stale_ttl, fresh_until",
                    "return data, None if lifetime is None else lifetime, fresh_until",
                    "the cache drops entries at their timeout, stale_ttl ignored",
                ),
                (
                    "return strategy.timeout * (1 - random.random() * strategy.jitter)",
                    "return strategy.timeout * (1 + random.random() * strategy.jitter)",
                    "jitter lengthens the timeout",
                ),
                (
                    "return strategy.timeout * (1 - random.random() * strategy.jitter)",
                    "return strategy.timeout",
                    "jitter ignored",
                ),
                (
                    "    if not strategy.jitter:\n        return strategy.timeout\n",
                    "",
                    "no short-cut without jitter",
                    "timeout * (1 - r * 0.0) == timeout: only the int becomes a float",
                ),
                (
                    "if generation is None or raw[GENERATION] != generation:",
                    "if raw[GENERATION] != generation:",
                    "no short-cut for a missing generation",
                    "an entry's generation is a str, never None, so it differs from a missing one anyway",
                ),
                (
                    "if generation is None or raw[GENERATION] != generation:",
                    "if generation is None:",
                    "entries of an old generation served",
                ),
                (
                    "return copies.get_many(alias, keys, key_version())",
                    "return copies.get_many(alias, keys, None)",
                    "reads ignore KEY_VERSION",
                ),
                (
                    "stored_for = None if timeout is None else max(1, round(timeout))",
                    "stored_for = None if timeout is None else round(timeout)",
                    "sub-second lifetimes stored for 0 s",
                ),
                (
                    "stored_for = None if timeout is None else max(1, round(timeout))",
                    "stored_for = 300 if timeout is None else max(1, round(timeout))",
                    "timeout None expires",
                ),
                (
                    "        if not identity.check(self.request, records, aliases):\n            self._rekey()",
                    "        if not identity.check(self.request, records, aliases):\n            pass",
                    "a refuted claim keeps its keys",
                ),
                (
                    "slot.raw = entry if entry is not None else self._other.get(name)",
                    "slot.raw = None",
                    "the raw entry is forgotten",
                ),
                (
                    "        if now < fresh_until + entry[STALE_FOR]:\n            return STALE, entry",
                    "        if now < fresh_until:\n            return STALE, entry",
                    "state() ignores STALE_FOR",
                ),
                (
                    "        for alias, names in plans.by_alias(self.planned, changed).items():\n"
                    "            self._read(alias, names)",
                    "        pass",
                    "a refuted claim's panels are not read again",
                ),
                (
                    "            if len(self.keys) == len(self.planned)  # every panel keyed: the usual case",
                    "            if True",
                    "panels whose key could not be made are read as if keyed",
                ),
                (
                    "            if is_entry(raw) and raw[GENERATION] == read[name]:",
                    "            if is_entry(raw):",
                    "an entry of an earlier generation is served",
                ),
                (
                    "        entry = self.entry(name) if self._slots else self._entries.get(name)",
                    "        entry = self._entries.get(name)",
                    "state() reads the lookup's entry though the panel's slot holds a newer one",
                ),
                (
                    "        holds_any(html),\n    )",
                    "        False,\n    )",
                    "entries never tell that they hold placeholders",
                ),
                (
                    "        holds_any(html),\n    )",
                    "        True,\n    )",
                    "every entry tells that it holds placeholders",
                    "serving then searches the HTML for them, and finds none where there are none",
                ),
                (
                    "        if len(keys) < len(plan.by_name):\n",
                    "        if not keys:\n",
                    "no per-request key on a page that has a fixed one",
                ),
                (
                    "        return name in self._page_cache.keys\n\n    def __iter__",
                    "        return name in self._page_cache.planned\n\n    def __iter__",
                    "a panel whose key could not be made counts as cached",
                ),
            ),
        ],
    ),
    "layouts_cbv.nonces": Module(
        PLACEHOLDER_TESTS,
        mutants(
            NONCES,
            (
                "if type(stored) is str:",
                "if isinstance(stored, str):",
                "a LazyNonce taken for a str",
                "Django 5.2 (what the suite runs on) has no LazyNonce",
            ),
            (
                "if type(stored) is str:  # django-csp, once generated (a LazyNonce passes isinstance)\n        return stored",
                "if type(stored) is str:\n        return None",
                "django-csp's generated nonce ignored",
            ),
            (
                'used = getattr(stored, "_wrapped", empty) is not empty',
                'used = getattr(stored, "_wrapped", empty) is empty',
                "Django's nonce: used flipped",
                "Django 5.2 has no LazyNonce (Django 6.0 and later)",
            ),
            (
                "return str(lazy) if lazy is not None and generate else None",
                "return str(lazy) if lazy is not None else None",
                "django-csp's nonce generated even when unused",
            ),
            (
                "return str(lazy) if lazy is not None and generate else None",
                "return None",
                "django-csp's ungenerated nonce never generated",
            ),
            (
                "    if not nonce or nonce not in html:\n        return html",
                "    if not nonce:\n        return html",
                "no short-cut when the nonce is absent",
                "replacing an absent nonce changes nothing",
            ),
            (
                "    if not nonce or nonce not in html:\n        return html",
                "    if True:\n        return html",
                "nonces never replaced",
            ),
            (
                "return html.replace(nonce, PLACEHOLDER)",
                "return html.replace(nonce, PLACEHOLDER, 1)",
                "only the first nonce replaced",
            ),
            (
                'return html.replace(PLACEHOLDER, current_nonce(request, generate=True) or "")',
                'return html.replace(PLACEHOLDER, current_nonce(request) or "")',
                "the serving request's nonce not generated",
            ),
            (
                'return html.replace(PLACEHOLDER, current_nonce(request, generate=True) or "")',
                'return html.replace(PLACEHOLDER, current_nonce(request, generate=True) or "", 1)',
                "only the first placeholder filled",
            ),
            (
                "    if PLACEHOLDER not in html:\n        return html\n    return html.replace(PLACEHOLDER, current",
                "    return html.replace(PLACEHOLDER, current",
                "a nonce generated for every served entry",
            ),
            (
                'PLACEHOLDER = "<!--layouts_cbv:csp-nonce-->"',
                'PLACEHOLDER = "layouts_cbv:csp-nonce"',
                "a placeholder that escaped text can contain",
            ),
            (
                'lazy = getattr(request, "csp_nonce", None)',
                "lazy = None",
                "django-csp's lazy nonce ignored",
            ),
        ),
    ),
    "layouts_cbv.placeholders": Module(
        PLACEHOLDER_TESTS,
        mutants(
            PLACEHOLDERS,
            (
                "return nonces.to_placeholders(csrf.to_placeholders(html, request), request)",
                "return nonces.to_placeholders(html, request)",
                "CSRF tokens stored",
            ),
            (
                "return nonces.to_placeholders(csrf.to_placeholders(html, request), request)",
                "return csrf.to_placeholders(html, request)",
                "nonces stored",
            ),
            (
                "return nonces.from_placeholders(csrf.from_placeholders(html, request), request)",
                "return nonces.from_placeholders(html, request)",
                "CSRF placeholders served",
            ),
            (
                "return nonces.from_placeholders(csrf.from_placeholders(html, request), request)",
                "return csrf.from_placeholders(html, request)",
                "nonce placeholders served",
            ),
            (
                "return nonces.to_placeholders(csrf.to_placeholders(html, request), request)",
                "return csrf.to_placeholders(nonces.to_placeholders(html, request), request)",
                "nonces replaced before tokens",
                "a nonce (24 base64 or 22 URL-safe characters) cannot hold a 64-letter token nor a "
                "token a nonce; only a nonce glued to a token, which HTML never has, could tell",
            ),
            (
                "return nonces.from_placeholders(csrf.from_placeholders(html, request), request)",
                "return csrf.from_placeholders(nonces.from_placeholders(html, request), request)",
                "nonces filled before tokens",
                "neither value filled in contains the other placeholder",
            ),
            (
                "return nonces.to_placeholders(csrf.to_placeholders(html, request), request)",
                "return html",
                "nothing replaced before storing",
            ),
        ),
    ),
    "layouts_cbv.tracking": Module(
        TRACKING_TESTS,
        mutants(
            TRACKING,
            (
                '    if key == "QUERY_STRING":\n        return QUERY\n',
                "",
                "META['QUERY_STRING'] is not a read of the query",
            ),
            (
                '    if key.startswith("HTTP_"):\n        return _header_read(key.removeprefix("HTTP_"))',
                '    if key.startswith("HTTP_"):\n        return None',
                "META's HTTP_* headers (HTTP_COOKIE, HTTP_HOST, ...) are not reads",
            ),
            (
                '    if name == "cookie":\n        return COOKIES\n',
                "",
                "the Cookie header counts as an ordinary header, not as cookies",
            ),
            (
                "if name in _HOST_HEADERS or name == _proxy_ssl_header():",
                "if name == _proxy_ssl_header():",
                "the Host and X-Forwarded-* headers are not reads of the host",
            ),
            (
                "if name in _HOST_HEADERS or name == _proxy_ssl_header():",
                "if name in _HOST_HEADERS:",
                "the SECURE_PROXY_SSL_HEADER is not a read of the host",
            ),
            (
                '_HOST_HEADERS = frozenset({"host", "x-forwarded-host", "x-forwarded-port"})',
                '_HOST_HEADERS = frozenset({"host", "x-forwarded-port"})',
                "X-Forwarded-Host is not a read of the host",
            ),
            (
                'name = name.lower().replace("_", "-")',
                "name = name.lower()",
                "META header names keep their underscores",
            ),
            (
                "        self._reads.note(self._classify(key))\n        return self._data[key]",
                "        return self._data[key]",
                "mapping[key] is not noted",
            ),
            (
                "        self._reads.note(self._classify(key))\n        return key in self._data",
                "        return key in self._data",
                "'key in mapping' is not noted",
            ),
            (
                "        self._reads.note(self._classify(key))\n        return self._data.get(key, default)",
                "        return self._data.get(key, default)",
                "mapping.get(key) is not noted",
            ),
            (
                "        self._all()\n        return iter(self._data)",
                "        return iter(self._data)",
                "iterating a mapping is not noted",
            ),
            (
                "        self._all()\n        return getattr(self._data, name)",
                "        return getattr(self._data, name)",
                "QueryDict methods (getlist, items, ...) are not noted",
            ),
            (
                '_UNTRACKED = frozenset({"accessed", "modified"})',
                '_UNTRACKED = frozenset({"accessed", "modified", "session_key"})',
                "session_key is not a read of the session",
            ),
            (
                "        if name not in self._UNTRACKED:\n            self._reads.note(SESSION)",
                "        if False:\n            self._reads.note(SESSION)",
                "session attributes (get(), session_key, ...) are not noted",
            ),
            (
                "    def __contains__(self, key: str) -> bool:\n        self._reads.note(SESSION)\n",
                "    def __contains__(self, key: str) -> bool:\n",
                "'key in session' is not noted",
            ),
            (
                "    def __getitem__(self, key: str) -> Any:\n        self._reads.note(SESSION)\n",
                "    def __getitem__(self, key: str) -> Any:\n",
                "session[key] is not noted",
            ),
            (
                "    def __setitem__(self, key: str, value: Any) -> None:\n        self._reads.note(SESSION)\n",
                "    def __setitem__(self, key: str, value: Any) -> None:\n",
                "writing to the session is not noted",
            ),
            (
                "    def __iter__(self) -> Iterator[Any]:\n        self._reads.note(MESSAGES)\n",
                "    def __iter__(self) -> Iterator[Any]:\n",
                "iterating messages is not noted",
            ),
            (
                "    def __len__(self) -> int:\n        self._reads.note(MESSAGES)\n",
                "    def __len__(self) -> int:\n",
                "counting messages is not noted",
            ),
            (
                "    def add(self, *args: Any, **kwargs: Any) -> Any:\n        self._reads.note(MESSAGES)\n",
                "    def add(self, *args: Any, **kwargs: Any) -> Any:\n",
                "adding a message is not noted",
            ),
            (
                "    def evaluate() -> Any:\n        reads.note(USER)\n",
                "    def evaluate() -> Any:\n",
                "evaluating request.user is not noted",
            ),
            (
                "    async def tracked() -> Any:\n        reads.note(USER)\n",
                "    async def tracked() -> Any:\n",
                "await request.auser() is not noted",
            ),
            (
                "        with reads.paused():\n            return _unwrap(user)",
                "        return _unwrap(user)",
                "loading the user also counts as reading the session",
            ),
            (
                "if what is not None and not self._paused:",
                "if what is not None:",
                "reads are noted while paused",
            ),
            (
                '    if name == "_messages":\n        return TrackedMessages(value, reads)',
                '    if name == "_messages":\n        return value',
                "the message storage is not watched",
            ),
            (
                '    if name == "COOKIES":\n        return TrackedMapping(value, reads, lambda key: COOKIES, (COOKIES,))',
                '    if name == "COOKIES":\n        return value',
                "request.COOKIES is not watched",
            ),
            (
                '    if name == "GET":\n        return TrackedMapping(value, reads, lambda key: QUERY, (QUERY,))',
                '    if name == "GET":\n        return value',
                "request.GET is not watched",
            ),
            (
                '"COOKIES", "META", "environ", "headers", "GET")',
                '"COOKIES", "environ", "headers", "GET")',
                "request.META is not watched",
            ),
            (
                '_PROPERTIES = ("COOKIES", "headers", "GET")',
                '_PROPERTIES = ("headers", "GET")',
                "COOKIES not yet parsed is not watched",
                "COOKIES is a cached property parsed from META['HTTP_COOKIE']: parsed under a watch, "
                "it reads the watched META, which notes cookies all the same",
            ),
            (
                "            attrs.update(self.saved)\n",
                "",
                "the request's own values are not put back",
            ),
        ),
    ),
    "layouts_cbv.leaks": Module(
        LEAKS_TESTS,
        mutants(
            LEAKS,
            (
                "return sorted(set(found) - variation_of(strategy).allowed - set(also))",
                "return sorted(set(found) - variation_of(strategy).allowed)",
                "what a page key adds (query, language) is not allowed",
            ),
            (
                "return sorted(set(found) - variation_of(strategy).allowed - set(also))",
                "return sorted(set(found) - set(also))",
                "nothing the strategy varies on is allowed",
            ),
            (
                "return sorted(set(found) - variation_of(strategy).allowed - set(also))",
                "return sorted(set(found) - variation_of(strategy).names - set(also))",
                "the declared names, not what they allow (a session's user)",
            ),
            (
                "return sorted(set(found) - variation_of(strategy).allowed - set(also))",
                'return sorted(set(found) - variation_of(strategy).allowed - set(also) - {"cookies"})',
                "cookies may be stored",
            ),
            (
                "return sorted(set(found) - variation_of(strategy).allowed - set(also))",
                'return sorted(set(found) - variation_of(strategy).allowed - set(also) - {"messages"})',
                "messages may be stored",
            ),
            (
                "    if not unsafe:\n        return True",
                "    if True:\n        return True",
                "everything may be stored",
            ),
            (
                '    if conf.get("STRICT_VARY"):\n        raise UnsafeVary(message)',
                "    if False:\n        raise UnsafeVary(message)",
                "STRICT_VARY ignored",
            ),
            (
                "first = (label, type(strategy)) not in _warned",
                "first = True",
                "a warning for every refusal",
            ),
            (
                "    if first:\n        logger.warning(message)",
                "    if False:\n        logger.warning(message)",
                "refusals never warn",
            ),
            (
                "        logger.warning(message)\n    return False",
                "        logger.warning(message)\n    return True",
                "stored anyway after the warning",
            ),
            (
                "class UnsafeVary(ImproperlyConfigured):",
                "class UnsafeVary(Exception):",
                "UnsafeVary is no longer an ImproperlyConfigured",
            ),
            (
                "        if not variation_of(strategy).declared\n",
                "        if False\n",
                "the warning does not say the strategy does not declare varies_on",
            ),
            (
                "    if MESSAGES in unsafe:\n",
                "    if False:\n",
                "no advice for messages",
            ),
            (
                "    if COOKIES in unsafe:\n",
                "    if False:\n",
                "no advice for cookies",
            ),
            (
                "    if not variation_of(strategy).declared:\n        return (",
                "    if False:\n        return (",
                "no advice to declare varies_on",
            ),
            (
                '    if SESSION in unsafe:\n        return "use cache.per_session()"',
                '    if False:\n        return "use cache.per_session()"',
                "no advice for the session",
            ),
            (
                "        if PATH in strategy.varies_on:\n",
                "        if False:\n",
                "per_path reading the user is told to use per_user",
            ),
            (
                "    if HOST in unsafe:\n",
                "    if False:\n",
                "no advice for the host",
            ),
            (
                "sorted({*strategy.varies_on, *unsafe})",
                "sorted(unsafe)",
                "the advised varies_on forgets what the strategy varies on",
            ),
        ),
    ),
    "layouts_cbv.cache.variation": Module(
        VARIATION_TESTS,
        mutants(
            VARIATION,
            (
                "if isinstance(names, str) or not isinstance(names, Iterable):",
                "if not isinstance(names, Iterable):",
                "varies_on as a string accepted",
            ),
            (
                "if not (isinstance(name, str) and (name in NAMES or _is_header(name))):",
                "if not (isinstance(name, str) and (name in NAMES or name.startswith(HEADER))):",
                "any header:... accepted, not only header names",
            ),
            (
                "bool(_TOKEN.fullmatch(name.removeprefix(HEADER)))",
                "bool(_TOKEN.match(name.removeprefix(HEADER)))",
                "header names checked at their start only",
            ),
            (
                "NAMES = frozenset({USER, SESSION, PATH, QUERY, HOST, LANGUAGE})",
                "NAMES = frozenset({USER, SESSION, PATH, QUERY, HOST})",
                "language refused as a varies_on name",
            ),
            (
                "    return HEADER + name.lower()",
                "    return HEADER + name",
                "header names compared case-sensitively",
            ),
            (
                "frozenset(header(n.removeprefix(HEADER)) if n.startswith(HEADER) else n for n in names)",
                "frozenset(names)",
                "declared header names not normalised",
            ),
            (
                "        if not self.declared:\n            return frozenset()\n",
                "",
                "an undeclared strategy may read what it inherits",
            ),
            (
                "return self.names | ({USER} if SESSION in self.names else frozenset())",
                "return self.names",
                "per-session keys may not read the user",
            ),
            (
                "return self.names | ({USER} if SESSION in self.names else frozenset())",
                "return self.names | {USER}",
                "every strategy may read the user",
            ),
            (
                "return self.names if self.declared else NAMES",
                "return self.names",
                "an undeclared strategy depends on nothing",
            ),
            (
                "return bool(self.depends_on & VISITOR_CHOSEN) or any(",
                "return any(",
                "path, query and host keys count as bounded",
            ),
            (
                "return bool(self.depends_on & VISITOR_CHOSEN) or any(\n            name.startswith(HEADER) for name in self.depends_on\n        )",
                "return bool(self.depends_on & VISITOR_CHOSEN)",
                "header keys count as bounded",
            ),
            (
                "VISITOR_CHOSEN = frozenset({PATH, QUERY, HOST})",
                "VISITOR_CHOSEN = frozenset({PATH, HOST})",
                "query keys count as bounded",
            ),
            (
                'PERSONAL = frozenset({USER, SESSION, "cookies", "messages"})',
                'PERSONAL = frozenset({USER, SESSION, "cookies"})',
                "messages do not make a page personal",
            ),
            (
                'PERSONAL = frozenset({USER, SESSION, "cookies", "messages"})',
                'PERSONAL = frozenset({USER, SESSION, "messages"})',
                "cookies do not make a page personal",
            ),
            (
                'PERSONAL = frozenset({USER, SESSION, "cookies", "messages"})',
                'PERSONAL = frozenset({USER, "cookies", "messages"})',
                "the session does not make a page personal",
            ),
            (
                "return self.declared and self.names <= names",
                "return self.names <= names",
                "an undeclared strategy is baked into pages",
            ),
            (
                "return self.declared and self.names <= names",
                "return self.declared and self.names < names",
                "a panel varying exactly as the page is a hole",
            ),
            (
                "UNCACHED = Variation(frozenset(), declared=True)",
                "UNCACHED = Variation(frozenset(), declared=False)",
                "uncached panels count as undeclared (personal)",
            ),
        ),
    ),
    "layouts_cbv.pages": Module(
        PAGES_TESTS,
        mutants(
            PAGES,
            (
                "        parts.append(f\"csrf={request.META.get('CSRF_COOKIE', '')}\")",
                "        pass",
                "a page's ETag outlives the CSRF secret its form was served with",
            ),
            (
                '        parts.append(f"nonce={nonce}")',
                "        pass",
                "a page carrying a nonce answers 304 with an earlier body",
            ),
            (
                "names = set(variation.names if variation.declared else ())",
                "names = set(variation.names)",
                "an undeclared page strategy's inherited names count",
            ),
            (
                "    if not ignore_query:\n        names.add(QUERY)",
                "    names.add(QUERY)",
                "a page that ignores the query still counts it in its key",
            ),
            (
                "    if not ignore_query:\n        names.add(QUERY)",
                "    if False:\n        names.add(QUERY)",
                "a page key never counts the query",
            ),
            (
                "if panel.cache is None or panel.condition is not None:",
                "if panel.cache is None:",
                "conditional panels baked",
            ),
            (
                "if panel.cache is None or panel.condition is not None:",
                "if panel.condition is not None:",
                "uncached panels baked",
            ),
            (
                "rendered = [(name, panel) for name, panel in panels if not panel.defer]",
                "rendered = list(panels)",
                "deferred panels baked or holes",
            ),
            (
                "baked = tuple(name for name, _ in rendered if name not in holes)",
                "baked = ()",
                "the page records no baked panels",
            ),
            (
                "return holes, baked, tuple(sorted(backends, key=str))",
                "return holes, baked, ()",
                "no epochs read for baked panels",
            ),
            (
                '    if " at 0x" in text:\n        raise UnstableArguments(text)',
                "    if False:\n        raise UnstableArguments(text)",
                "as_view() arguments that differ per process accepted",
            ),
            (
                '    if not initkwargs:\n        return ""\n',
                "",
                "every page key gets an arguments digest",
            ),
            (
                "return hashlib.sha256(_stable(dict(initkwargs)).encode()).hexdigest()[:16]",
                'return ""',
                "as_view() arguments left out of the page key",
            ),
            (
                'vary.replace("%", "%25").replace("?", "%3F")',
                'vary.replace("?", "%3F")',
                "% not escaped in page keys",
            ),
            (
                '.replace("?", "%3F").replace("#", "%23")',
                '.replace("#", "%23")',
                "? not escaped in page keys",
            ),
            (
                '.replace("#", "%23").replace("@", "%40")',
                '.replace("@", "%40")',
                "# not escaped in page keys",
            ),
            (
                'name = name_part(f"{type(view).__module__}.{type(view).__qualname__}")',
                'name = name_part(f"{type(view).__qualname__}")',
                "page keys name the view without its module",
            ),
            (
                '    if conf.locale_middleware_installed():\n        vary += "@" + (translation.get_language() or "")\n',
                "",
                "the language left out of page keys",
            ),
            (
                "if query and not view.page_cache_ignore_query:",
                "if query:",
                "page_cache_ignore_query ignored",
            ),
            (
                "if query and not view.page_cache_ignore_query:",
                "if False:",
                "the query left out of page keys",
            ),
            (
                "        if identity.refuted(self.request):\n",
                "        if False:\n",
                "a page keyed for a refuted user claim is served",
            ),
            (
                "if entry.epochs == self.epochs and None not in dict(self.epochs).values():",
                "if entry.epochs == self.epochs:",
                "pages served on missing (evicted) epochs",
                "stored pages record settled epochs (settle() starts each missing one), never None: "
                "an entry equals epochs that hold None only when both are empty",
            ),
            (
                "        if self._baked_now(lookup) != entry.baked:\n            return None",
                "        if self._baked_now(lookup) != entry.baked:\n            pass",
                "a page with an invalidated baked panel served",
            ),
            (
                "return entry if time.time() < entry.fresh_until else None",
                "return entry",
                "expired pages served",
            ),
            (
                "if response.status_code != 200 or response.cookies or fresh_until <= now:",
                "if response.status_code != 200 or fresh_until <= now:",
                "a response that sets a cookie is stored",
            ),
            (
                "if response.status_code != 200 or response.cookies or fresh_until <= now:",
                "if response.cookies or fresh_until <= now:",
                "non-200 responses stored",
            ),
            (
                "            + [outcomes[name].fresh_until or now for name in self.baked if name in outcomes]\n",
                "",
                "a page outlives its baked panels",
            ),
            (
                "        if not self._shareable(outcomes, reads):\n            return None",
                "        if False:\n            return None",
                "a page stored whatever it read",
            ),
            (
                "if outcome is None or outcome.failed or not (outcome.from_cache or outcome.stored):",
                "if outcome is None or outcome.failed:",
                "a panel its own cache refused is baked in",
                "a baked panel neither served from the cache nor stored by this request has no "
                "servable entry, so its 'fresh_until or now' caps the page's freshness at now "
                "and store() returns before _shareable() is asked",
            ),
            (
                "return may_store(label, self.strategy, reads, also=self.names)",
                "return may_store(label, self.strategy, reads)",
                "a page may not read the query its key varies on",
            ),
            (
                "    if PERSONAL & set(depends_on):\n        headers.add_cache_control(response, private=True)",
                "    if False:\n        headers.add_cache_control(response, private=True)",
                "personal pages are not private",
            ),
            (
                "    headers.add_vary(response, headers.vary_for(depends_on))\n",
                "",
                "cacheable pages get no Vary",
            ),
        ),
    ),
    "layouts_cbv.pipeline": Module(
        PIPELINE_TESTS,
        mutants(
            PIPELINE,
            (
                "            self.watch = Watch(request)\n            try:\n                response = handler(request, *args, **kwargs)\n            except BaseException:\n                self.stop_watching()\n                raise\n",
                "            try:\n                response = handler(request, *args, **kwargs)\n            except BaseException:\n                self.stop_watching()\n                raise\n            self.watch = Watch(request)\n",
                "a sync handler runs unwatched",
            ),
            (
                "                self.watch = Watch(request)\n                try:\n                    response = await handler(request, *args, **kwargs)\n                except BaseException:\n                    self.stop_watching()\n                    raise\n",
                "                try:\n                    response = await handler(request, *args, **kwargs)\n                except BaseException:\n                    self.stop_watching()\n                    raise\n                self.watch = Watch(request)\n",
                "an async handler runs unwatched",
            ),
            (
                'if getattr(response, "layout_pipeline", None) is self and not response.is_rendered:',
                "if False:",
                "the watch ends before the response renders",
            ),
            (
                "        if self.watch is not None:\n            self.watch.end()",
                "        if self.watch is not None:\n            pass",
                "the watch never ends",
            ),
            (
                "        finally:\n            self.stop_watching()\n\n    def render_page",
                "        finally:\n            pass\n\n    def render_page",
                "the watch outlives rendering",
            ),
            (
                "            request.method not in pages.CACHEABLE_METHODS\n            or ",
                "            ",
                "any method served from the page cache",
                "LayoutMixin.setup() enters only the handler of a GET or HEAD request through the "
                "pipeline, so page_applies() never sees another method (a POST that calls get() "
                "calls it unwrapped: test_post_is_never_served_from_the_page_cache)",
            ),
            (
                "            or self.deferred_name is not None\n",
                "",
                "the panel endpoint's request served from the page cache",
            ),
            (
                '            or not conf.get("CACHE_ENABLED")\n',
                "",
                "CACHE_ENABLED=False still uses the page cache",
            ),
            (
                "if strategy is None or self.is_partial():",
                "if strategy is None:",
                "partial requests use the page cache",
            ),
            (
                "        self.hook_reads = hooks.reads.found\n",
                "",
                "what the hooks read is not counted",
            ),
            (
                "reads = self.watch.reads.found | self.hook_reads",
                "reads = self.watch.reads.found",
                "what the hooks read is not merged into the page's reads",
            ),
            (
                "            if hooks is not None:\n                hooks.end()",
                "            if hooks is not None:\n                pass",
                "the hooks' watch never ends",
            ),
            (
                "        outcomes = self.render_panels(ready, context) if ready else Outcomes()",
                "        outcomes = Outcomes()",
                "holes not filled on a hit",
            ),
            (
                "        if entry.vary:\n            headers.add_vary",
                "        if False:\n            headers.add_vary",
                "the stored Vary lost on a hit",
            ),
            (
                "            entry.fresh_until,\n            self.depends_on(outcomes),",
                "            entry.fresh_until,\n            self.depends_on({}),",
                "on a hit the holes do not count in the page's headers",
            ),
            (
                "hole_outcomes = {name: outcomes[name] for name in holes if name in outcomes}",
                "hole_outcomes = {}",
                "on a miss the holes do not count in the page's headers",
            ),
            (
                "found = set(variation_of(self.strategy).depends_on)",
                "found = set()",
                "the page's own strategy does not count in its headers",
            ),
            (
                "        with self.watch.reads.paused() if self.watch is not None else nullcontext():\n            return renderer",
                "        with nullcontext():\n            return renderer",
                "panels' reads count as the page's",
            ),
            (
                "if panel is None or not panel.defer:",
                "if panel is None:",
                "the endpoint renders panels that are not deferred",
            ),
            (
                "        headers.add_cache_control(response, private=True)\n        return body",
                "        return body",
                "deferred panels are not private",
            ),
            (
                "return freeze(self.extra_context()) if self.page is not None else context",
                "return context",
                "holes see the view's context on a miss only",
            ),
            (
                "            if panel.defer:\n                self.deferred.append(name)\n            else:\n                self.with_page[name] = panel",
                "            if panel.defer:\n                self.deferred.append(name)\n            self.with_page[name] = panel",
                "deferred panels rendered into the page",
            ),
            (
                "            if panel.stream:\n                self.stream_flagged.append(name)",
                "            if False:\n                self.stream_flagged.append(name)",
                "panels declared stream=True are not streamed",
            ),
            (
                "            if not panel:\n                continue\n",
                "",
                "a panel set to None is resolved",
            ),
            (
                "streamed = panels if self.view.get_stream_panels() else self.stream_flagged",
                "streamed = self.stream_flagged",
                "stream_panels ignored",
            ),
            (
                '                    keys.get(name, ""),\n',
                '                    "",\n',
                "the account loses the panels' keys",
            ),
        ),
    ),
    "layouts_cbv.deferred+views": Module(
        DEFERRED_TESTS,
        [
            *mutants(
                DEFERRED,
                (
                    '"query": request.META.get("QUERY_STRING", ""),',
                    '"query": "",',
                    "references forget the page's query",
                ),
                (
                    '"args": [str(arg) for arg in view.args],',
                    '"args": [],',
                    "references forget the page's positional URL arguments",
                ),
                (
                    '"kwargs": {key: str(value) for key, value in view.kwargs.items()},',
                    '"kwargs": {},',
                    "references forget the page's URL keyword arguments",
                ),
                (
                    'max_age=conf.get("DEFERRED_MAX_AGE")',
                    "max_age=None",
                    "references never expire",
                ),
                (
                    'SALT = "layouts_cbv.deferred"',
                    'SALT = "django.core.signing"',
                    "anything signed with Django's default salt is a reference",
                ),
                (
                    '        if not isinstance(payload, dict):\n            raise BadReference("the reference is not a mapping")\n',
                    "",
                    "a signed payload that is not a mapping is not refused",
                ),
                (
                    ' or not path.startswith("/"):',
                    ":",
                    "a relative page path accepted",
                ),
                (
                    "        if not all(isinstance(text, str) for text in texts)",
                    "        if False",
                    "non-text view, panel, path and query accepted",
                ),
                (
                    "        if not (isinstance(args, list) and all(isinstance(arg, str) for arg in args)):\n",
                    "        if False:\n",
                    "args that are not a list of text accepted",
                ),
                (
                    "return list(self.args) == [str(arg) for arg in args] and self.kwargs == {",
                    "return self.kwargs == {",
                    "the positional URL arguments are not matched",
                ),
                (
                    "list(self.args) == [str(arg) for arg in args] and self.kwargs == {\n            key: str(value) for key, value in kwargs.items()\n        }",
                    "list(self.args) == [str(arg) for arg in args]",
                    "the URL keyword arguments are not matched",
                ),
                (
                    "        if self.mode == ESI:\n",
                    "        if False:\n",
                    "defer='esi' emits the browser placeholder",
                ),
                (
                    "    if mode != ESI:\n        add_script",
                    "    if False:\n        add_script",
                    "the script that fetches deferred panels is never queued",
                ),
            ),
            *mutants(
                VIEWS,
                (
                    "page_view_path(match.func) == reference.view and reference.matches(",
                    "reference.matches(",
                    "the view the reference names is not checked",
                ),
                (
                    "== reference.view and reference.matches(match.args, match.kwargs)",
                    "== reference.view",
                    "the URL arguments the reference names are not checked",
                ),
                (
                    "    response = match.func(page, *match.args, **match.kwargs)",
                    "    view = view_class()\n    view.setup(page, *match.args, **match.kwargs)\n    response = view.get(page, *match.args, **match.kwargs)",
                    "the view's dispatch (its access checks) skipped: get() called directly",
                ),
                (
                    "    if not isinstance(response, HttpResponseBase):\n        response = async_to_sync(_awaited)(response)",
                    "    if False:\n        response = async_to_sync(_awaited)(response)",
                    "async views not awaited",
                ),
                (
                    'return response if response.status_code != 200 else refused(BadReference("no layout"))',
                    "return response",
                    "a 200 that is not a layout page is sent as the panel",
                ),
                (
                    "    try:\n        response.render()\n    except BadReference as exc:\n        return refused(exc)\n",
                    "    response.render()\n",
                    "a reference to a panel that is not deferred raises",
                ),
                (
                    "    copy_csrf_state(page, request)  # a form",
                    "    # a form",
                    "the panel's CSRF cookie not set on the response",
                ),
                (
                    "except (KeyError, signing.BadSignature, BadReference, Resolver404) as exc:",
                    "except (KeyError, signing.BadSignature, BadReference) as exc:",
                    "a page path that resolves to nothing is not a 400",
                ),
                (
                    "except (KeyError, signing.BadSignature, BadReference, Resolver404) as exc:",
                    "except (signing.BadSignature, BadReference, Resolver404) as exc:",
                    "a request without ?ref= is not a 400",
                ),
                (
                    '"QUERY_STRING": reference.query}',
                    '"QUERY_STRING": request.META.get("QUERY_STRING", "")}',
                    "the page request keeps the endpoint's QUERY_STRING",
                ),
                (
                    "    page.GET = QueryDict(reference.query)\n",
                    "",
                    "the page request keeps the endpoint's GET",
                ),
                (
                    "    vars(page)[DEFERRED_PANEL] = reference.panel\n",
                    "",
                    "the endpoint renders the whole page",
                ),
                (
                    "    page.path = reference.path\n",
                    "",
                    "the page request keeps the endpoint's path",
                ),
                (
                    "    if not reference.path.startswith(script_name):\n        raise BadReference",
                    "    if False:\n        raise BadReference",
                    "a page path outside the site's script name accepted",
                ),
            ),
        ],
    ),
    "layouts_cbv.clone+headers": Module(
        CLONE_TESTS,
        [
            *mutants(
                CLONE,
                (
                    "    return clone, track(clone, values)",
                    "    clone.__dict__.update(values)\n    return clone, Reads()",
                    "a clone's reads are not watched",
                ),
                (
                    "    values = originals(request)\n",
                    "    values = {name: vars(request)[name] for name in originals(request)}\n",
                    "a clone of a watched page wraps the page's proxies",
                ),
                (
                    '    clone.method = "GET"\n',
                    "",
                    "a panel of a POST page runs as POST",
                ),
                (
                    "    clone.layout_role = PANEL",
                    "    clone.layout_role = MAIN",
                    "a panel's request says it is the main one",
                ),
                (
                    "    clone.layout_context = layout_context",
                    "    clone.layout_context = {}",
                    "panels do not see the layout context",
                ),
                (
                    '    meta = {**values["META"], "REQUEST_METHOD": "GET", "CONTENT_LENGTH": "0"}',
                    '    meta = values["META"]',
                    "a clone shares the page's META",
                ),
                (
                    '    for key in ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"):',
                    '    for key in ("CSRF_COOKIE",):',
                    "CSRF_COOKIE_NEEDS_UPDATE not copied back",
                ),
                (
                    '    for key in ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"):',
                    '    for key in ("CSRF_COOKIE_NEEDS_UPDATE",):',
                    "CSRF_COOKIE not copied back",
                ),
            ),
            *mutants(
                HEADERS,
                (
                    'names = ["Cookie"] if depends_on & PERSONAL else []',
                    "names = []",
                    "personal parts do not add Vary: Cookie",
                ),
                (
                    "    names += sorted(\n",
                    "    names += [] and sorted(\n",
                    "header parts do not add their header to Vary",
                ),
                (
                    "    vary[:0] = [name for names in depends_on for name in vary_for(names)]\n",
                    "",
                    "what panels depend on is not in Vary",
                ),
                (
                    "        vary.extend(headers.vary)\n",
                    "",
                    "panels' own Vary headers are not merged",
                ),
                (
                    'private = private or "private" in directives',
                    "private = private",
                    "a private panel does not make the page private",
                ),
                (
                    'no_store = no_store or "no-store" in directives',
                    "no_store = no_store",
                    "a no-store panel does not make the page no-store",
                ),
                (
                    "if headers.cookies and not from_cache:",
                    "if False:",
                    "cookies of freshly rendered panels are dropped",
                ),
                (
                    "if headers.cookies and not from_cache:",
                    "if headers.cookies:",
                    "cookies applied from cached panels too",
                    "entries never keep cookies: a panel served from the cache has "
                    "headers.cookies None",
                ),
                (
                    "    if not names:\n        return  # patch_vary_headers",
                    "    if False:\n        return  # patch_vary_headers",
                    "an empty list of names still sets Vary",
                ),
                (
                    "    elif not {name.lower() for name in names} <= {",
                    "    elif False and not {name.lower() for name in names} <= {",
                    "names not added to an existing Vary",
                ),
                (
                    'if "Cache-Control" in response or len(directives) != 1:',
                    "if len(directives) != 1:",
                    "one directive replaces an existing Cache-Control",
                ),
                (
                    "if not (headers.vary or headers.cache_control or headers.cookies):",
                    "if not (headers.vary or headers.cache_control):",
                    "a panel whose only header is a cookie is passed over",
                ),
                (
                    "        depends_on[panel_depends_on] = None\n",
                    "        depends_on = depends_on or {panel_depends_on: None}\n",
                    "only the first panel's depends_on counts",
                ),
            ),
        ],
    ),
    "layouts_cbv.rendering": Module(
        RENDERING_TESTS,
        mutants(
            RENDERING,
            (
                "            if inspect.isawaitable(holds):",
                "            if False:",
                "an async condition's coroutine counts as true",
            ),
            (
                "        if mine and the_pages and mine != the_pages:",
                "        if False:",
                "a later async panel's forms keep a CSRF secret the cookie does not hold",
            ),
            (
                "            yield outcome.depends_on, outcome.headers, outcome.from_cache",
                "            yield outcome.depends_on, outcome.headers, True",
                "header_parts() tells rendered panels as served",
            ),
            (
                "            if len(states) == len(plan.by_name)\n",
                "            if True\n",
                "the page varies on what panels it did not serve depend on",
            ),
            (
                "            if len(states) == len(plan.by_name)\n",
                "            if False\n",
                "served panels' dependencies worked out on every page",
                "the same distinct sets, in the same order: the plan's are worked out the same way",
            ),
            (
                "        page_cache.keys[name],\n        page_cache.planned[name].depends_on,\n    )",
                "        page_cache.keys[name],\n        NOTHING,\n    )",
                "a served panel's outcome depends on nothing",
            ),
            (
                "        entry[GENERATION],\n",
                "        None,\n",
                "a served panel's outcome has no generation",
            ),
            (
                "        entry,  # raw\n",
                "        None,  # raw\n",
                "a served panel's outcome forgets its entry",
            ),
            (
                "        entry[FRESH_UNTIL],\n        page_cache.keys[name],",
                "        None,\n        page_cache.keys[name],",
                "a served panel's outcome has no freshness",
            ),
            (
                "        state,\n        entry[COST_US] / 1e6,",
                "        HIT,\n        entry[COST_US] / 1e6,",
                "a served panel's outcome always says hit",
            ),
            (
                "        page_cache.keys[name],\n        page_cache.planned",
                '        "",\n        page_cache.planned',
                "a served panel's outcome has no key",
            ),
            (
                "                    if state == HIT:\n                        continue",
                "                    if True:\n                        continue",
                "a served panel is never refreshed (stale or early)",
            ),
            (
                "    return for_serving(entry[HTML], request) if entry[PLACEHOLDERS] else entry[HTML]",
                "    return entry[HTML]",
                "served panels keep their placeholders",
            ),
            (
                "                if name not in rendered:\n                    on_outcome(outcomes[name])",
                "                if False:\n                    on_outcome(outcomes[name])",
                "on_outcome never told of served panels",
            ),
        ),
    ),
    "layouts_cbv.markers+assembly+templatetags": Module(
        MARKERS_TESTS,
        [
            *mutants(
                MARKERS,
                (
                    "    parts.append(html[done:])\n",
                    "",
                    "the text after the last marker is dropped",
                ),
                (
                    "        parts += (html[done:at], render(found.group(1)))",
                    "        parts += (html[done : found.end()], render(found.group(1)))",
                    "markers are kept beside what fills them",
                ),
                (
                    "            at = html.find(_PREFIX, at + len(_PREFIX))\n            continue",
                    "            break",
                    "markers after a malformed one are left unfilled",
                ),
                (
                    "        if name in rendered:\n            return rendered[name]\n",
                    "",
                    "a queue is rendered once per marker",
                    "a queue renders the same items for the same request the same way: a second "
                    "marker of it gets the same HTML either way",
                ),
                (
                    "        rendered[name] = html\n",
                    "",
                    "a queue's HTML is not remembered for its next marker",
                    "as above: without the memo it is rendered again, to the same HTML",
                ),
                (
                    "if not items and not queue.template and type(queue).render is RenderQueue.render:",
                    "if not items:",
                    "a custom queue's own render() skipped when it has no items",
                ),
                (
                    "if not items and not queue.template and type(queue).render is RenderQueue.render:",
                    "if not items and type(queue).render is RenderQueue.render:",
                    "an empty queue's template is not rendered",
                    "RenderQueue.render returns an empty string for no items before it looks at "
                    "its template",
                ),
            ),
            *mutants(
                ASSEMBLY,
                (
                    '    html_by_name.badges = conf.get("BADGES")\n',
                    "",
                    "badges never marked in a layout",
                ),
                (
                    "        return SafeString(html) if type(html) is str else html",
                    "        return html",
                    "templates get a served panel's HTML unmarked, escaped",
                ),
                (
                    '        "panels": Panels(html_by_name),',
                    '        "panels": html_by_name,',
                    "templates read the page's panels as the tag does, unmarked",
                ),
                (
                    "        return dict(self)\n",
                    "        return dict(self._html)\n",
                    "panels.copy() hands out served panels unmarked",
                ),
                (
                    "        return {**self, **other}",
                    "        return {**self._html, **other}",
                    "panels | other hands out served panels unmarked",
                ),
            ),
            *mutants(
                TAGS,
                (
                    "        elif not html or html.isspace():",
                    "        elif not html:",
                    "a panel of whitespace hides its fallback",
                ),
                (
                    '            html = html.wrap(self.blocks["fallback"].render(context))',
                    '            html = html.wrap("")',
                    "a hole or deferred panel shows no fallback",
                ),
                (
                    "        panels = context.get(PANELS_KEY) or NO_PANELS\n",
                    "        panels = context.get(PANELS_KEY)\n",
                    "{% panel %} outside a layout fails",
                ),
                (
                    '        if getattr(panels, "badges", False):',
                    "        if False:",
                    "{% panel %} never marks badges",
                ),
            ),
        ],
    ),
}


def resolve(name: str) -> str:
    """Return the MODULES key for a short (``keys``) or dotted name, or a file path."""
    name = name.removesuffix(".py").replace("/", ".")
    if name in MODULES:
        return name
    found = [key for key in MODULES if key.endswith("." + name)]
    if len(found) != 1:
        raise SystemExit(f"unknown module {name!r}; known: {', '.join(MODULES)}")
    return found[0]


class Stop(Exception):
    """SIGTERM: stop like Ctrl-C, restoring the file."""


def _stop(signum, frame):
    raise Stop()


def existing(tests: tuple[str, ...]) -> list[str]:
    """Return the test files that exist (a module's list may name files still to come).

    None at all is an error: pytest would run the whole suite, soaks included.
    """
    found = [test for test in tests if (ROOT / test.partition("::")[0]).exists()]
    if not found:
        raise SystemExit(f"none of these test files exists: {', '.join(tests)}")
    return found


def run_tests(tests: tuple[str, ...], timeout: float) -> tuple[str, str]:
    tests = existing(tests)
    deselect = [arg for node in DESELECTED for arg in ("--deselect", node)]
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *deselect]
    command += tests
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", f"over {timeout:.0f} s"
    lines = done.stdout.strip().splitlines()
    last = lines[-1] if lines else done.stderr.strip()[-200:]
    if done.returncode in (1, 2):  # tests failed, or could not even be collected
        failed = next((line for line in lines if line.startswith(("FAILED", "ERROR"))), last)
        return "killed", failed[:160]
    if done.returncode == 0:
        return "survived", last
    return "error", f"pytest exited {done.returncode}: {last}"


def run_mutant(module: str, number: int, mutant: Mutant, tests, timeout: float) -> Result:
    if mutant.equivalent:
        return Result(module, number, mutant, "equivalent", detail=mutant.equivalent)
    path = ROOT / mutant.file
    original = path.read_text()
    count = original.count(mutant.original)
    if count != 1:
        return Result(module, number, mutant, "stale", detail=f"snippet found {count} times")
    started = time.monotonic()
    try:
        path.write_text(original.replace(mutant.original, mutant.replacement))
        status, detail = run_tests(tests, timeout)
    finally:
        path.write_text(original)  # always, whatever happened
    return Result(module, number, mutant, status, time.monotonic() - started, detail)


def dirty(files: set[str]) -> list[str]:
    """Return the files that differ from git HEAD (a mutant must start from clean code)."""
    done = subprocess.run(
        ["git", "status", "--porcelain", "--", *sorted(files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return [line[3:] for line in done.stdout.splitlines()]


def summary(results: list[Result]) -> dict[str, tuple[int, int, float]]:
    """Return, per module: killed, counted (not equivalent, not stale), and the ratio."""
    by_module: dict[str, tuple[int, int, float]] = {}
    for module in dict.fromkeys(r.module for r in results):
        mine = [r for r in results if r.module == module]
        counted = [r for r in mine if r.status not in ("equivalent", "stale")]
        killed = [r for r in counted if r.status in ("killed", "timeout")]
        ratio = 100.0 * len(killed) / len(counted) if counted else 100.0
        by_module[module] = (len(killed), len(counted), ratio)
    return by_module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.mutation", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all)")
    parser.add_argument(
        "--min", type=float, default=0.0, help="exit 1 when a module kills fewer %% of its mutants"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per mutant's test run"
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", type=int, nargs="*", help="run only these mutant numbers")
    parser.add_argument(
        "--allow-dirty", action="store_true", help="mutate files with uncommitted changes"
    )
    args = parser.parse_args(argv)
    modules = [resolve(name) for name in args.modules] or list(MODULES)

    if args.list:
        for module in modules:
            for number, mutant in enumerate(MODULES[module].mutants, start=1):
                mark = " (equivalent)" if mutant.equivalent else ""
                print(f"{module} #{number}: {mutant.description}{mark}")
        return 0
    files = {mutant.file for module in modules for mutant in MODULES[module].mutants}
    changed = dirty(files)
    if changed and not args.allow_dirty:
        print(
            f"uncommitted changes in {', '.join(changed)}: commit or restore them first",
            file=sys.stderr,
        )
        return 2

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, _stop)
    # Ctrl-C restores too, even in a shell that started this with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        results = run_all(modules, args)
    except (KeyboardInterrupt, Stop):
        print("\ninterrupted: every file is restored", file=sys.stderr)
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if results is None:
        return 2
    return report(results, args.min)


def run_all(modules: list[str], args: argparse.Namespace) -> list[Result] | None:
    """Run every mutant of ``modules``; None when a module's tests fail without one."""
    results: list[Result] = []
    for module in modules:
        spec = MODULES[module]
        status, detail = run_tests(spec.tests, args.timeout)
        if status != "survived":
            print(f"{module}: the tests fail without any mutant ({detail}); fix them first")
            return None
        for number, mutant in enumerate(spec.mutants, start=1):
            if args.only and number not in args.only:
                continue
            result = run_mutant(module, number, mutant, spec.tests, args.timeout)
            results.append(result)
            print(
                f"{result.status:10} {module} #{number:<3} {result.seconds:6.1f}s  "
                f"{mutant.description}  [{result.detail}]",
                flush=True,
            )
    return results


def report(results: list[Result], minimum: float) -> int:
    """Print the table; return the exit code (1 below ``minimum`` % or on a stale mutant)."""
    print()
    print(
        f"{'module':32} {'killed':>7} {'counted':>8} {'ratio':>7} {'survived':>9} {'stale':>6} {'equiv':>6}"
    )
    worst_ok = True
    for module, (killed, counted, ratio) in summary(results).items():
        mine = [r for r in results if r.module == module]
        survived = sum(r.status in ("survived", "error") for r in mine)
        stale = sum(r.status == "stale" for r in mine)
        equivalent = sum(r.status == "equivalent" for r in mine)
        print(
            f"{module:32} {killed:7} {counted:8} {ratio:6.1f}% {survived:9} {stale:6} {equivalent:6}"
        )
        worst_ok = worst_ok and ratio >= minimum
    for result in results:
        if result.status in ("survived", "stale", "error"):
            print(
                f"  {result.status}: {result.module} #{result.number} {result.mutant.description}"
            )
    stale = any(r.status == "stale" for r in results)
    return 0 if worst_ok and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
