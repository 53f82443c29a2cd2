"""``alongside safety scan`` and ``alongside safety evaluate``: the risk engine on JSONL."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from alongside.safety.detection import VERSION, RiskResult, assess
from alongside.safety.detection.evaluation import (
    SCHEMES,
    EvaluationError,
    detect_scheme,
    evaluate,
    format_report,
)
from alongside.safety.detection.language import normalise_code

#: A line longer than this is reported as bad (and skipped without being held in memory).
MAX_LINE_BYTES = 4 * 1024 * 1024

SCAN_HELP = """\
Reads JSONL from stdin, one {"id", "text"} object per line, and writes one JSONL line per
input line to stdout, in the same order:

  {"id", "level", "score", "subject", "categories", "evidence", "method_detail", "version"}

A line that cannot be scanned (not JSON, not an object, no string "text", not UTF-8, longer
than 4 MiB) gives {"line": N, "id": ... or null, "error": "..."} in its place on stdout and
"line N: ..." on stderr; the run goes on. Blank lines are skipped. The exit status is 0 when
every line was scanned and 1 when any line was bad. Memory use does not grow with the input.
"""

EVALUATE_HELP = """\
Scores the engine on a labelled JSONL file ({"id", "text", "label"}, or "level" for the
levels scheme) and prints, for each threshold low/moderate/high/imminent, precision, recall
and F1, the confusion table of gold label x predicted level, and texts per second of engine
CPU time. --scheme auto picks cssrs, sdcnl, dreaddit or levels from the labels present.
Bad lines are reported on stderr by line number and left out.
"""


class BadLine(ValueError):
    def __init__(self, message: str, record_id: Any = None) -> None:
        super().__init__(message)
        self.record_id = record_id


def _lines(stream: IO[Any]) -> Iterator[tuple[int, str | bytes | None]]:
    """(line number, line) pairs; ``None`` for a line over the size limit, which is drained
    in chunks so it never sits in memory whole."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        ending = b"\n" if isinstance(raw, bytes) else "\n"
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(ending):  # type: ignore[arg-type]
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(ending):
                    break
            yield number, None
            continue
        yield number, raw


def _record(raw: str | bytes | None) -> dict[str, Any] | None:
    """The JSON object on a line, ``None`` for a blank line; ``BadLine`` otherwise."""
    if raw is None:
        raise BadLine(f"line longer than {MAX_LINE_BYTES} bytes")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadLine("not UTF-8") from None
    raw = raw.strip()
    if not raw:
        return None
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadLine("not valid JSON") from None
    if not isinstance(record, dict):
        raise BadLine("not a JSON object")
    record_id = record.get("id")
    if isinstance(record_id, dict | list):
        raise BadLine('"id" must be a string, a number or null')
    if not isinstance(record.get("text"), str):
        raise BadLine('"text" must be a string', record_id)
    return record


def _dumps(data: dict[str, Any]) -> str:
    line = json.dumps(data, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from "\ud800"-style escapes
        line = json.dumps(data)
    return line


def result_json(record_id: Any, result: RiskResult) -> dict[str, Any]:
    return {
        "id": record_id,
        "level": result.level,
        "score": result.score,
        "subject": result.subject,
        "categories": list(result.categories),
        "evidence": [e.as_dict() for e in result.evidence],
        "method_detail": result.method_detail,
        "version": result.version,
    }


class Command(BaseCommand):
    help = "The risk engine on JSONL: scan | evaluate | labels."
    requires_system_checks: list[str] = []  # type: ignore[assignment]
    stealth_options = ("stdin",)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        scan = sub.add_parser(
            "scan",
            help="JSONL {id, text} on stdin -> one assessment per line on stdout",
            description=SCAN_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        scan.add_argument("--lang", help="language hint for every text (en, zh, zh-Hans…)")
        evaluate_parser = sub.add_parser(
            "evaluate",
            help="precision, recall, F1 and confusion on a labelled JSONL file",
            description=EVALUATE_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        evaluate_parser.add_argument("file", help="labelled JSONL file ('-' for stdin)")
        evaluate_parser.add_argument(
            "--scheme", choices=("auto", *SCHEMES), default="auto", help="default: auto"
        )
        evaluate_parser.add_argument("--lang", help="language hint for every text")
        sub.add_parser(
            "labels",
            help="this site's responder outcomes as JSONL {id, text, level} on stdout",
            description=(
                "Writes one line per resolved crisis case whose post still reads as it was "
                "assessed, with the level the responder's outcome implies, for\n"
                "  alongside safety labels > mine.jsonl\n"
                "  alongside safety evaluate mine.jsonl --scheme levels\n"
                "The file holds members' words: keep it private and delete it after use."
            ),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        lang = options.get("lang")
        if lang is not None and normalise_code(lang) is None:
            raise CommandError(f"--lang {lang!r} is not a language code such as en or zh-Hans")
        stdin: IO[Any] = options.get("stdin") or sys.stdin.buffer
        if action == "scan":
            self._scan(stdin, lang)
        elif action == "labels":
            from alongside.safety.selectors import labelled_texts

            for item in labelled_texts():
                self.stdout.write(_dumps(item))
        else:
            self._evaluate(options["file"], stdin, options["scheme"], lang)

    def _scan(self, stream: IO[Any], lang: str | None) -> None:
        bad = 0
        for number, raw in _lines(stream):
            try:
                record = _record(raw)
            except BadLine as exc:
                bad += 1
                self.stdout.write(_dumps({"line": number, "id": exc.record_id, "error": str(exc)}))
                self.stderr.write(f"line {number}: {exc}")
                continue
            if record is None:
                continue
            result = assess(record["text"], lang=lang)
            self.stdout.write(_dumps(result_json(record.get("id"), result)))
        if bad:
            raise CommandError(f"{bad} line(s) could not be scanned", returncode=1)

    def _evaluate(self, file: str, stdin: IO[Any], scheme: str, lang: str | None) -> None:
        if file == "-":
            stream: IO[Any] = stdin
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            stream = path.open("rb")
        pairs: list[tuple[str, str]] = []
        bad = 0
        cpu = 0.0
        try:
            for number, raw in _lines(stream):
                try:
                    record = _record(raw)
                    if record is None:
                        continue
                    gold = _gold(record, scheme)
                except BadLine as exc:
                    bad += 1
                    self.stderr.write(f"line {number}: {exc}")
                    continue
                started = time.process_time()
                level = assess(record["text"], lang=lang).level
                cpu += time.process_time() - started
                pairs.append((gold, level))
        finally:
            if stream is not stdin:
                stream.close()
        try:
            chosen = detect_scheme(g for g, _ in pairs) if scheme == "auto" else scheme
            report = evaluate(pairs, chosen)
        except EvaluationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(format_report(report, seconds=cpu))
        self.stdout.write(f"engine version: {VERSION}")
        if bad:
            self.stdout.write(f"{bad} bad line(s) left out (see stderr)")


def _gold(record: dict[str, Any], scheme: str) -> str:
    order = ("level", "label") if scheme == "levels" else ("label", "level")
    for name in order:
        value = record.get(name)
        if isinstance(value, str) and value:
            return value
    raise BadLine('no "label" (or "level") string', record.get("id"))
