"""README.md is documentation users copy from: its commands and its Python example must keep working."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from tkgmem.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def tkgmem_lines() -> list[list[str]]:
    """Every `tkgmem ...` command in the README's bash blocks, as argv without the program name."""
    found = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("tkgmem "):
                found.append(shlex.split(line)[1:])
    return found


def resolve(argv: list[str]) -> tuple[click.Command, list[str]]:
    """The (sub)command an argv names, and the arguments left for it."""
    command: click.Command = cli
    while isinstance(command, click.Group) and argv and not argv[0].startswith("-"):
        sub = command.get_command(click.Context(command), argv[0])
        assert sub is not None, f"README uses `tkgmem ... {argv[0]}`, which is not a command"
        command, argv = sub, argv[1:]
    return command, argv


def test_readme_shows_commands() -> None:
    assert len(tkgmem_lines()) >= 10


@pytest.mark.parametrize("argv", tkgmem_lines(), ids=lambda a: " ".join(a)[:60])
def test_every_readme_command_and_flag_exists(argv: list[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    command, rest = resolve(argv)
    # Input files named in the examples must exist for parsing; make empty ones (cwd two levels down, so
    # `../shared/...` stays inside tmp_path).
    cwd = tmp_path / "a" / "b"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    for arg in rest:
        if not arg.startswith("-") and re.search(r"\.(jsonl?|md|csv)$", arg):
            (cwd / arg).parent.mkdir(parents=True, exist_ok=True)
            (cwd / arg).touch()
    flags = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    used = {arg.split("=", 1)[0] for arg in rest if arg.startswith("-")}
    assert used <= flags, f"`tkgmem {' '.join(argv)}` uses {sorted(used - flags)}, unknown to {command.name}"
    # Parsing must succeed too (arguments, choices, types); nothing is run.
    command.make_context(command.name or "tkgmem", list(rest), resilient_parsing=False)


@pytest.mark.models
def test_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = blocks("python")
    # The example ingests chat.jsonl: give it the bundled demo dialogue.
    (tmp_path / "chat.jsonl").write_bytes((ROOT / "tkgmem" / "demo" / "dialogue.jsonl").read_bytes())
    monkeypatch.chdir(tmp_path)
    lines = example.strip().splitlines()
    namespace: dict[str, object] = {}
    exec(compile("\n".join(lines[:-2]), "README.md", "exec"), namespace)
    timeline = eval(lines[-2], namespace)
    answer = eval(lines[-1], namespace)
    # Replayed at each turn's own time, the memory of mid-2021 knows Lisbon and not yet Berlin.
    assert any("Lisbon" in str(item) for item in timeline)
    assert not any("Berlin" in str(item) for item in timeline)
    assert "Orbital" in str(answer)
