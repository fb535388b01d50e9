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
NONCES = "layouts_cbv/nonces.py"
PLACEHOLDERS = "layouts_cbv/placeholders.py"

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
            ("return secrets.token_hex(8)", 'return "0"', "every generation is the same"),
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
            "tests/test_pins_csrf.py",
        ),
        mutants(
            STORE,
            (
                "        if slot.generation is None:\n            # First use",
                "        if True:\n            # First use",
                "every store starts a new generation",
            ),
            (
                "                writes[(slot.alias, None)][generation_key(slot.name)] = slot.generation\n",
                "",
                "a new generation is never written",
            ),
            (
                "            flight.release(alias, group, written)",
                "            pass",
                "locks never released after a page",
            ),
            (
                "        if not entry.is_fresh(now):\n            return STALE, entry",
                "        if not entry.is_fresh(now):\n            return MISS, None",
                "stale entries never served",
            ),
            (
                "if slot.strategy.early_refresh and _refresh_early(entry, now):",
                "if _refresh_early(entry, now):",
                "early refresh without early_refresh",
            ),
            (
                "if slot.strategy.early_refresh and _refresh_early(entry, now):",
                "if False:",
                "early refresh never",
            ),
            (
                "return now - entry.cost * math.log(1.0 - random.random()) >= entry.fresh_until",
                "return now - entry.cost * math.log(1.0 - random.random()) < entry.fresh_until",
                "early refresh comparison flipped",
            ),
            (
                "math.log(1.0 - random.random())",
                "math.log(random.random())",
                "1-U instead of U",
                "1 - random() and random() have the same distribution on [0, 1)",
            ),
            ("    if strategy.timeout == 0:\n        return None\n", "", "timeout 0 still stores"),
            (
                "fresh_until + strategy.stale_ttl,",
                "fresh_until,",
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
                "if slot.generation is None or entry.generation != slot.generation:",
                "if entry.generation != slot.generation:",
                "no short-cut for a missing generation",
                "an entry's generation is a str, never None, so it differs from a missing one anyway",
            ),
            (
                "if slot.generation is None or entry.generation != slot.generation:",
                "if slot.generation is None:",
                "entries of an old generation served",
            ),
            (
                "return guard.get_many(alias, keys, key_version())",
                "return guard.get_many(alias, keys, None)",
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
                'return "" if raw is None else hashlib.blake2b(raw, digest_size=8).hexdigest()',
                'return "" if raw is None else "same"',
                "every entry has the same fingerprint",
            ),
            (
                "        if not identity.check(self.request, records, aliases):\n            self._rekey()",
                "        if not identity.check(self.request, records, aliases):\n            pass",
                "a refuted claim keeps its keys",
            ),
            (
                "                declare(name, panel)\n",
                "",
                "panels are not declared when looked up",
            ),
            (
                "self.raw, self.generation, self._entry = raw, generation, _UNREAD",
                "self.raw, self.generation, self._entry = None, generation, _UNREAD",
                "the raw entry is forgotten",
            ),
        ),
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
    """Return the test files that exist (a module's list may name files still to come)."""
    return [test for test in tests if (ROOT / test).exists()]


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
