"""Load on a production-like server: gunicorn with 2 workers, a Redis cache, PostgreSQL, DEBUG off.

Pages: wrk (-t2 -c8 after a warm-up) per page and role. Saves: a Python driver with one thread and
one logged-in session per partner, posting the whole form with the CSRF token and the version the
page gave, as the browser does, while staff threads load the overview.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from apps.submissions.bench import data, formdata
from apps.submissions.bench.pages import ANONYMOUS, COORDINATOR, PAGES, STAFF, Targets, client_for
from apps.submissions.models import Submission

WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us=%d\\n", latency:percentile(95)))
  io.write(string.format("requests=%d\\n", summary.requests))
  io.write(string.format("rps=%.1f\\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("errors=%d\\n", summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


@contextlib.contextmanager
def redis_cache():
    """A Redis database claimed empty for this run (tests/redis_db.py), flushed after: never anyone else's."""
    try:
        from tests.redis_db import RedisUnavailable, claim
    except ImportError:  # an installed copy without the tests: no Redis, say so in the report
        yield None
        return
    try:
        claimed = claim(1)[0]
    except RedisUnavailable:
        yield None
        return
    try:
        yield claimed.url
    finally:
        claimed.release()


@contextlib.contextmanager
def server(*, cache_url: str | None, workers: int = 2):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
        # As production (config/settings/production.py): persistent connections, not one per request.
        "CONN_MAX_AGE": "60",
    }
    if cache_url:
        env["CACHE_URL"] = cache_url.replace("redis://", "rediscache://", 1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120"],
        env=env, cwd=settings.BASE_DIR,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _cookie(user) -> str:
    if user is None:
        return ""
    return f"sessionid={client_for(user).cookies['sessionid'].value}"


def _status(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def pages(report, targets: Targets, port: int, seconds: int, connections: int = 8) -> None:
    report.section(f"Pages under load: wrk -t2 -c{connections}, {seconds} s after 2 s of warm-up, per page and role")
    if not shutil.which("wrk"):
        report.line("wrk is not installed (apt-get install wrk): skipped")
        return
    cookies = {COORDINATOR: _cookie(targets.user_for(COORDINATOR)), STAFF: _cookie(targets.user_for(STAFF)),
               ANONYMOUS: ""}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(WRK_LUA)
    rows = []
    try:
        for page in PAGES:
            path = targets.url(page)
            cookie = cookies[page.role]
            status = _status(port, path, cookie)
            command = ["wrk", "-t2", f"-c{connections}", "-s", lua.name, "--timeout", "10s"]
            if cookie:
                command += ["-H", f"Cookie: {cookie}"]
            command.append(f"http://127.0.0.1:{port}{path}")
            subprocess.run([*command, "-d2s"], capture_output=True, check=True)
            result = subprocess.run([*command, f"-d{seconds}s"], capture_output=True, text=True, check=True).stdout
            values = dict(re.findall(r"^(\w+)=([\d.]+)$", result, re.MULTILINE))
            p95 = int(values["p95_us"]) / 1000
            errors = int(values["errors"])
            ok = p95 < 300 and errors == 0 and status < 400
            rows.append([page.label, page.role, f"`{path}`", status, f"{float(values['rps']):.1f}", f"**{p95:.0f}**",
                         errors, "met" if ok else "MISSED"])
    finally:
        Path(lua.name).unlink()
    report.line("status: of one request before the run (3xx is the page's redirect; wrk counts 4xx/5xx, "
                "socket errors and timeouts as errors).")
    report.table(["page", "role", "URL", "status", "req/s", "p95 ms", "errors", "p95 < 300 ms, 0 errors"], rows)


# -- saves ---------------------------------------------------------------------------------------


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.examples: list[str] = []

    def reset(self) -> None:
        """Forget the warm-up: what the workers did while they built their per-process caches."""
        with self.lock:
            self.latency.clear()
            self.errors.clear()
            self.examples.clear()

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.examples) < 5:
                    self.examples.append(f"{kind}: {detail}")


# Seconds of each save scenario that are not counted (the pages get 2 s of wrk each): the partners'
# first saves bring their forms to the two workers, which build each form's catalogue once.
WARM_UP_SECONDS = 5


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def _request(port, method, path, cookie, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return response.status, content, elapsed


def _partner(port, path, cookie, csrf, stop, stats, cells, think, rng) -> None:
    """One partner: open the form, then save it again and again, as the browser posts it."""
    status, content, _ = _request(port, "GET", path, cookie)
    fields = formdata.form_fields(content.decode())
    fields["csrfmiddlewaretoken"] = csrf
    names = formdata.count_fields(fields)
    step = 0
    if think:  # partners do not press "save" in the same instant: each starts somewhere in its first pause
        stop.wait(think * rng.uniform(0, 1))
    while not stop.is_set():
        step += 1
        chosen = rng.sample(names, min(cells, len(names)))
        fields = formdata.change(fields, chosen, step)
        status, content, elapsed = _request(port, "POST", path, cookie, urlencode(fields))
        stats.add("save (POST)", elapsed, status == 302,
                  f"{status} {formdata.errors(content.decode(errors='replace')) or content[:120]!r}")
        status, content, elapsed = _request(port, "GET", path, cookie)  # the redirect back to the form
        stats.add("form after the save (GET)", elapsed, status == 200, str(status))
        if status == 200:
            fields["version"] = formdata.current_version(content.decode())
        if think:
            stop.wait(think * rng.uniform(0.5, 1.5))


def _staff(port, path, cookie, stop, stats, think, rng) -> None:
    if think:
        stop.wait(think * rng.uniform(0, 1))
    while not stop.is_set():
        status, _, elapsed = _request(port, "GET", path, cookie)
        stats.add("staff overview (GET)", elapsed, status == 200, str(status))
        if think:
            stop.wait(think * rng.uniform(0.5, 1.5))


def saves(report, targets: Targets, port: int, *, partners: int, staff: int, seconds: int, cells: int,
          think: float, title: str, save_target: int, warm_up: int = WARM_UP_SECONDS) -> None:
    """Partners save their own forms (each a session of its own) while staff load the overview."""
    orgs = data.organisations(targets.sizes)
    subs = list(Submission.objects.filter(edition__year=data.OPEN_YEAR, organisation__in=orgs)
                .exclude(pk__in=[targets.long_submission, targets.short_submission])
                .select_related("organisation").order_by("organisation__slug"))
    position = {o.pk: i for i, o in enumerate(orgs)}
    subs = [s for s in subs if not data.is_short_history(position[s.organisation_id])][:partners]
    from apps.partners.models import User

    stop = threading.Event()
    stats = _Stats()
    threads = []
    for n, sub in enumerate(subs):
        user = User.objects.get(email=data.coordinator_email(position[sub.organisation_id]))
        client = client_for(user)
        client.get(reverse("submission_form", kwargs={"pk": sub.pk}))  # sets the CSRF cookie
        csrf = client.cookies["csrftoken"].value
        cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
        path = reverse("submission_form", kwargs={"pk": sub.pk})
        threads.append(threading.Thread(target=_partner, daemon=True, args=(
            port, path, cookie, csrf, stop, stats, cells, think, random.Random(n))))
    staff_cookie = _cookie(targets.user_for(STAFF))
    overview = reverse("edition_overview", kwargs={"year": data.OPEN_YEAR})
    for n in range(staff):
        threads.append(threading.Thread(target=_staff, daemon=True, args=(
            port, overview, staff_cookie, stop, stats, think, random.Random(1000 + n))))
    for t in threads:
        t.start()
    if warm_up:  # as wrk's warm-up of each page: a worker's first use of a form builds its catalogue
        time.sleep(warm_up)
        stats.reset()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=150)
    report.section(title)
    report.line(f"{len(subs)} partners (each its own logged-in session and submission, the whole form posted with "
                f"its CSRF token and version, {cells} figures changed a save), {staff} staff loading the current "
                f"edition's overview; think time {think:g} s (0.5–1.5x) between requests, each starting at a "
                f"random point of its first pause; {seconds} s after {warm_up} s of warm-up (not counted); "
                "gunicorn 2 workers. An error is any answer but the redirect after a save (409 conflict, "
                "400/200 validation error) or a 200 for a page.")
    rows = []
    for kind, values in stats.latency.items():
        target = save_target if kind == "save (POST)" else 300
        errors = stats.errors.get(kind, 0)
        p95 = _p95(values) * 1000
        rows.append([kind, len(values), f"{len(values) / seconds:.1f}", f"**{p95:.0f}**", errors,
                     f"< {target} ms, 0 errors: " + ("met" if p95 < target and not errors else "MISSED")])
    report.table(["request", "count", "per s", "p95 ms", "errors", "target"], rows)
    for example in stats.examples:
        report.line(f"- error example: {example}")
