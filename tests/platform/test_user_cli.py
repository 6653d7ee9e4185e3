"""Issue 12 item 15: the `hearthwatch user` commands as a self-hoster types them, the README's
production steps as written, help texts with defaults, and `privacy close-account` by
address. The password prompt is driven through a pseudo-terminal, as a person would."""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from hearthwatch.cli import build_parser
from hearthwatch.context import build_context
from hearthwatch.settings import Settings
from tests.conftest import STRONG_PASSWORD

CLI = str(Path(sys.executable).with_name("hearthwatch"))
README = Path(__file__).parents[2] / "README.md"
OTHER_PASSWORD = "violet-harbour-lantern-93"


class Terminal:
    """A command run on a pseudo-terminal: read what it prints, type answers."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        os.close(slave)
        self.seen = ""
        self.read_to = 0  # what `expect` has matched so far

    def expect(self, text: str, timeout: float = 60) -> None:
        """Wait for `text` to appear after what the last call matched."""
        while text not in self.seen[self.read_to :]:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"waited for {text!r}; the terminal shows:\n{self.seen}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the command ended and closed the terminal
                chunk = b""
            assert chunk, f"ended before {text!r}; the terminal shows:\n{self.seen}"
            self.seen += chunk.decode(errors="replace")
        self.read_to = self.seen.index(text, self.read_to) + len(text)

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def finish(self) -> int:
        code = self.process.wait(timeout=60)
        while select.select([self.master], [], [], 0.1)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.decode(errors="replace")
        os.close(self.master)
        return code


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HEARTHWATCH_DATA_DIR": str(tmp_path / "data"),
        "HEARTHWATCH_ARGON2_MEMORY_KIB": "1024",
    }


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def create_on_terminal(env: dict[str, str], email: str) -> Terminal:
    terminal = Terminal([CLI, "user", "create", "--email", email], env)
    terminal.expect("New password:")
    terminal.type("password")  # refused as sign-up would refuse it, then asked again
    terminal.expect("Use at least 10 characters.")
    terminal.expect("New password:")
    assert "password\r" not in terminal.seen.split("New password:")[1]  # not echoed
    terminal.type(STRONG_PASSWORD)
    terminal.expect("Repeat it:")
    terminal.type(STRONG_PASSWORD + "x")
    terminal.expect("The two passwords differ.")
    terminal.expect("New password:")
    terminal.type(STRONG_PASSWORD)
    terminal.expect("Repeat it:")
    terminal.type(STRONG_PASSWORD)
    return terminal


def test_issue12_item15_user_create_asks_for_the_password_twice_on_a_terminal(
    env: dict[str, str],
) -> None:
    terminal = create_on_terminal(env, "you@example.org")
    assert terminal.finish() == 0, terminal.seen
    # Issue 12 item 18: the operator typed the address; it is printed back whole.
    assert "created you@example.org (" in terminal.seen
    assert STRONG_PASSWORD not in terminal.seen
    listed = run(env, "user", "list")
    assert "y***@e***.org" in listed.stdout and "active" in listed.stdout


def test_issue12_item15_without_a_terminal_the_password_comes_from_stdin(
    env: dict[str, str],
) -> None:
    asked = subprocess.run(
        [CLI, "user", "create", "--email", "ops@example.org"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # no controlling terminal either
    )
    assert asked.returncode == 2 and "--password-stdin" in asked.stderr
    weak = run(env, "user", "create", "--email", "ops@example.org", "--password-stdin", stdin="x\n")
    assert weak.returncode == 1 and "auth.weak_password" in weak.stderr
    made = run(
        env, "user", "create", "--email", "ops@example.org", "--password-stdin",
        stdin=STRONG_PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0 and "created ops@example.org" in made.stdout


def test_issue12_item15_list_reset_password_close_and_delete_by_address(
    env: dict[str, str], tmp_path: Path
) -> None:
    for email in ("ada@example.org", "bo@example.org"):
        created = run(env, "user", "create", "--email", email, "--password-stdin",
                      stdin=STRONG_PASSWORD + "\n")  # fmt: skip
        assert created.returncode == 0, created.stderr
    listed = run(env, "user", "list")
    assert listed.returncode == 0 and "2 accounts" in listed.stdout
    assert "ada@example.org" not in listed.stdout  # others' addresses are masked (P45)
    one = run(env, "user", "list", "--email", "ADA@example.org")
    assert "1 account\n" in one.stdout and "a***@e***.org" in one.stdout
    ada_id = re.search(r"^([0-9a-f]{32})\s", one.stdout, re.M).group(1)  # type: ignore[union-attr]

    reset = run(env, "user", "reset-password", "--account", ada_id, "--password-stdin",
                stdin=OTHER_PASSWORD + "\n")  # fmt: skip
    assert reset.returncode == 0 and "ada@example.org" in reset.stdout
    settings = Settings(data_dir=Path(env["HEARTHWATCH_DATA_DIR"]))
    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            from hearthwatch.accounts.admin_cli import find_account

            ada = find_account(db, email="ada@example.org")
            assert ctx.passwords.verify(ada.password_hash, OTHER_PASSWORD)
    finally:
        ctx.close()

    closed = run(env, "privacy", "close-account", "--email", "bo@example.org")
    assert closed.returncode == 0 and "closed at" in closed.stdout, closed.stderr
    assert "closed" in run(env, "user", "list", "--email", "bo@example.org").stdout

    unknown = run(env, "user", "delete", "--email", "nobody@example.org", "--yes")
    assert unknown.returncode == 1 and "account.not_found" in unknown.stderr
    unconfirmed = run(env, "user", "delete", "--email", "ada@example.org")  # no terminal
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    deleted = run(env, "user", "delete", "--email", "ada@example.org", "--yes")
    assert deleted.returncode == 0 and "deleted ada@example.org" in deleted.stdout
    assert "1 account\n" in run(env, "user", "list").stdout


def test_issue12_item15_delete_asks_to_type_the_address_on_a_terminal(
    env: dict[str, str],
) -> None:
    run(env, "user", "create", "--email", "cy@example.org", "--password-stdin",
        stdin=STRONG_PASSWORD + "\n")  # fmt: skip
    wrong = Terminal([CLI, "user", "delete", "--email", "cy@example.org"], env)
    wrong.expect("Type the address to confirm:")
    wrong.type("cy@example.com")
    assert wrong.finish() == 1 and "Not deleted" in wrong.seen
    right = Terminal([CLI, "user", "delete", "--email", "cy@example.org"], env)
    right.expect("Type the address to confirm:")
    right.type("cy@example.org")
    assert right.finish() == 0 and "deleted cy@example.org" in right.seen


def _options(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, argparse.Action]]:
    found: list[tuple[str, argparse.Action]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _options(child, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_issue12_item15_every_option_has_a_help_text_and_shows_its_default() -> None:
    options = _options(build_parser(), "hearthwatch")
    assert len(options) > 50
    missing = [(path, a.dest) for path, a in options if not a.help]
    assert missing == []
    help_text = " ".join(run(dict(os.environ), "serve", "--help").stdout.split())
    assert "(default: 127.0.0.1)" in help_text and "(default: 8080)" in help_text
    assert "(default: None)" not in help_text and "(default: False)" not in help_text


def _readme_production_steps() -> tuple[dict[str, str], list[list[str]]]:
    """The `export` variables and `hearthwatch` commands of "Running it for real"."""
    text = README.read_text()
    block = text.split("## Running it for real", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    variables: dict[str, str] = {}
    commands: list[list[str]] = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            variables.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
        elif words[:1] == ["hearthwatch"]:
            commands.append(words)
    return variables, commands


def test_issue12_item15_the_readme_production_steps_work_as_written(
    env: dict[str, str], tmp_path: Path
) -> None:
    variables, commands = _readme_production_steps()
    assert [c[:2] for c in commands] == [
        ["hearthwatch", "migrate"],
        ["hearthwatch", "user"],
        ["hearthwatch", "serve"],
    ]
    # Its paths point at this test's folder; everything else is taken as written.
    variables["HEARTHWATCH_DATA_DIR"] = env["HEARTHWATCH_DATA_DIR"]
    production = {**env, **variables}
    migrate, create, _serve = commands
    migrated = run(production, *migrate[1:])
    assert migrated.returncode == 0, migrated.stderr
    assert create == ["hearthwatch", "user", "create", "--email", "you@example.org"]
    terminal = create_on_terminal(production, "you@example.org")
    assert terminal.finish() == 0, terminal.seen
    assert "created you@example.org" in terminal.seen
