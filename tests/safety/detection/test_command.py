"""``alongside safety scan`` and ``alongside safety evaluate``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alongside.safety.management.commands import safety as command

DATA = Path(__file__).parent.parent / "data" / "detection"


def scan(stdin: bytes, *args: str) -> tuple[list[dict[str, object]], str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("safety", "scan", *args, stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    except CommandError as exc:
        code = exc.returncode
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return lines, err.getvalue(), code


def evaluate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("safety", "evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_scan_writes_one_assessment_per_line_in_order() -> None:
    lines, err, code = scan(
        b'{"id": 1, "text": "I want to die"}\n'
        b'{"id": "b", "text": "\xe7\xac\x91\xe6\xad\xbb\xe6\x88\x91\xe4\xba\x86"}\n'
        b'{"id": null, "text": "I\'m so stressed"}\n'
    )
    assert code == 0 and err == ""
    assert [line["id"] for line in lines] == [1, "b", None]
    assert [line["level"] for line in lines] == ["high", "none", "low"]
    first = lines[0]
    assert {"id", "level", "score", "subject", "categories", "evidence"} <= set(first)
    assert first["subject"] == "self" and first["categories"] == ["suicidal_ideation"]
    assert first["evidence"][0]["rule"] == "en.ideation.want_die"


def test_scan_reports_bad_lines_by_number_and_carries_on() -> None:
    lines, err, code = scan(
        b'{"id": 1, "text": "hello"}\n'
        b"not json\n"
        b"\n"
        b'["a list"]\n'
        b'{"id": 5}\n'
        b'{"id": 6, "text": "\xff\xfe"}\n'
        b'{"id": {"x": 1}, "text": "hi"}\n'
        b'{"id": 8, "text": "I want to die"}\n'
    )
    assert code == 1
    errors = [line for line in lines if "error" in line]
    assert [(e["line"], e["id"]) for e in errors] == [
        (2, None),
        (4, None),
        (5, 5),
        (6, None),
        (7, None),
    ]
    assert [line["id"] for line in lines if "level" in line] == [1, 8]
    assert "line 2: not valid JSON" in err and "line 6: not UTF-8" in err


def test_scan_refuses_an_overlong_line_without_holding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "MAX_LINE_BYTES", 64)
    lines, _, code = scan(
        b'{"id": 1, "text": "' + b"a" * 500 + b'"}\n{"id": 2, "text": "I want to die"}\n'
    )
    assert code == 1
    assert lines[0] == {"line": 1, "id": None, "error": "line longer than 64 bytes"}
    assert lines[1]["id"] == 2 and lines[1]["level"] == "high"


def test_scan_passes_the_language_hint_and_checks_it() -> None:
    lines, _, _ = scan(b'{"id": 1, "text": "hello"}\n', "--lang", "zh-Hans")
    assert lines[0]["level"] == "none"
    with pytest.raises(CommandError, match="not a language code"):
        call_command("safety", "scan", "--lang", "!!", stdin=io.BytesIO(b""))


def test_scan_keeps_output_valid_json_for_lone_surrogates() -> None:
    lines, _, code = scan(b'{"id": "\\ud800", "text": "I want to die \\ud800"}\n')
    assert code == 0 and lines[0]["level"] == "high"


@pytest.mark.parametrize(
    ("name", "scheme"),
    [
        ("levels.jsonl", "levels"),
        ("cssrs_like.jsonl", "cssrs"),
        ("sdcnl_like.jsonl", "sdcnl"),
        ("dreaddit_like.jsonl", "dreaddit"),
    ],
)
def test_evaluate_picks_the_scheme_and_prints_the_report(name: str, scheme: str) -> None:
    out, _ = evaluate(str(DATA / name))
    assert f"scheme: {scheme}" in out
    for part in ("precision", "recall", "F1", "confusion", "texts/s", "engine version"):
        assert part in out


def test_evaluate_on_operator_levels_scores_every_threshold() -> None:
    out, _ = evaluate(str(DATA / "levels.jsonl"), "--scheme", "levels")
    assert "exact level agreement" in out
    table = out.split("(* the threshold")[0]
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line[:1].isalpha()}
    assert rows["imminent"][1:4] == ["1.000", "1.000", "1.000"]  # P, R, F1


def test_evaluate_reports_bad_lines_and_unknown_labels(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": 1, "text": "a", "label": "stress"}\nnope\n{"id": 3, "text": "b"}\n')
    out, err = evaluate(str(path))
    assert "line 2: not valid JSON" in err and 'line 3: no "label"' in err
    assert "2 bad line(s) left out" in out
    path.write_text('{"id": 1, "text": "a", "label": "stress"}\n')
    with pytest.raises(CommandError, match="not part of the cssrs scheme"):
        evaluate(str(path), "--scheme", "cssrs")
    with pytest.raises(CommandError, match="no such file"):
        evaluate(str(tmp_path / "missing.jsonl"))


def test_the_alongside_entry_point_streams_and_exits_non_zero_on_bad_lines(tmp_path: Path) -> None:
    env = {**os.environ, "ALONGSIDE_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "alongside.cli", "safety", "scan"],
        input=b'{"id": 1, "text": "I want to die"}\nbroken\n',
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    assert lines[0]["level"] == "high" and lines[1]["line"] == 2
    assert b"line 2: not valid JSON" in done.stderr
