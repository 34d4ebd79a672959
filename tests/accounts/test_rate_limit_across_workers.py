"""Log-in limits hold across worker processes when they share Redis (DESIGN: nothing may assume one process)."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import flask_migrate
import pytest

from greensmile import create_app
from greensmile.extensions import db
from tests.dbutil import scratch_database
from tests.factories import PASSWORD, make_user

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_worker(port: int, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:  # not listening yet, or the worker still booting (a read timeout)
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def _attempt(opener, base: str, password: str) -> int:
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "login": "worker@example.com", "password": password})
    try:
        with opener.open(base + "/login", form.encode()) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.own_app
def test_failed_logins_are_counted_across_two_worker_processes(database_url, tmp_path):
    if not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    with scratch_database(database_url, "workers", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade()
            make_user(email="worker@example.com")
            db.session.commit()
            db.engine.dispose()

        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": "shared-secret-key-for-both-workers-0123456789",
            "INSTANCE_DIR": str(tmp_path),
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this run's counters only
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "256",
        }
        ports = [_free_port(), _free_port()]
        workers = [_start_worker(port, env) for port in ports]
        try:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            # five wrong passwords, alternating between the two processes
            assert [_attempt(opener, bases[n % 2], "wrong-guess") for n in range(5)] == [200] * 5
            # the sixth try is refused by either process, even with the right password
            assert _attempt(opener, bases[1], PASSWORD) == 429
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=10)
