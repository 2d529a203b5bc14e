"""Question-parser and navigator benchmark: operator detection, question time ranges, LoCoMo "When" answers.

    python -m benchmarks.questions --data ../shared/data --out results/questions.json

DIR is laid out like ../shared/data (subfolders multitq/, timequestions/, time_dialog/, locomo/, each
optional). The last line printed is one JSON object with the headline figures.

Definitions
- multitq_qtype_accuracy: share of MultiTQ questions whose detected operator label equals `qtype`.
  Every figure also comes as `*_halves`: the score on even- and odd-indexed items (rules were developed
  on the even half, so the odd half is a held-out check).
- timequestions_signal_accuracy: share of TimeQuestions items whose detected primary signal is one of the
  gold `Temporal signal` labels (a few items carry two).
- time_dialog_range_exact: share of Time-Dialog records whose parsed range has the same *day* bounds as
  `question_time_range` ("unknown" = an open end; an inclusive gold end 23:59:59 is the day it names).
  Left out: the 45 records whose `reasoning` is "No time range data found in response" (the annotator
  returned nothing, so their "unknown/unknown" is a placeholder, not a label; `time_dialog_unannotated`).
  Four records hold two ranges (one per fact of a "which happened earlier" question); a prediction
  matching either counts.
  Reference time ("now"): the records carry no dialogue or session dates (fields: question, gold range,
  reasoning, and the annotator's own `events` echo). Two kinds of evidence remain in the gold. (1) Where
  the annotator resolved "now" it wrote the moment of annotation, bounds on 2025-07-17 (e.g. "When did X
  ..." = [unknown, 2025-07-17T11:43:21]); such a record is asked at that timestamp. (2) Elsewhere, relative
  expressions resolve to a mid-October 2023 "today" ("yesterday" = 2023-10-16, "two days ago" =
  2023-10-15, "last Friday" = 2023-10-13, "next month" = November 2023): the annotator's own notion of the
  current date, so those records are asked at 2023-10-17 (RELATIVE_DAY). Some records without a stamp end
  at 2023-10-01 instead (41 "unknown .. 2023-10-01" ranges); 2023-10-01 would score higher (0.855 vs
  0.851) but would mark correct relative resolutions wrong, so the relative evidence wins.
  `time_dialog_exact_halves` splits the score over even/odd records (rules were developed on the even
  half); `time_dialog_by_source` breaks it down by how the range was found.
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
# the "today" that Time-Dialog's relative expressions resolve to in records without an annotation stamp
# ("yesterday" = 2023-10-16, "two days ago" = 2023-10-15, "last Friday" = 2023-10-13, "next month" =
# November 2023): the annotator's own notion of the current date, not the record's dialogue
RELATIVE_DAY = datetime(2023, 10, 17, 12, tzinfo=UTC)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def bench_multitq(path: Path) -> dict[str, Any]:
    items = _load(path)
    confusion: Counter[str] = Counter()
    rows: list[bool] = []
    for x in items:
        pred = multitq_qtype(x["question"])
        rows.append(pred == x["qtype"])
        if pred != x["qtype"]:
            confusion[f"{x['qtype']}->{pred}"] += 1
    return {"multitq_qtype_accuracy": sum(rows) / len(items), "multitq_n": len(items),
            "multitq_halves": _halves(rows), "multitq_confusion": dict(confusion.most_common(10))}


def bench_timequestions(path: Path) -> dict[str, Any]:
    items = _load(path)
    confusion: Counter[str] = Counter()
    rows: list[bool] = []
    for x in items:
        pred = timequestions_signals(x["Question"])[0]
        ok = pred in x["Temporal signal"]
        rows.append(ok)
        if not ok:
            confusion[f"{'+'.join(x['Temporal signal'])}->{pred}"] += 1
    return {"timequestions_signal_accuracy": sum(rows) / len(items), "timequestions_n": len(items),
            "timequestions_halves": _halves(rows), "timequestions_confusion": dict(confusion.most_common(10))}


def _gold_bound(v: Any) -> datetime | None:
    if not isinstance(v, str) or v == "unknown":
        return None
    try:
        return datetime.fromisoformat(v).replace(tzinfo=UTC)
    except ValueError:  # a handful of gold bounds are impossible dates (e.g. 2023-02-29)
        return None


def _reference(gold: list[datetime | None]) -> datetime:
    """The record's "now": the annotation timestamp when the gold shows one, else the day relative
    expressions were resolved against (see the module docstring)."""
    stamps = [g for g in gold if g is not None and g.date() == ANNOTATION_DAY.date()]
    return stamps[0] if stamps else RELATIVE_DAY


def _pred_days(iv: Interval | None) -> tuple[Any, Any]:
    return iv.day_bounds() if iv is not None else (None, None)


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


def _gold_ranges(g: dict[str, Any]) -> list[tuple[str, str]]:
    """The gold range(s) of a record as (start, end) strings. Four records hold two ranges, one per fact
    of a "which happened earlier" question, written as `start: [s1, e1], end: [s2, e2]`."""
    if isinstance(g.get("start"), str) and isinstance(g.get("end"), str):
        return [(g["start"], g["end"])]
    out = [tuple(map(str, v)) for v in (g.get("start"), g.get("end")) if isinstance(v, list) and len(v) == 2]
    return [(a, b) for a, b in out] or [("unknown", "unknown")]


def _halves(rows: list[bool]) -> dict[str, float | None]:
    """Accuracy on even- and odd-indexed items: rules were developed on the even half, so the odd half
    is a held-out check."""
    even, odd = rows[0::2], rows[1::2]
    return {"even": sum(even) / len(even) if even else None, "odd": sum(odd) / len(odd) if odd else None}


def bench_time_dialog(path: Path, show_errors: int = 0) -> dict[str, Any]:
    data = _load(path)
    rows: list[bool] = []
    unannotated = 0
    ious: list[float] = []
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors: list[tuple[str, ...]] = []
    for rid, rec in data.items():
        if rec.get("reasoning") == "No time range data found in response":
            unannotated += 1  # the annotator returned nothing: "unknown" here is a placeholder, not a label
            continue
        ranges = [(raw, (_gold_bound(raw[0]), _gold_bound(raw[1]))) for raw in _gold_ranges(rec["question_time_range"])]
        ref = _reference([b for _, bounds in ranges for b in bounds])
        qr = question_range(rec["question"], ref)
        ps, pe = _pred_days(qr.interval)
        ok = any(ps == (gs.date() if gs else None) and pe == (ge.date() if ge else None) for _, (gs, ge) in ranges)
        rows.append(ok)
        by_source[qr.source.split(":")[0]][0] += ok
        by_source[qr.source.split(":")[0]][1] += 1
        gs, ge = ranges[0][1]
        if len(ranges) == 1 and gs is not None and ge is not None:
            ious.append(_iou(qr.interval, gs, ge))
        if not ok and len(errors) < show_errors:
            errors.append((rid, rec["question"][:160], *ranges[0][0], str(qr.interval), qr.source))
    for e in errors:
        print("  miss", *e, file=sys.stderr)
    n = len(rows)
    return {"time_dialog_range_exact": sum(rows) / n, "time_dialog_range_iou": sum(ious) / len(ious) if ious else None,
            "time_dialog_n": n, "time_dialog_iou_n": len(ious), "time_dialog_unannotated": unannotated,
            "time_dialog_exact_halves": _halves(rows),
            "time_dialog_by_source": {k: {"exact": v[0] / v[1], "n": v[1]} for k, v in sorted(by_source.items())}}


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "a": 1}


def gold_interval(answer: str, year_hint: int, before: datetime | None = None) -> Interval | None:
    """LoCoMo's gold for a "When" question as an interval: "7 May 2023", "June 2023", "2022",
    "The week before 9 June 2023", "The Friday before 15 July 2023", "two weekends before 17 July 2023",
    "The week of 23 August 2023". None when it is not a date (e.g. "4 years"). A date without a year
    ("13 August") is the last one in `year_hint` or, if that is after `before`, the year before."""
    import dateparser

    a = re.sub(r"[^\w\s,]", " ", str(answer))  # "April.2023", "3` July"
    a = re.sub(r"(?i)^\s*(?:in|on|around|about)\s+", "", " ".join(a.split())).strip(" ,")
    m = re.match(r"(?i)^(?:the\s+|(one|two|three|four|a)\s+)?(week|weekend|\w+day)s?\s+(before|after|of)\s+(.+)$", a)
    if m:
        base = gold_interval(m.group(4), year_hint, before)
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
    if not re.search(r"\d{4}", a):
        # a date without a year ("13 August") is the latest one by the end of the conversation; dateparser's
        # own choice depends on state it keeps between calls
        parsed = parsed.replace(year=year_hint)
        if before is not None and parsed.replace(tzinfo=UTC) > before:
            parsed = parsed.replace(year=year_hint - 1)
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


def _error_row(mem: Any, name: str, qa: dict[str, Any], gold: Interval, ans: Any, ok: bool) -> dict[str, Any]:
    """One question's outcome for the error table: which turns the answer used vs. the gold evidence."""
    ids = [e.episode_id for e in ans.evidence if e.episode_id]
    eps = {e.id: e for e in mem.store.episodes(mem.tenant, ids)} if ids else {}
    used = [str(eps[i].metadata.get("dia_id")) for i in ids if i in eps]
    gold_ev = [str(x) for x in qa.get("evidence", [])]
    first = eps.get(ids[0]) if ids else None
    return {"file": name, "question": qa["question"], "gold": str(qa.get("answer")), "gold_iv": str(gold),
            "ok": ok, "kind": ans.kind, "value": ans.value, "time": str(ans.time), "plan": ans.explanation,
            "used": used, "gold_evidence": gold_ev, "right_turn": bool(used) and used[0] in gold_ev,
            "gold_in_evidence": any(u in gold_ev for u in used),
            "turn": first.text if first else "", "turn_time": str(first.reference_time) if first else ""}


def bench_locomo(folder: Path, limit: int | None = None, show: int = 0, cache: Path | None = None,
                 errors_out: Path | None = None) -> dict[str, Any]:
    """Ingest each conversation into a fresh store, ask its category-2 "When" questions at the time of
    its last session, and score the answers' intervals against the gold dates.

    With `cache`, each conversation's ingested store is kept as `cache/<name>.db` and reused on the next
    run (ingestion is most of the run time; delete the folder after changing extraction). Questions are
    asked on a copy, so a cached store never changes. With `errors_out`, one row per question (gold,
    answer, evidence turns used vs. gold evidence turns) is written there as JSON for error analysis."""
    import shutil
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
    rows: list[dict[str, Any]] = []
    t_ingest = 0.0
    shown = 0
    for path in files:
        data = _load(path)
        conv = data.get("conversation", data)
        stamps = [parse_locomo_time(str(v)) for k, v in conv.items() if k.endswith("_date_time") and v]
        now = max(stamps)
        with tempfile.TemporaryDirectory() as tmp:
            cached = cache / f"{path.stem}.db" if cache is not None else None
            if cached is not None and cached.is_file():
                shutil.copyfile(cached, f"{tmp}/m.db")
                mem = Memory(open_store(f"sqlite:///{tmp}/m.db"), tenant="locomo")
            else:
                mem = Memory(open_store(f"sqlite:///{tmp}/m.db"), tenant="locomo")
                t0 = time.time()
                mem.ingest([path], format="locomo")
                t_ingest += time.time() - t0
                if cached is not None:
                    mem.close()
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f"{tmp}/m.db", cached)
                    mem = Memory(open_store(f"sqlite:///{tmp}/m.db"), tenant="locomo")
            fr = fn = 0
            for qa in data["qa"]:
                if qa.get("category") != 2 or not str(qa.get("question", "")).lower().startswith("when"):
                    continue
                gold = gold_interval(str(qa.get("answer", "")), now.year, now)
                if gold is None:
                    continue
                ans = mem.ask(qa["question"], now=now)
                ok = when_right(ans.time, gold)
                if errors_out is not None:
                    rows.append(_error_row(mem, path.name, qa, gold, ans, ok))
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
    if errors_out is not None:
        errors_out.parent.mkdir(parents=True, exist_ok=True)
        errors_out.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    return {"locomo_when_accuracy": right / n if n else None, "locomo_when_n": n, "locomo_per_file": per_file,
            "locomo_answer_kinds": dict(kinds), "locomo_ingest_seconds": round(t_ingest, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-locomo", action="store_true")
    ap.add_argument("--locomo-limit", type=int, default=None, help="conversations to ingest (default all)")
    ap.add_argument("--show-errors", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=None, help="keep/reuse each conversation's ingested store here")
    ap.add_argument("--errors-out", type=Path, default=None, help="write one JSON row per LoCoMo question here")
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
        out.update(bench_locomo(args.data / "locomo", args.locomo_limit, args.show_errors,
                                cache=args.cache, errors_out=args.errors_out))
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
