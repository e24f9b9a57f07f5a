"""A small HTTP client for the production smoke test: real HTTP to gunicorn, as a browser behind the proxy.

Standard library only. Every request carries what the documented reverse proxy adds (Host,
X-Forwarded-Proto: https, X-Forwarded-For), so Django sees https and the Secure cookies are kept
and sent back here by hand (http.cookiejar would drop Secure cookies on a plain-http hop).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import struct
import time
from base64 import b32decode
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA1, 30 s, 6 digits), what an authenticator app computes."""
    key = b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # in document order, as a browser sends them
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, text)
    inputs: list[dict] = field(default_factory=list)  # every input/select/textarea with its attributes

    def data(self, overrides: dict[str, str] | None = None, button: str | None = None) -> list[tuple[str, str]]:
        overrides = dict(overrides or {})
        pairs = []
        for name, value in self.fields:
            if name in overrides:
                value = overrides.pop(name)
            pairs.append((name, value))
        pairs += list(overrides.items())
        if button is not None:
            pairs += [(name, value) for name, value, text in self.buttons if button in (name, value, text)][:1]
        return pairs


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: dict | None = None
        self._textarea: dict | None = None
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif form is None:
            return
        elif tag == "input" and "name" in a and "disabled" not in a:
            form.inputs.append({"tag": "input", **a})
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                if kind == "submit":
                    form.buttons.append((a["name"], a.get("value", ""), a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((a["name"], a.get("value", "on")))
            elif kind != "file":
                form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a:
            self._select = {"name": a["name"], "first": None, "chosen": None, "options": []}
            form.inputs.append({"tag": "select", **a, "options": self._select["options"]})
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["options"].append(value)
            self._select["first"] = value if self._select["first"] is None else self._select["first"]
            if "selected" in a:
                self._select["chosen"] = value
        elif tag == "textarea" and "name" in a:
            self._textarea = {"name": a["name"], "text": ""}
            form.inputs.append({"tag": "textarea", **a})
        elif tag == "button":
            self._button = [a.get("name", ""), a.get("value", ""), ""] if a.get("type", "submit") == "submit" else None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag):
        form = self.forms[-1] if self.forms else None
        if tag == "select" and self._select is not None and form is not None:
            chosen = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
            form.fields.append((self._select["name"], chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form.fields.append((self._textarea["name"], self._textarea["text"].lstrip("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None and form is not None:
            name, value, text = self._button
            form.buttons.append((name, value, " ".join(text.split())))
            self._button = None


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def forms(self) -> list[Form]:
        parser = _FormParser()
        parser.feed(self.text)
        return parser.forms

    def form(self, action_contains: str = "", button: str = "", field: str = "") -> Form:
        """The first form whose action contains `action_contains`, with that button and that field."""
        for form in self.forms():
            if (
                action_contains in (form.action or self.url)
                and (not button or any(button in (n, v, t) for n, v, t in form.buttons))
                and (not field or any(i["name"] == field for i in form.inputs))
            ):
                return form
        raise AssertionError(f"No form for {action_contains!r}/{button!r} on {self.url}:\n{self.text[:3000]}")


class Browser:
    """One user's session against gunicorn at `address`, as seen through the proxy at `public_url`."""

    def __init__(self, address: tuple[str, int], public_url: str, client_ip: str = "198.51.100.7") -> None:
        self.address = address
        self.public = urlsplit(public_url)
        self.client_ip = client_ip
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, data: list[tuple[str, str]] | None = None, referer: str = "") -> Response:
        path = urlsplit(urljoin(self.public.geturl() + "/", url))
        target = path.path + (f"?{path.query}" if path.query else "")
        headers = {
            "Host": self.public.netloc,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            "Accept": "text/html,application/json;q=0.9,*/*;q=0.8",
            "User-Agent": "mhm-smoke-test",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(data or []).encode()
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"{self.public.scheme}://{self.public.netloc}",
                "Referer": referer or f"{self.public.scheme}://{self.public.netloc}{target}",
            }
            token = self.cookies.get("csrftoken")
            if token and not any(name == "csrfmiddlewaretoken" for name, _ in data or []):
                headers["X-CSRFToken"] = token
        connection = http.client.HTTPConnection(*self.address, timeout=60)
        try:
            connection.request(method, target, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read(), f"{self.public.scheme}://{self.public.netloc}{target}")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, url: str, follow: bool = True) -> Response:
        response = self.request("GET", url)
        hops = 0
        while follow and response.status in (301, 302, 303) and hops < 10:
            response = self.request("GET", urljoin(response.url, response.location))
            hops += 1
        return response

    def submit(self, page: Response, form: Form, overrides: dict | None = None, button: str | None = None) -> Response:
        """POST the form as a browser would; follow the redirect that answers it."""
        action = urljoin(page.url, form.action) if form.action else page.url
        response = self.request("POST", action, form.data(overrides, button), referer=page.url)
        if response.status in (301, 302, 303):
            return self.get(urljoin(response.url, response.location))
        return response
