"""The `tkgmem` command line end to end, through click's runner on a real SQLite store (models loaded)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tkgmem.cli.main import cli

pytestmark = pytest.mark.models


def run(*argv: str) -> Result:
    result = CliRunner().invoke(cli, list(argv), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    return url, run("demo", "--store", url).output


def table_row(output: str, valid_at: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(f"true on {valid_at}"))
    return line.split()[3:]


def test_demo_table_separates_world_time_from_belief_time(demo_store: tuple[str, str]) -> None:
    _, out = demo_store
    assert table_row(out, "2021-01-01") == ["Lisbon", "Lisbon", "Lisbon"]
    # Believed in January 2023 (before the correction): Berlin only from August 2022.
    assert table_row(out, "2022-07-15") == ["Lisbon", "Lisbon", "Berlin"]
    assert table_row(out, "2024-06-01") == ["Lisbon", "Berlin", "Berlin"]
    assert "now: Kite Robotics;   2021-01-01: Nimbus Labs" in out


def test_a_multi_hop_answer_shows_what_it_was_read_from_first(demo_store: tuple[str, str]) -> None:
    _, out = demo_store
    lines = out.split("Q: Where did Alice work before she moved to Berlin?\n")[1].splitlines()
    assert lines[0] == "A: Orbital"
    assert "Alice works_at Orbital" in lines[1] and "moved to Berlin" in lines[2]  # then the move it precedes


def test_what_followed_a_corrected_move_is_read_on_its_corrected_date(demo_store: tuple[str, str]) -> None:
    _, out = demo_store
    lines = out.split("Q: What did Alice do first after she moved to Berlin?\n")[1].splitlines()
    # "so I relocated with the team" took the move's first date (August); the correction moved both to July
    assert lines[0] == "A: I went to a concert at the Philharmonie last Saturday"


def test_evidence_answers_say_why_no_plan_answered(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    out = run("ask", "Did Alice move to Munich?", "--store", url, "--tenant", "demo").output
    assert out.startswith("A: not in memory: nothing matches the pattern at all; the closest evidence:")
    assert "moved to Berlin" in out  # the turns that come closest still follow


def test_demo_rerun_adds_nothing(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    out = run("demo", "--store", url).output
    first = re.search(r"Ingested (\d+) records \((\d+) already known\)", out)
    assert first is not None and first.group(1) == first.group(2)


def test_timeline_and_history_read_both_axes(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    then = run("timeline", "Alice", "--as-of", "2021-01-01", "--store", url, "--tenant", "demo").output
    now = run("timeline", "Alice", "--store", url, "--tenant", "demo").output
    assert "Lisbon" in then and "Berlin" not in then
    assert "Berlin" in now
    history = run("history", "Alice", "--json", "--store", url, "--tenant", "demo").output
    versions = json.loads(history)
    assert any(v["expired_at"] is not None for v in versions), "the correction must leave an expired version"


def test_ask_json_is_a_typed_answer_with_evidence(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    answer = json.loads(run("ask", "Where does Alice work?", "--json", "--store", url, "--tenant", "demo").output)
    assert answer["kind"] == "entity" and answer["value"] == "Kite Robotics"
    assert answer["evidence"] and answer["basis"]["as_of"] is None


def test_ingest_reports_a_bad_line_and_keeps_the_rest(tmp_path: Path) -> None:
    chat = tmp_path / "chat.jsonl"
    chat.write_text(
        '{"session": "s", "speaker": "Ann", "text": "I moved to Oslo in May 2021.", "time": "2021-06-01T10:00:00Z"}\n'
        '{"session": "s", "speaker": "Ann", "text": "no time here"}\n'
        '{"session": "s", "speaker": "Ann", "text": "I work at Acme now.", "time": "2021-06-01T10:01:00Z"}\n',
        encoding="utf-8")
    url, rejects = f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "rejects.jsonl"
    result = CliRunner().invoke(cli, ["ingest", str(chat), "--store", url, "--rejects", str(rejects), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["episodes_added"], report["rejected"]) == (2, 1)
    (kept,) = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert kept["line"] == 2 and "time" in kept["reason"]


def test_unknown_entity_is_a_clear_error_not_a_traceback(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    result = CliRunner().invoke(cli, ["timeline", "Zelda", "--store", url, "--tenant", "demo"])
    assert result.exit_code != 0
    assert "Zelda" in result.output and "Traceback" not in result.output
    near = CliRunner().invoke(cli, ["timeline", "kite", "--store", url, "--tenant", "demo"])
    assert near.exit_code != 0 and "did you mean 'Kite Robotics'?" in near.output  # names sharing its words
