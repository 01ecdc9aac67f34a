"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download does not work here: we launch /usr/bin/chromium (package `chromium`).
Every test in this folder is marked `e2e` and runs on a transactional database.
"""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import testcases

from spaser.accounts.enums import Role

CHROMIUM = os.environ.get("SPASER_CHROMIUM", "/usr/bin/chromium")
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the test itself
# (factories) are still synchronous, so Django's async-safety guard must be told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, serving one request at a time when its threads share the test's in-memory SQLite
    connection (pytest-django passes it to them). Chromium sends requests in parallel (an htmx check while a
    form is submitted): on one shared connection, their transactions and savepoints interleaved ("no such
    savepoint", seen in CI). The lock covers the whole response, streamed bodies included; requests still run
    in threads, so an idle keep-alive connection never blocks the others. On PostgreSQL each thread has its own
    connection and nothing is serialised."""

    lock = threading.Lock()

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)

        def serialised(environ, start_response):
            with self.lock:
                response = application(environ, start_response)
                try:
                    body = b"".join(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()
            return [body]

        return super().set_app(serialised)


class _LiveServerThread(testcases.LiveServerThread):
    server_class = _OneRequestAtATimeServer


# pytest-django's live server takes the class from this module when it starts.
testcases.LiveServerThread = _LiveServerThread


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        message = f"Chromium est introuvable ({CHROMIUM}) : installez-le avec « apt-get install chromium »."
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the browser tests must run, never be skipped
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.console_errors = console_errors
    yield page
    context.close()


def assert_accessible(page, *, impacts=("serious", "critical")):
    """Runs axe-core (WCAG 2.1 A/AA rules) on the current page; fails on serious or critical violations."""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    violations = [violation for violation in result["violations"] if violation["impact"] in impacts]
    summary = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
        }
        for violation in violations
    ]
    assert not violations, f"Violations d'accessibilité sur {page.url} :\n{json.dumps(summary, indent=2)}"
    return result


def login(page, email, password):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.fixture
def demo_users(settings):
    """The demo organisation and one account per role, created by the same code as `make run`."""
    from spaser.accounts.demo import DEMO_USERS, demo_data_create, demo_email

    demo_data_create()
    return {role: demo_email(local_part) for role, local_part, *_ in DEMO_USERS}


__all__ = ["assert_accessible", "login", "Role"]
