"""Typed settings from the environment: the one reader ``config/settings.py`` reads every variable with.

django-environ finds each variable (and expands ``$OTHER`` references, as before); this module decides
what a value of each kind may be. A value that is not one stops start-up with ``ImproperlyConfigured``
naming the variable, the value given and what is expected, in one line (``DIGEST_LOGIN_FAILURES must be
a whole number, at least 1, got 'abc'.``), instead of a ``ValueError`` from inside django-environ or,
for a flag, a silent "off".

What each kind accepts (README, "Settings"):

* a flag (``bool``): ``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off``, in any case; nothing
  else (django-environ read ``yes please`` or ``enabled`` as off);
* a whole number (``int``) or a number (``float``, finite), optionally in a unit (``seconds``) and a range;
* a list: comma-separated, spaces around items and empty items dropped;
* one of a few names (``choice``), in any case;
* a URL of given schemes (``url``; a password in it is never printed).

Surrounding spaces are ignored. An empty variable counts as unset for every kind but a plain string,
whose empty value can mean "none" (compose files pass ``${X:-}`` for a variable the host did not set).
"""

from __future__ import annotations

import builtins
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import environ
from django.core.exceptions import ImproperlyConfigured

from config.envfiles import FILE_SUFFIX, env_or_file

T = TypeVar("T")

# The spellings a flag may have, and what each means.
BOOL_WORDS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
BOOL_EXPECTED = "one of true/false, 1/0, yes/no, on/off"

# The password of a URL, for messages: "scheme://user:secret@host" -> "scheme://user:***@host".
_URL_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")


def split_list(raw: str) -> list[str]:
    """The items of a comma-separated value, each stripped, empty ones dropped (``"a, ,b,"`` -> ``["a", "b"]``)."""
    return [item.strip() for item in raw.split(",") if item.strip()]


def hide_password(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***`` (for messages and logs)."""
    return _URL_PASSWORD.sub(r"\1***@", url)


# Parsers of the kinds with rules of their own, for ``EnvReader.list(item=...)`` and ``EnvReader.parsed``.
# Each raises ValueError with the reason, which the message adds after what is expected.


def origin(value: str) -> str:
    """``value`` if it is an origin Django can trust (``CSRF_TRUSTED_ORIGINS``): a scheme and a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} has no http:// or https:// and host")
    return value


def time_zone(name: str) -> str:
    """``name`` if it is a time zone of Python's tz database (``Europe/Paris``)."""
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError() from None  # the message says what is expected; there is no more to say
    return name


def proxy_ssl_header(value: str) -> tuple[str, str]:
    """Django's ``SECURE_PROXY_SSL_HEADER`` from ``Name`` (value ``https``) or ``Name=value``:
    ``("HTTP_X_FORWARDED_PROTO", "https")``. Raises ValueError for a name a header cannot have."""
    name, _, expected = value.partition("=")
    if not re.fullmatch(r"[A-Za-z0-9-]+", name.strip()):
        raise ValueError(f"{name.strip()!r} is not a header name")
    return ("HTTP_" + name.strip().upper().replace("-", "_"), expected.strip() or "https")


class EnvReader:
    """Typed values of environment variables, each checked once, when the settings load.

    ``environ``: where to look (``os.environ`` when None; tests pass a dict). Every method takes the
    variable's name and the value to use when it is unset (or empty), returns the value converted, and
    raises ``ImproperlyConfigured`` with the name, the value given and what is expected otherwise. The
    default is returned as given, never checked: it is the code's own.
    """

    def __init__(self, environ_: Mapping[builtins.str, builtins.str] | None = None) -> None:
        self.environ: Mapping[builtins.str, builtins.str] = os.environ if environ_ is None else environ_
        self._env = environ.Env()
        # django-environ reads its class attribute ENVIRON; an instance attribute points this one elsewhere.
        self._env.ENVIRON = self.environ

    def raw(self, name: builtins.str) -> builtins.str | None:
        """The variable's text as django-environ gives it (``$OTHER`` expanded), or None when unset."""
        if name not in self.environ:
            return None
        return self._env.str(name)

    def _given(self, name: builtins.str) -> builtins.str | None:
        """The stripped text of a typed variable, None when unset or empty (then the default applies)."""
        raw = self.raw(name)
        return (raw.strip() or None) if raw is not None else None

    @staticmethod
    def bad(
        name: builtins.str, value: builtins.str, expected: builtins.str, reason: builtins.str = ""
    ) -> ImproperlyConfigured:
        """The error for ``name`` set to ``value``: ``NAME must be EXPECTED, got 'VALUE'[; REASON].``"""
        detail = f"; {reason.rstrip('.')}" if reason else ""
        return ImproperlyConfigured(f"{name} must be {expected}, got {value!r}{detail}.")

    def str(self, name: builtins.str, default: builtins.str = "") -> builtins.str:
        """The variable's text as given (an empty value stays empty), or ``default`` when unset."""
        raw = self.raw(name)
        return default if raw is None else raw

    def path(self, name: builtins.str, default: Path) -> Path:
        """A file or folder path as given (relative ones from the working folder), ``default`` when unset or empty."""
        given = self._given(name)
        return default if given is None else Path(given)

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        """A flag: ``BOOL_WORDS`` in any case; anything else is an error."""
        given = self._given(name)
        if given is None:
            return default
        try:
            return BOOL_WORDS[given.lower()]
        except KeyError:
            raise self.bad(name, given, BOOL_EXPECTED) from None

    def int(
        self,
        name: builtins.str,
        default: builtins.int,
        *,
        at_least: builtins.int | None = None,
        at_most: builtins.int | None = None,
        unit: builtins.str = "",
    ) -> builtins.int:
        """A whole number (``5``, ``-3``, ``10_000``) within ``at_least``..``at_most`` (either may be None);
        ``unit`` (``"seconds"``) only words the message."""
        expected = _expected("a whole number", unit, at_least=at_least, at_most=at_most)
        given = self._given(name)
        if given is None:
            return default
        try:
            value = builtins.int(given)
        except ValueError:
            raise self.bad(name, given, expected) from None
        if (at_least is not None and value < at_least) or (at_most is not None and value > at_most):
            raise self.bad(name, given, expected)
        return value

    def float(
        self,
        name: builtins.str,
        default: builtins.float,
        *,
        at_least: builtins.float | None = None,
        more_than: builtins.float | None = None,
        unit: builtins.str = "",
    ) -> builtins.float:
        """A finite number (``2``, ``0.5``, ``1e3``) of at least ``at_least`` or more than ``more_than``
        (a timeout of 0 s is never met: ``more_than=0``); ``unit`` (``"seconds"``) only words the message."""
        expected = _expected("a number", unit, at_least=at_least, more_than=more_than)
        given = self._given(name)
        if given is None:
            return default
        try:
            value = builtins.float(given)
        except ValueError:
            raise self.bad(name, given, expected) from None
        too_small = (at_least is not None and value < at_least) or (more_than is not None and value <= more_than)
        if not math.isfinite(value) or too_small:
            raise self.bad(name, given, expected)
        return value

    def list(
        self,
        name: builtins.str,
        default: Sequence[builtins.str] = (),
        *,
        item: Callable[[builtins.str], object] | None = None,
        expected: builtins.str = "comma-separated values",
    ) -> builtins.list[builtins.str]:
        """Comma-separated items (``split_list``). ``item``, when given, checks each one and raises
        ValueError with the reason for a bad one; the message then names it."""
        given = self._given(name)
        if given is None:
            return list(default)
        items = split_list(given)
        if item is not None:
            for each in items:
                try:
                    item(each)
                except ValueError as exc:
                    raise self.bad(name, given, expected, str(exc)) from None
        return items

    def choice(self, name: builtins.str, default: builtins.str, choices: Iterable[builtins.str]) -> builtins.str:
        """One of ``choices``, matched in any case and returned as spelled there."""
        given = self._given(name)
        if given is None:
            return default
        names = list(choices)
        for choice in names:
            if choice.lower() == given.lower():
                return choice
        raise self.bad(name, given, "one of " + ", ".join(names))

    def parsed(self, name: builtins.str, default: T, parse: Callable[[builtins.str], T], expected: builtins.str) -> T:
        """``parse(value)`` for a kind with its own parser (the network lists, a time zone); the parser
        raises ValueError (or a subclass) with the reason, which the message adds."""
        given = self._given(name)
        if given is None:
            return default
        try:
            return parse(given)
        except ValueError as exc:
            raise self.bad(name, given, expected, str(exc)) from None

    def url(
        self, name: builtins.str, default: builtins.str, *, schemes: Iterable[builtins.str], expected: builtins.str
    ) -> builtins.str:
        """A URL whose scheme is one of ``schemes``, from ``NAME`` or the file named by ``NAME_FILE``
        (``env_or_file``: these URLs hold passwords). The message shows the value with its password hidden."""
        value = env_or_file(name, environ=self.environ).strip()
        if not value:
            return default
        parts = urlsplit(value)
        if parts.scheme.lower() not in set(schemes) or not (parts.netloc or parts.path):
            source = f" (read from {name}{FILE_SUFFIX})" if self.environ.get(name + FILE_SUFFIX) else ""
            raise self.bad(name, hide_password(value), expected + source)
        return value


def _expected(
    kind: str,
    unit: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    more_than: float | None = None,
) -> str:
    """What a number setting must be, in words: ``a whole number of seconds, at least 1``."""
    words = f"{kind} of {unit}" if unit else kind
    if at_least is not None and at_most is not None:
        return f"{words}, from {at_least:g} to {at_most:g}"
    if at_least is not None:
        return f"{words}, at least {at_least:g}"
    if more_than is not None:
        return f"{words}, more than {more_than:g}"
    return words
