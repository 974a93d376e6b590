"""The JSON log of every Python stage: one JSON object per line on stderr (the pod's log, the
local runner's stage.log), with the fields of the TypeScript stages' and the operator's pino
lines (`time` in ISO 8601 UTC, `level` by lower-case name, `msg`), plus `logger` and whatever a
call passes as `extra` (a progress event under `progress`, jobs/contract/progress.ts).
python-json-logger does the serialising, so a message with quotes, newlines or non-ASCII text
stays valid JSON (a `%(message)r` format string wrote Python's repr, single quotes and all).
"""

import logging
import sys

from pythonjsonlogger.json import JsonFormatter


class StageJsonFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger", "message": "msg"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict) -> dict:
        # "info", not "INFO": log queries match the TypeScript stages' and the operator's lines.
        log_data["level"] = str(log_data.get("level", "")).lower()
        return log_data


def configure_logging(stream=None) -> None:
    """JSON lines at INFO and above on `stream` (stderr): stdout carries only the compact result."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(StageJsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
