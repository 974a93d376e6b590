"""Progress events of a long Python stage (training), the twin of jobs/ts/runtime/progress.ts.

Each event is a JSON log line with the event under `progress` (shape: jobs/contract/progress.ts
StageProgress), at most one per interval plus the forced ones (end of an epoch, validation) and
the last: the local runner shows the latest live, the operator copies it into the resource's
status. Rate and ETA are over this process's run, so a resumed run does not count the units an
earlier pod did as done in no time.
"""

import logging
import math
import time
from collections.abc import Callable

log = logging.getLogger("mammoflow.progress")

PROGRESS_KEY = "progress"
# One event every few seconds is live enough to watch and a few hundred lines a day in a log.
PROGRESS_INTERVAL_SECONDS = 5.0


def format_duration(seconds: float) -> str:
    """45s, 12m05s, 3h07m (as jobs/contract/progress.ts formatDuration)."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def _figure(value: float) -> str:
    if value >= 100:
        return str(round(value))
    text = f"{value:.3g}"
    return text if "e" not in text else f"{value:f}".rstrip("0")


def progress_summary(event: dict) -> str:
    """The event as one line for people (the same words as jobs/contract/progress.ts progressSummary)."""
    parts = []
    if "epoch" in event:
        parts.append(f"epoch {event['epoch']}" + (f"/{event['epochs']}" if "epochs" in event else ""))
    if "step" in event:
        parts.append(f"step {event['step']}" + (f"/{event['steps']}" if "steps" in event else ""))
    if "epoch" not in event and "step" not in event:
        total = event.get("total")
        percent = f" ({100 * event['done'] // total}%)" if total else ""
        parts.append(f"{event['done']}{'' if total is None else f'/{total}'} {event['unit']}{percent}")
    if event.get("failed"):
        parts.append(f"{event['failed']} failed")
    if "loss" in event:
        parts.append(f"loss {_figure(event['loss'])}")
    if "rate" in event:
        parts.append(f"{_figure(event['rate'])} {event['unit']}/s")
    if "etaSeconds" in event:
        parts.append(f"ETA {format_duration(event['etaSeconds'])}")
    if "pF1" in event:
        parts.append(f"val pF1 {_figure(event['pF1'])}")
    if "ap" in event:
        parts.append(f"val AP {_figure(event['ap'])}")
    shard = event.get("shard")
    where = f" shard {shard['index'] + 1}/{shard['count']}" if shard else ""
    return f"{event['stage']}{where}: {', '.join(parts)}"


def _non_finite(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


class ProgressReporter:
    """Counts `done` of `total` units of a stage and logs throttled progress events."""

    def __init__(
        self,
        stage: str,
        unit: str,
        total: int | None = None,
        *,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = log,
    ) -> None:
        self.stage, self.unit, self.total = stage, unit, total
        self.interval, self.clock, self.logger = interval, clock, logger
        self._started: tuple[float, int] | None = None
        self._last_at = float("-inf")
        self._last_done = -1

    def update(self, done: int, *, force: bool = False, **fields) -> dict | None:
        """Logs an event when the interval has passed since the last one (or `force`); returns it."""
        now = self.clock()
        if self._started is None:
            self._started = (now, done)
        if not force and now - self._last_at < self.interval:
            return None
        return self._write(now, done, fields)

    def finish(self, done: int, **fields) -> dict | None:
        """Logs the last event, unless the last one logged already says the same count."""
        now = self.clock()
        if self._started is None:
            self._started = (now, done)
        if done == self._last_done and not fields:
            return None
        return self._write(now, done, fields)

    def _write(self, now: float, done: int, fields: dict) -> dict:
        self._last_at, self._last_done = now, done
        started_at, started_done = self._started
        event = {"stage": self.stage, "unit": self.unit, "done": done}
        if self.total is not None:
            event["total"] = self.total
        # NaN (a loss before the first step, a diverged one) has no JSON spelling: such a field is left out.
        event.update({k: v for k, v in fields.items() if v is not None and not _non_finite(v)})
        seconds = now - started_at
        if seconds > 0:
            rate = max(0.0, (done - started_done) / seconds)
            event["rate"] = round(rate, 3)
            if rate > 0 and self.total is not None:
                event["etaSeconds"] = round(max(0, self.total - done) / rate)
        self.logger.info("%s", progress_summary(event), extra={PROGRESS_KEY: event})
        return event
