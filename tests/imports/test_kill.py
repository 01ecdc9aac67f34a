"""A real kill (SIGKILL) of `manage.py import_decp` in the middle of a file leaves the database as it was."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.imports.test_decp_pipeline import market

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, env, **kwargs):
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_import_leaves_database_unchanged_and_next_run_succeeds(tmp_path):
    database = tmp_path / "kill.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "SPASER_VAR_DIR": str(tmp_path / "var"),
    }
    migrate = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True
    )
    assert migrate.returncode == 0, migrate.stderr.decode()
    records = [market(id=str(index)) for index in range(12_000)]
    path = tmp_path / "gros.json"
    path.write_text(json.dumps({"marches": {"marche": records}}))

    process = manage("import_decp", str(path), env=env)
    # Wait for the progress bar to show records read, then kill the process without warning.
    buffer = b""
    deadline = time.monotonic() + 120
    while b"enregistrements" not in buffer or b" 0 enregistrements" in buffer.split(b"\r")[-1]:
        chunk = process.stderr.read1(4096)
        if not chunk or time.monotonic() > deadline:
            break
        buffer += chunk
    assert process.poll() is None, "the import ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from contracts_contract").fetchone()[0] == 0
        assert db.execute("select count(*) from suppliers_supplier").fetchone()[0] == 0
        assert db.execute("select status from imports_importrun").fetchall() == [("running",)]

    rerun = manage("import_decp", str(path), "--no-progress", env=env)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()
    assert "12000 lus = 12000 créés" in out.decode()
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from contracts_contract").fetchone()[0] == 12_000
        statuses = sorted(db.execute("select status, error from imports_importrun").fetchall())
    assert statuses[0][0] == "failed" and "interrompu" in statuses[0][1]
    assert statuses[1] == ("succeeded", "")
