"""The README's first command on a fresh clone: it installs, prints accounts and serves.

The repository's committed HEAD is cloned into a temporary folder and the command from the
README's "Quick start" runs there exactly as written, plus `--port` with a free port. The
test waits for `/`, signs in through the real login form with a printed account and stops
the process group as Ctrl+C would.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# A first install into a fresh .venv (pip's cache warm) takes a minute or two on a busy box.
START_TIMEOUT = 600


def readme_first_command() -> str:
    """The first command of the README's Quick start block, without its comment."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's Quick start has no ```sh block"
    first = block.group(1).strip().splitlines()[0]
    return first.split("#", 1)[0].strip()


def committed_clone(target: Path) -> Path:
    """A clone of the commit this test file belongs to (HEAD of its repository)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing to clone")
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "checkout", "--quiet", head], check=True)
    return target


class Output:
    """Collects the lines a process prints, in a thread, so the test can wait for them."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
        self.closed.set()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def wait_for_home(url: str, process: subprocess.Popen, output: Output) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.closed.wait(5)
            pytest.fail(
                f"the command exited with {process.returncode} without serving:\n{output.text}"
            )
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {START_TIMEOUT} s:\n{output.text}")


def printed_accounts(text: str) -> dict[str, tuple[str, str]]:
    """role -> (email, password) from the "Demo accounts" lines."""
    found = re.findall(r"^\s+(member|coordinator)\s+(\S+@\S+)\s+(\S+)\s*$", text, re.M)
    return {role: (email, password) for role, email, password in found}


def sign_in(base: str, email: str, password: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert token, "the login form has no CSRF token"
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": token.group(1), "email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return browser


def test_readme_first_command_serves_the_demo_on_a_fresh_clone(tmp_path):
    command = readme_first_command()
    assert command == "scripts/demo"
    clone = committed_clone(tmp_path / "clone")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "VIRTUAL_ENV", "PYTHON"))
    }
    process = subprocess.Popen(
        [*shlex.split(command), "--port", str(port)],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(process.stdout)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_home(f"{base}/", process, output)
        assert f"Serving on {base}/" in output.text
        accounts = printed_accounts(output.text)
        assert set(accounts) == {"coordinator", "member"}, output.text

        email, password = accounts["member"]
        browser = sign_in(base, email, password)
        account = browser.get(f"{base}/account", allow_redirects=False, timeout=10)
        assert account.status_code == 200
        assert email in account.text
        # SITE_URL follows the port: the personal calendar link points at what is served.
        assert f'value="{base}/agenda/persoonlijk/' in account.text
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"Ctrl+C did not stop the demo:\n{output.text}")
    output.closed.wait(10)
    process.stdout.close()
    assert process.returncode == 0, output.text
    assert "Traceback" not in output.text, output.text
