"""Production smoke test: the image's build steps, then the stack as an operator starts it.

No Docker engine is needed: docker/imitate.py builds what /app is in the image (same context,
build steps and environment as the Dockerfile) and the test runs the image's entrypoint from there,
with production settings, against a PostgreSQL database it creates and drops (mhm_smoke_<pid> on
SMOKE_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432), two Redis databases it claims empty
(REDIS_TEST_URL, tests/redis_db.py) and an SMTP sink (aiosmtpd, in this process). gunicorn, a Celery
worker and Celery beat run as separate processes; every request goes over real HTTP with the headers
of the documented reverse proxy. The journey: the first administrator from `create_admin` and her
mail, TOTP set-up with a real code, an edition opened, an invitation mailed by the worker and
accepted, figures submitted and approved, an export built by the worker and downloaded, and beat's
schedule loaded.

Without PostgreSQL, Redis or npm the tests skip with the reason; with REQUIRE_SMOKE_TESTS=1 (CI,
.ci/run) that is a failure.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet

from tests.smoke_http import Browser, totp

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_URL = "https://monitor.example.org"
ADMIN_EMAIL = "bea.beheer@var.example.org"
ADMIN_PASSWORD = "een-lang-beheerderswachtwoord-2026"
PARTNER_EMAIL = "coordinator@rotterdam.example.org"
PARTNER_PASSWORD = "een-lang-partnerwachtwoord-2026"
YEAR = 2031  # far from the demo's years and from anything a real edition uses
START_TIMEOUT = 180


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_SMOKE_TESTS") == "1":
        pytest.fail(f"Productie-rooktest vereist (REQUIRE_SMOKE_TESTS=1): {reason}")
    pytest.skip(f"Productie-rooktest overgeslagen: {reason} (REQUIRE_SMOKE_TESTS=1 maakt dit een fout).")


def _imitate():
    spec = importlib.util.spec_from_file_location("imitate", ROOT / "docker" / "imitate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def image_tree(tmp_path_factory):
    """What /app is in the image, built by the Dockerfile's own steps with only its environment."""
    if reuse := os.environ.get("SMOKE_IMAGE_DIR"):  # iterate on the journey without rebuilding
        return Path(reuse)
    if shutil.which("npm") is None:
        _unavailable("npm ontbreekt (de assets-stap van het image draait npm ci)")
    tree = tmp_path_factory.mktemp("image") / "app"
    _imitate().build(tree)
    return tree


def test_it_runs_the_image_build_steps_with_only_the_dockerfile_environment(image_tree):
    manifest = json.loads((image_tree / "staticfiles" / "staticfiles.json").read_text())

    assert "vendor/bootstrap/css/bootstrap.min.css" in manifest["paths"]
    assert (image_tree / "staticfiles" / manifest["paths"]["vendor/bootstrap/css/bootstrap.min.css"]).exists()
    assert not (image_tree / ".env").exists()  # .dockerignore keeps secrets out of the context


def test_it_starts_gunicorn_with_its_config_without_a_control_socket_error(tmp_path):
    """gunicorn >= 25.1 wants $HOME/.gunicorn; the image's home is read-only (here: one nothing can be made in)."""
    (tmp_path / "hello.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "XDG_"))}
    env |= {"HOME": "/proc/self", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:config.gunicorn", "--chdir", str(tmp_path), "hello:application"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                    assert sock.recv(100).startswith(b"HTTP/1.0 200")
                    break
            except ConnectionRefusedError:
                time.sleep(0.2)
        time.sleep(1)  # the control server starts beside the first worker
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]

    assert "Listening at: http://127.0.0.1:" in output
    assert "Control server error" not in output, output


# --- the services ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def database_url():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        _unavailable("psycopg ontbreekt")
    server = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    name = f"mhm_smoke_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        _unavailable(f"geen PostgreSQL op {server} ({error})")
    with admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            pytest.fail(f"Database {name} bestaat al; de rooktest gebruikt alleen een database die hij zelf maakt.")
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_urls():
    """(cache, broker): two empty Redis databases claimed for the run, as production keeps them apart."""
    from tests.redis_db import RedisUnavailable, claim

    try:
        cache, broker = claim(2)
    except RedisUnavailable as error:
        _unavailable(str(error))
    try:
        yield cache.url, broker.url
    finally:
        cache.release()
        broker.release()


class Sink:
    """An SMTP server in this process that keeps every message (aiosmtpd)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, to: str, subject: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in message["To"] and subject in message["Subject"]:
                    return message.get_body(("plain",)).get_content()
            time.sleep(0.2)
        raise AssertionError(f"No mail to {to} about {subject!r}; got {[(m['To'], m['Subject']) for m in self.messages]}")


@pytest.fixture(scope="module")
def smtp_sink():
    sink = Sink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


def _dotenv(path: Path, **values: str) -> dict[str, str]:
    """.env.example as an operator fills it in: every key it lists, with these values for the placeholders."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    unknown = set(values) - set(found)
    assert not unknown, f".env.example does not document {sorted(unknown)}"
    found |= values
    placeholders = [key for key, value in found.items() if "CHANGE_ME" in value]
    assert not placeholders, f"still CHANGE_ME: {placeholders}"
    return found


class Stack:
    def __init__(self, tree: Path, env: dict[str, str], logs: Path, port: int) -> None:
        self.tree, self.env, self.logs, self.port = tree, env, logs, port
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")
        self.processes[name] = subprocess.Popen(
            [str(self.tree / "docker" / "entrypoint.sh"), *args], cwd=self.tree, env=self.env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
        """Like `docker compose exec web ...`: the entrypoint runs anything else as given."""
        return subprocess.run(
            [str(self.tree / "docker" / "entrypoint.sh"), *args], cwd=self.tree, env=self.env, input=stdin,
            capture_output=True, text=True, timeout=300,
        )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)[-4000:]}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def stack(image_tree, database_url, redis_urls, smtp_sink, tmp_path_factory):
    state = tmp_path_factory.mktemp("state")
    cache_url, broker_url = redis_urls
    port = _free_port()
    settings = _dotenv(
        ROOT / ".env.example",
        SECRET_KEY=f"smoke-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        ALLOWED_HOSTS=urlsplit(PUBLIC_URL).netloc,
        CSRF_TRUSTED_ORIGINS=PUBLIC_URL,
        SITE_URL=PUBLIC_URL,
        POSTGRES_PASSWORD="not-used-outside-compose",
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        CELERY_BROKER_URL=broker_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_sink.port),
        EMAIL_USE_TLS="False",
        ADMINS="Beheer VAR <beheer@var.example.org>",
        MFA_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        GUNICORN_WORKERS="2",
    )
    env = _imitate().image_env(image_tree)
    env |= settings | {
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "CELERY_BEAT_SCHEDULE_FILE": str(state / "celerybeat-schedule"),
        "CELERY_BEAT_HEARTBEAT_FILE": str(state / "celerybeat-heartbeat"),
        # The image's volume for built export files, shared by web and worker as in compose.
        "MEDIA_ROOT": str(state / "media"),
        # The app user's home in the image (/app) is not writable; a home nothing can be created in.
        "HOME": "/proc/self",
    }
    running = Stack(image_tree, env, state, port)
    started = time.monotonic()
    try:
        # As compose: migrate first (one-shot), then web, worker and beat.
        migrate = running.run("migrate")
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        running.start("web", "web")
        running.start("worker", "worker", "--concurrency", "2")
        running.start("beat", "beat")
        browser = Browser(("127.0.0.1", port), PUBLIC_URL)
        health = None
        while time.monotonic() - started < START_TIMEOUT:
            running.check_alive()
            try:
                health = browser.request("GET", "/healthz/?format=json")
                if health.status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert health is not None and health.status == 200, f"/healthz/ never 200: {health and health.text}"
        running.started_in = time.monotonic() - started
        yield running
    finally:
        running.stop()
        for name in running.processes:
            sys.stdout.write(f"\n----- {name} log (tail) -----\n{running.log(name)[-3000:]}\n")


# --- the journey ----------------------------------------------------------------------------------


def _path(link: str) -> str:
    assert link.startswith(PUBLIC_URL + "/"), link  # SITE_URL, not localhost
    return link[len(PUBLIC_URL) :]


def _link_in(body: str) -> str:
    return next(line.strip() for line in body.splitlines() if "/accounts/password/reset/key/" in line)


def _set_password(browser: Browser, link: str, password: str) -> None:
    page = browser.get(_path(link))
    assert page.status == 200 and "password1" in page.text, page.text[:2000]
    done = browser.submit(page, page.form(field="password1"), {"password1": password, "password2": password})
    assert done.status == 200, done.text[:2000]


def _log_in(browser: Browser, email: str, password: str):
    page = browser.get("/accounts/login/")
    return browser.submit(page, page.form(field="login"), {"login": email, "password": password})


def test_it_runs_the_whole_journey_in_production(stack, smtp_sink):
    started = time.monotonic()
    admin = Browser(("127.0.0.1", stack.port), PUBLIC_URL, client_ip="198.51.100.10")
    health = admin.request("GET", "/healthz/?format=json")
    assert health.status == 200
    assert set(health.headers.get("Content-Type").split(";")[:1]) == {"application/json"}
    assert sorted(json.loads(health.body)) == ["Broker()", "Cache(alias='default')", "Database(alias='default')", "Worker()"]
    assert "Control server error" not in stack.log("web")

    # 1. The first administrator, as the docs say: create_admin mails her a set-password link.
    created = stack.run("python", "manage.py", "create_admin", ADMIN_EMAIL, "--name", "Bea Beheer")
    assert created.returncode == 0, created.stdout + created.stderr
    _set_password(admin, _link_in(smtp_sink.wait_for(ADMIN_EMAIL, "stel uw wachtwoord in")), ADMIN_PASSWORD)

    # 2. She logs in; staff must set up TOTP first, and allauth asks for her password once more.
    page = _log_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert "/accounts/reauthenticate/" in page.url, page.url
    page = admin.submit(page, page.form(field="password"), {"password": ADMIN_PASSWORD})
    assert page.url.endswith("/accounts/2fa/totp/activate/"), page.url
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"|value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', page.text)
    assert secret, page.text[:3000]
    secret = secret.group(1) or secret.group(2)
    page = admin.submit(page, page.form(field="code"), {"code": totp(secret)})
    assert page.status == 200 and "/accounts/2fa/totp/activate/" not in page.url, page.text[:3000]
    assert admin.get("/beheer/").status == 200  # no longer sent to the TOTP set-up

    # 3. She creates and opens an edition.
    page = admin.get("/beheer/edities/")
    page = admin.submit(page, page.form(field="year"), {"year": str(YEAR), "opens_on": f"{YEAR}-01-15", "deadline": f"{YEAR}-03-31"})
    assert page.status == 200 and str(YEAR) in page.text, page.text[:3000]
    page = admin.get(f"/beheer/edities/{YEAR}/openen/")  # opening asks for a confirmation first
    page = admin.submit(page, page.form(f"/beheer/edities/{YEAR}/openen/"))
    assert page.status == 200, page.text[:3000]

    # 4. She invites a coordinator of Rotterdam; the worker mails the invitation.
    page = admin.get("/beheer/uitnodigen/")
    form = page.form(field="email")
    options = dict((label.strip(), value) for value, label in re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)<', page.text))
    rotterdam = next(value for label, value in options.items() if re.search(r"\bRotterdam$", label) and "RIEC" not in label)
    page = admin.submit(page, form, {"email": PARTNER_EMAIL, "name": "Carla Coördinator", "organisation": rotterdam, "role": "coordinator"})
    assert page.status == 200, page.text[:3000]
    partner = Browser(("127.0.0.1", stack.port), PUBLIC_URL, client_ip="198.51.100.20")
    _set_password(partner, _link_in(smtp_sink.wait_for(PARTNER_EMAIL, "Uitnodiging")), PARTNER_PASSWORD)

    # 5. She logs in, fills in her form and submits it.
    page = _log_in(partner, PARTNER_EMAIL, PARTNER_PASSWORD)
    assert page.status == 200
    submission = re.search(r'href="(/aanleveringen/(\d+)/)"', page.text)
    assert submission, page.text[:3000]
    form_url, submission_id = submission.group(1), submission.group(2)
    page = partner.get(form_url)
    form = page.form(form_url, button="Opslaan als concept")
    numbers = {i["name"]: "0" for i in form.inputs if i.get("type") == "number" or i["name"].startswith("v-")}
    building_sites = [name for name in numbers if name.startswith("v-") and "-bouwplaatsen-" in name]
    assert len(building_sites) == 1, building_sites
    numbers[building_sites[0]] = "7"  # the one figure the export must show
    page = partner.submit(page, form, numbers, button="Opslaan als concept")
    assert "Opgeslagen als concept" in page.text, page.text[:3000]
    page = partner.get(f"/aanleveringen/{submission_id}/indienen/")
    page = partner.submit(page, page.form(f"/aanleveringen/{submission_id}/indienen/"), button="Ja, definitief indienen")
    assert "Ingediend" in page.text, page.text[:3000]

    # 6. The administrator approves it.
    page = admin.get(f"/beheer/aanleveringen/{submission_id}/")
    page = admin.submit(page, page.form(button="Goedkeuren en vergrendelen"), button="Goedkeuren en vergrendelen")
    assert "Gelukt" in page.text, page.text[:3000]

    # 7. She has the worker build the internal workbook, waits for it and downloads it.
    page = admin.get(f"/monitor/{YEAR}/")
    page = admin.submit(page, page.form(f"/monitor/{YEAR}/export/internal/"))
    # The build lands on the file's own page (a CachedFile row): /monitor/<year>/export/internal/<id>/.
    match = re.search(rf"/monitor/{YEAR}/export/internal/(\d+)/", page.url)
    assert match, (page.url, page.text[:2000])
    file_url = match.group(0)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = admin.request("GET", f"{file_url}voortgang/")
        assert progress.status == 200, progress.text[:2000]
        if json.loads(progress.body)["state"] == "ready":
            break
        stack.check_alive()
        time.sleep(0.5)
    download = admin.request("GET", f"{file_url}downloaden/")
    assert download.status == 200, download.text[:2000]
    assert "spreadsheetml" in download.headers["Content-Type"]
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(download.body), read_only=True)
    rows = {row[0]: row[1:] for row in workbook["Gemeenten"].iter_rows(values_only=True) if row and row[0]}
    assert rows["Controles op bouwplaatsen"][0] == 7  # her approved figure, regional total
    assert rows["Dossiers naar NLA"][0] == 0  # 0 stays 0, not blank

    # 8. Beat loaded the schedule with the daily reminder job, and ticks.
    beat = json.loads(Path(stack.env["CELERY_BEAT_HEARTBEAT_FILE"]).read_text())
    assert beat["entries"]["deadline-reminders"] == "apps.submissions.tasks.send_deadline_reminders"
    assert time.time() - beat["time"] < 120
    assert "beat: Starting..." in stack.log("beat")

    for name in ("web", "worker", "beat"):
        assert "Traceback" not in stack.log(name), stack.log(name)[-4000:]
    sys.stdout.write(f"\nsmoke: stack up in {stack.started_in:.0f} s, journey {time.monotonic() - started:.0f} s\n")


def _compose_healthcheck(service: str, stack: Stack) -> list[str]:
    """The health check command of a compose service, as this stack's paths and port make it."""
    import yaml

    test = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]["healthcheck"]["test"]
    def local(word: str) -> str:
        word = word.replace("/tmp/celerybeat-heartbeat", stack.env["CELERY_BEAT_HEARTBEAT_FILE"])
        return word.replace("127.0.0.1:8000", f"127.0.0.1:{stack.port}").replace("$$", "$")

    if test[0] == "CMD-SHELL":
        return ["sh", "-c", local(test[1])]
    assert test[0] == "CMD", test
    return [local(word) for word in test[1:]]


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
def test_it_passes_the_compose_health_checks(stack, service):
    env = stack.env | {"HOSTNAME": socket.gethostname()}
    result = subprocess.run(
        [str(stack.tree / "docker" / "entrypoint.sh"), *_compose_healthcheck(service, stack)],
        cwd=stack.tree, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr

