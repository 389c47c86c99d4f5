"""Who may use single-user local mode: this machine, addressed by a loopback name, not a web page.

Local mode makes every caller an admin, so a request counts as local only when

- its client address is loopback. The address is the TCP peer; ``X-Forwarded-For`` and
  ``Forwarded`` are read only when the peer is one of ``TUTOR_TRUSTED_PROXIES`` (both alike, and
  when both are sent they must agree). From any other peer they make the caller unknown: a
  proxy we were not told of may be relaying the whole network.
- its ``Host`` is ``localhost``, ``127.0.0.1`` or ``[::1]`` (any port), so a web page that
  rebinds its own DNS name to 127.0.0.1 is refused;
- it is not a browser write from another site: a non-GET request with
  ``Sec-Fetch-Site: cross-site`` or an ``Origin`` that is not a loopback origin is refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.requests import Request

from tutor.errors import ForbiddenError, UnauthorizedError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: str | None, proxies: Sequence[Network]) -> bool:
    ip = _ip(address) if address else None
    return ip is not None and any(ip in network for network in proxies)


def _forwarded_for(value: str) -> list[str]:
    """The ``for=`` addresses of a ``Forwarded`` header (RFC 7239), nearest proxy last."""
    found = []
    for element in value.split(","):
        for pair in element.split(";"):
            name, _, raw = pair.strip().partition("=")
            if name.strip().lower() == "for":
                node = raw.strip().strip('"')
                if node.startswith("["):
                    node = node[1 : node.find("]")] if "]" in node else node
                elif node.count(":") == 1:
                    node = node.partition(":")[0]  # an IPv4 address with a port
                found.append(node)
    return found


def _client_from(chain: list[str], proxies: Sequence[Network]) -> str | None:
    """The first address from the right that is not a trusted proxy (proxies append)."""
    for address in reversed(chain):
        if _ip(address) is None:
            return None  # "unknown", an obfuscated name: not an address we can check
        if not _trusted(address, proxies):
            return address
    return chain[0] if chain else None


def client_address(request: Request, proxies: Sequence[Network]) -> str | None:
    """The caller's address, or None when it cannot be told (see the module docstring)."""
    peer = request.client.host if request.client else None
    chains = []
    if "x-forwarded-for" in request.headers:
        xff = ",".join(request.headers.getlist("x-forwarded-for"))
        chains.append([part.strip() for part in xff.split(",") if part.strip()])
    if "forwarded" in request.headers:
        chains.append(_forwarded_for(",".join(request.headers.getlist("forwarded"))))
    if not chains:
        return peer
    if not _trusted(peer, proxies):
        return None
    clients = {_client_from(chain, proxies) for chain in chains}
    return clients.pop() if len(clients) == 1 else None


def _host_name(host: str) -> str | None:
    """``host`` of a ``Host`` header ``host[:port]`` (brackets dropped), None if malformed."""
    if host.startswith("["):
        name, bracket, port = host[1:].partition("]")
        port = port.removeprefix(":") if bracket and port.startswith(":") else port
    else:
        name, _, port = host.partition(":")
    return name.lower() if not port or port.isdigit() else None


def check_local(request: Request, proxies: Sequence[Network], refusal: str) -> None:
    """Raise unless ``request`` may use local mode; ``refusal`` explains how to get a key."""
    address = client_address(request, proxies)
    if address is None:
        raise UnauthorizedError(
            "this request came through a proxy that is not in TUTOR_TRUSTED_PROXIES (it sent "
            f"X-Forwarded-For or Forwarded), so its caller is unknown; {refusal}"
        )
    if not is_loopback(address):
        raise UnauthorizedError(refusal)
    host = request.headers.get("host", "")
    if _host_name(host) not in LOOPBACK_NAMES:
        raise ForbiddenError(
            f"in single-user local mode the service answers only requests for localhost, "
            f"127.0.0.1 or [::1], not Host {host!r} (a web page may have rebound its name to "
            "this machine); use http://127.0.0.1 or create an API key"
        )
    if request.method not in SAFE_METHODS and _cross_site(request):
        raise ForbiddenError(
            "in single-user local mode the service refuses writes from another web site "
            "(Origin or Sec-Fetch-Site says cross-site); use the page the service serves"
        )


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser's cross-origin request
    try:
        parts = urlsplit(origin)
        name = parts.hostname
    except ValueError:
        return True
    return parts.scheme not in ("http", "https") or (name or "") not in LOOPBACK_NAMES
