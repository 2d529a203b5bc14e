"""Question-parser and navigator benchmark: operator detection, question time ranges, LoCoMo "When" answers.

    python -m benchmarks.questions --data ../shared/data --out results/questions.json

DIR is laid out like ../shared/data (subfolders multitq/, timequestions/, time_dialog/, locomo/, each
optional). The last line printed is one JSON object with the headline figures.

Definitions
- multitq_qtype_accuracy: share of MultiTQ questions whose detected operator label equals `qtype`.
- timequestions_signal_accuracy: share of TimeQuestions items whose detected primary signal is one of the
  gold `Temporal signal` labels (a few items carry two).
- time_dialog_range_exact: share of Time-Dialog records whose parsed range has the same *day* bounds as
  `question_time_range` ("unknown" = an open end; an inclusive gold end 23:59:59 is the day it names).
  Reference time: the records carry none. Their annotator resolved "now" to the moment of annotation,
  which appears as bounds on 2025-07-17 (e.g. "When did X ..." = [unknown, 2025-07-17T11:43:21]). We use
  that timestamp as the record's reference time when the gold shows one, else 2025-07-17T12:00:00Z
  (the annotation day). Relative expressions in records without such a bound ("next month") are
  therefore resolved against the annotation day and mostly miss; `time_dialog_by_source` breaks this down.
- time_dialog_range_iou: mean intersection-over-union (in seconds) over records whose gold range has two
  concrete bounds; a prediction with an open end there scores 0.
- locomo_when_accuracy: category-2 LoCoMo questions starting with "When", asked end to end after ingesting
  the conversation; right when the answer's interval, at the gold's granularity (day / month / year),
  equals the gold date's.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tkgmem.navigate.parser.signals import detect, multitq_qtype, timequestions_signals
from tkgmem.navigate.parser.timerange import question_range
from tkgmem.temporal import Interval

ANNOTATION_DAY = datetime(2025, 7, 17, 12, tzinfo=UTC)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def bench_multitq(path: Path) -> dict[str, Any]:
    items = _load(path)
    confusion: Counter[str] = Counter()
    right = 0
    for x in items:
        pred = multitq_qtype(x["question"])
        right += pred == x["qtype"]
        if pred != x["qtype"]:
            confusion[f"{x['qtype']}->{pred}"] += 1
    return {"multitq_qtype_accuracy": right / len(items), "multitq_n": len(items),
            "multitq_confusion": dict(confusion.most_common(10))}


def bench_timequestions(path: Path) -> dict[str, Any]:
    items = _load(path)
    confusion: Counter[str] = Counter()
    right = 0
    for x in items:
        pred = timequestions_signals(x["Question"])[0]
        ok = pred in x["Temporal signal"]
        right += ok
        if not ok:
            confusion[f"{'+'.join(x['Temporal signal'])}->{pred}"] += 1
    return {"timequestions_signal_accuracy": right / len(items), "timequestions_n": len(items),
            "timequestions_confusion": dict(confusion.most_common(10))}


def _gold_bound(v: Any) -> datetime | None:
    if not isinstance(v, str) or v == "unknown":
        return None
    try:
        return datetime.fromisoformat(v).replace(tzinfo=UTC)
    except ValueError:  # a handful of gold bounds are impossible dates (e.g. 2023-02-29)
        return None


def _reference(gold: tuple[datetime | None, datetime | None]) -> datetime:
    stamps = [g for g in gold if g is not None and g.date() == ANNOTATION_DAY.date()]
    return stamps[0] if stamps else ANNOTATION_DAY


def _pred_days(iv: Interval | None) -> tuple[Any, Any]:
    if iv is None:
        return None, None
    s = iv.start.date() if iv.start else None
    e = None
    if iv.end is not None:
        e = (iv.end if iv.end == iv.start else iv.end - _EPS).date()
    return s, e


_EPS = __import__("datetime").timedelta(microseconds=1)


def _iou(pred: Interval | None, gs: datetime, ge: datetime) -> float:
    if pred is None or pred.start is None or pred.end is None:
        return 0.0
    g_end = ge + _EPS if ge.second == 59 else ge
    lo, hi = max(pred.start, gs), min(pred.end, g_end)
    inter = max(0.0, (hi - lo).total_seconds())
    union = (max(pred.end, g_end) - min(pred.start, gs)).total_seconds()
    if union <= 0:
        return 1.0 if pred.start == gs else 0.0
    return inter / union


def bench_time_dialog(path: Path, show_errors: int = 0) -> dict[str, Any]:
    data = _load(path)
    exact = 0
    n = 0
    ious: list[float] = []
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for rid, rec in data.items():
        g = rec["question_time_range"]
        if not isinstance(g.get("start"), str) or not isinstance(g.get("end"), str):
            gs_raw, ge_raw = "unknown", "unknown"  # a few records hold two ranges; treat as unknown
            gs, ge = None, None
        else:
            gs_raw, ge_raw = g["start"], g["end"]
            gs, ge = _gold_bound(gs_raw), _gold_bound(ge_raw)
        ref = _reference((gs, ge))
        qr = question_range(rec["question"], ref)
        ps, pe = _pred_days(qr.interval)
        ok = (ps == (gs.date() if gs else None)) and (pe == (ge.date() if ge else None))
        n += 1
        exact += ok
        by_source[qr.source.split(":")[0]][0] += ok
        by_source[qr.source.split(":")[0]][1] += 1
        if gs is not None and ge is not None:
            ious.append(_iou(qr.interval, gs, ge))
        if not ok and len(errors) < show_errors:
            errors.append((rid, rec["question"][:160], gs_raw, ge_raw, str(qr.interval), qr.source))
    for e in errors:
        print("  miss", *e, file=sys.stderr)
    return {"time_dialog_range_exact": exact / n, "time_dialog_range_iou": sum(ious) / len(ious) if ious else None,
            "time_dialog_n": n, "time_dialog_iou_n": len(ious),
            "time_dialog_by_source": {k: {"exact": v[0] / v[1], "n": v[1]} for k, v in sorted(by_source.items())}}


def bench_locomo(folder: Path, limit: int | None = None) -> dict[str, Any]:
    try:
        from benchmarks.locomo_when import run_locomo_when  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        return {"locomo_when_accuracy": None, "locomo_when_n": 0, "locomo_note": f"not run: {exc}"}
    return dict(run_locomo_when(folder, limit=limit))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-locomo", action="store_true")
    ap.add_argument("--locomo-limit", type=int, default=None, help="conversations to ingest (default all)")
    ap.add_argument("--show-errors", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.time()
    out: dict[str, Any] = {"multitq_qtype_accuracy": None, "timequestions_signal_accuracy": None,
                           "time_dialog_range_exact": None, "time_dialog_range_iou": None,
                           "locomo_when_accuracy": None, "locomo_when_n": 0}
    if (args.data / "multitq" / "questions.json").is_file():
        out.update(bench_multitq(args.data / "multitq" / "questions.json"))
    if (args.data / "timequestions" / "questions.json").is_file():
        out.update(bench_timequestions(args.data / "timequestions" / "questions.json"))
    if (args.data / "time_dialog" / "question_time_ranges.json").is_file():
        out.update(bench_time_dialog(args.data / "time_dialog" / "question_time_ranges.json", args.show_errors))
    if (args.data / "locomo").is_dir() and not args.skip_locomo:
        out.update(bench_locomo(args.data / "locomo", args.locomo_limit))
    elif args.skip_locomo:
        out["locomo_note"] = "skipped (--skip-locomo)"
    out["seconds"] = round(time.time() - t0, 1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    print(json.dumps(out, default=str))
    return 0


__all__ = ["detect", "main", "re"]

if __name__ == "__main__":
    raise SystemExit(main())
