"""Socket-level egress guard, loaded by every Python process whose PYTHONPATH starts with this folder.

When ``DK_EGRESS_LOG`` names a file, each attempt to reach an address (``connect``/``connect_ex``,
``sendto``/``sendmsg`` on a socket, ``getaddrinfo`` of a name) is appended to it as one JSON line,
before the call. Any address that is not configured (loopback, a Unix socket, ``localhost``, and the host of
``DK_SENTRY__DSN`` when one is set) is then refused with ``PermissionError``, so not even a DNS query leaves the
process. tests/privacy reads the log.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import threading

_LOG = os.environ.get("DK_EGRESS_LOG")
_lock = threading.Lock()
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def _sentry_host() -> str | None:
    """The one outside host the project may reach: the company's own Sentry, when DK_SENTRY__DSN names it."""
    from urllib.parse import urlsplit

    dsn = os.environ.get("DK_SENTRY__DSN", "")
    return (urlsplit(dsn).hostname or "").lower() or None if dsn else None


_SENTRY_HOST = _sentry_host()


def configured(host: object) -> bool:
    """Loopback addresses, ``localhost``, an empty host (a passive bind) and Unix sockets are configured."""
    if host in (None, "", b""):
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES or (_SENTRY_HOST is not None and host.lower() == _SENTRY_HOST):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _record(call: str, family: int, address: object) -> None:
    host = address[0] if isinstance(address, tuple) and address else address
    if family == socket.AF_UNIX:
        host, allowed = str(address), True
    else:
        allowed = configured(host)
    entry = {"pid": os.getpid(), "argv": " ".join(sys.argv[:3])[:120], "call": call, "family": int(family),
             "host": host if isinstance(host, str) else repr(host), "allowed": allowed}
    with _lock, open(_LOG, "a", encoding="utf-8") as log:  # type: ignore[arg-type]  # set when installed
        log.write(json.dumps(entry) + "\n")
    if not allowed:
        raise PermissionError(f"egress guard: {call} to {host!r} is not a configured address")


def _install() -> None:
    real = socket.socket

    def wrap(name: str) -> None:
        original = getattr(real, name)

        def guarded(self: socket.socket, *args: object) -> object:
            address = args[-1] if name in ("sendto", "sendmsg") and len(args) > 1 else args[0] if args else None
            if name in ("connect", "connect_ex") or (address is not None and self.type == socket.SOCK_DGRAM):
                _record(name, self.family, address)
            return original(self, *args)

        setattr(real, name, guarded)

    for name in ("connect", "connect_ex", "sendto"):
        wrap(name)
    original_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        _record("getaddrinfo", socket.AF_INET, (host,))
        return original_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


if _LOG:
    _install()
