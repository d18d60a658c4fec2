"""Trusted hosts: a request whose Host header names another site is refused.

Without the check, a page on an outside site can rebind its own DNS name to
this server's address and read it through a colleague's browser (the browser
sends ``Host: evil.example``), and feed links would point at whatever host a
request named.  The hosts are derived from the address the server listens on,
plus the public URL a reverse proxy serves it under.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import BadRequest

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class UnknownHost(BadRequest):
    description = "请求的主机名不在本服务的受信任列表中。请使用管理员提供的地址访问。"


def trusted_hosts(bind: str, public_url: str | None = None) -> list[str]:
    """The host names a server listening on ``bind`` answers to (without ports)."""
    hosts = list(LOOPBACK_HOSTS)
    if bind in ("0.0.0.0", "::", ""):
        hosts += _own_names()
    elif not _is_loopback(bind):
        hosts.append(bind)
        hosts += [n for n in _names_of(bind) if n not in hosts]
    if public_url:
        name = urlsplit(public_url).hostname
        if name:
            hosts.append(name)
    return list(dict.fromkeys(h.lower() for h in hosts))


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def _own_names() -> list[str]:
    """This machine's names and addresses (what a colleague may type to reach a 0.0.0.0 server)."""
    names = [socket.gethostname(), socket.getfqdn()]
    try:
        names += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    try:
        names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    except OSError:
        pass
    return [n for n in names if n]


def _names_of(address: str) -> list[str]:
    try:
        name, aliases, _ = socket.gethostbyaddr(address)
    except OSError:
        return []
    return [name, *aliases]


_HOST_NAME = re.compile(r"[a-z0-9._-]+|[0-9a-f:]+")


def request_host_name() -> str:
    """The Host header's name part, lower case, without the port ([::1]:8000 -> ::1)."""
    host = request.headers.get("Host", "").strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name if rest == "" or (rest.startswith(":") and rest[1:].isdigit()) else ""
    name, port = (host.rpartition(":")[0], host.rpartition(":")[2]) if host.count(":") == 1 else (host, "")
    # "127.0.0.1:80@evil.example" has no port: a name is letters, digits, dots and hyphens, a port digits
    if (host.count(":") == 1 and not port.isdigit()) or not _HOST_NAME.fullmatch(name or "-"):
        return ""
    return name


def check_host() -> None:
    """Before each request: refuse a Host header that names another site."""
    allowed = current_app.config["TRUSTED_HOST_NAMES"]
    if "*" not in allowed and request_host_name() not in allowed:
        raise UnknownHost()


def init_app(app) -> None:
    """Refuse requests whose Host is not a trusted name (loopback names by default)."""
    app.config.setdefault("TRUSTED_HOST_NAMES", list(LOOPBACK_HOSTS))
    app.before_request(check_host)
