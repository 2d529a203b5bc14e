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
- locomo_when_accuracy: category-2 LoCoMo questions starting with "When" whose gold is a date, asked end to
  end (`Memory.ask`, hybrid-retrieval fallback) after ingesting the conversation into a fresh SQLite store,
  at the time of its last session. The gold becomes an interval at its own granularity ("7 May 2023" a day,
  "June 2023" a month, "2022" a year, "the week before 9 June 2023" the 7 days before, "the Friday before
  15 July 2023" that day); an answer is right when its interval overlaps the gold's and is not longer
  (a month answer to a day question is wrong).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tkgmem.navigate.parser.signals import detect, multitq_qtype, timequestions_signals
from tkgmem.navigate.parser.timerange import question_range
from tkgmem.temporal import Granularity, Interval

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
        # a day/month end is exclusive (the next granule); an instant end is the moment itself
        inclusive = iv.end_granularity is Granularity.INSTANT or iv.end == iv.start
        e = (iv.end if inclusive else iv.end - _EPS).date()
    return s, e


_EPS = timedelta(microseconds=1)


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
    errors: list[tuple[str, ...]] = []
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


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "a": 1}


def gold_interval(answer: str, year_hint: int) -> Interval | None:
    """LoCoMo's gold for a "When" question as an interval: "7 May 2023", "June 2023", "2022",
    "The week before 9 June 2023", "The Friday before 15 July 2023", "two weekends before 17 July 2023",
    "The week of 23 August 2023". None when it is not a date (e.g. "4 years")."""
    import dateparser

    a = re.sub(r"[^\w\s,]", " ", str(answer))  # "April.2023", "3` July"
    a = re.sub(r"(?i)^\s*(?:in|on|around|about)\s+", "", " ".join(a.split())).strip(" ,")
    m = re.match(r"(?i)^(?:the\s+|(one|two|three|four|a)\s+)?(week|weekend|\w+day)s?\s+(before|after|of)\s+(.+)$", a)
    if m:
        base = gold_interval(m.group(4), year_hint)
        if base is None or base.start is None:
            return None
        d = base.start
        n = _NUMS.get((m.group(1) or "one").lower(), 1)
        unit, rel = m.group(2).lower(), m.group(3).lower()
        if unit == "week":
            if rel == "of":
                start = d - timedelta(days=d.weekday())
                return Interval(start=start, end=start + timedelta(days=7), start_granularity=Granularity.WEEK,
                                end_granularity=Granularity.WEEK)
            s = d - timedelta(days=7 * n) if rel == "before" else d + timedelta(days=1)
            return Interval(start=s, end=s + timedelta(days=7), start_granularity=Granularity.WEEK,
                            end_granularity=Granularity.WEEK)
        if unit == "weekend":
            back = (d.weekday() - 5) % 7 or 7  # days back to the Saturday before d
            sat = d - timedelta(days=back + 7 * (n - 1))
            return Interval(start=sat, end=sat + timedelta(days=2), start_granularity=Granularity.DAY,
                            end_granularity=Granularity.DAY)
        if unit in _WEEKDAYS:
            back = (d.weekday() - _WEEKDAYS.index(unit)) % 7 or 7
            return Interval.granule(d - timedelta(days=back), Granularity.DAY)
        return None
    if re.fullmatch(r"\d{4}", a):
        return Interval.granule(f"{a}-01-01", Granularity.YEAR)
    settings = {"PREFER_DAY_OF_MONTH": "first", "RELATIVE_BASE": datetime(year_hint, 12, 31)}
    parsed = dateparser.parse(a, languages=["en"], settings=settings)
    if parsed is None:
        return None
    if re.fullmatch(r"(?i)[a-z]+,?\s+\d{4}", a):
        return Interval.granule(parsed.replace(day=1), Granularity.MONTH)
    if re.search(r"\d{1,2}", a) and re.search(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", a):
        return Interval.granule(parsed, Granularity.DAY)
    return None


def when_right(answer_time: Interval | None, gold: Interval) -> bool:
    """Right when the answer overlaps the gold period and is not vaguer than it (a "last week" answer,
    Monday-based, overlaps LoCoMo's "the week before <date>", which counts 7 days back)."""
    if answer_time is None or answer_time.start is None or gold.start is None or gold.end is None:
        return False
    inside = answer_time.overlaps(gold)
    span = (answer_time.end - answer_time.start) if answer_time.end else None
    return inside and span is not None and span <= gold.end - gold.start


def bench_locomo(folder: Path, limit: int | None = None, show: int = 0) -> dict[str, Any]:
    """Ingest each conversation into a fresh store, ask its category-2 "When" questions at the time of
    its last session, and score the answers' intervals against the gold dates."""
    import tempfile

    try:
        from tkgmem.ingest.formats.locomo import parse_locomo_time
        from tkgmem.memory import Memory
        from tkgmem.store import open_store
    except ImportError as exc:  # ingestion not available
        return {"locomo_when_accuracy": None, "locomo_when_n": 0, "locomo_note": f"not run: {exc}"}
    files = sorted(folder.glob("*.json"))[: limit or None]
    right = n = 0
    kinds: Counter[str] = Counter()
    per_file = {}
    t_ingest = 0.0
    shown = 0
    for path in files:
        data = _load(path)
        conv = data.get("conversation", data)
        stamps = [parse_locomo_time(str(v)) for k, v in conv.items() if k.endswith("_date_time") and v]
        now = max(stamps)
        with tempfile.TemporaryDirectory() as tmp:
            mem = Memory(open_store(f"sqlite:///{tmp}/m.db"), tenant="locomo")
            t0 = time.time()
            mem.ingest([path], format="locomo")
            t_ingest += time.time() - t0
            fr = fn = 0
            for qa in data["qa"]:
                if qa.get("category") != 2 or not str(qa.get("question", "")).lower().startswith("when"):
                    continue
                gold = gold_interval(str(qa.get("answer", "")), now.year)
                if gold is None:
                    continue
                ans = mem.ask(qa["question"], now=now)
                ok = when_right(ans.time, gold)
                kinds[f"{ans.kind}:{'ok' if ok else 'miss'}"] += 1
                fn += 1
                fr += ok
                if not ok and shown < show:
                    shown += 1
                    print("  locomo miss", path.name, qa["question"], "| gold", qa["answer"], gold, "| got",
                          ans.kind, ans.value, file=sys.stderr)
            mem.close()
        per_file[path.name] = {"accuracy": fr / fn if fn else None, "n": fn}
        right += fr
        n += fn
    return {"locomo_when_accuracy": right / n if n else None, "locomo_when_n": n, "locomo_per_file": per_file,
            "locomo_answer_kinds": dict(kinds), "locomo_ingest_seconds": round(t_ingest, 1)}


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
        out.update(bench_locomo(args.data / "locomo", args.locomo_limit, args.show_errors))
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
