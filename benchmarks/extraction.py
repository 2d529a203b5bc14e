"""Extraction quality and speed on LoCoMo conversations: time resolution, event recall, throughput.

    python -m benchmarks.extraction --data ../shared/data/locomo --out extraction.json

Each conversation's turns become dialogue episodes (reference time = the session's date, speaker and
addressee = the two participants) and go through the offline pipeline in one batch. The last line
printed is the JSON summary.

Metrics and matching rules (fixed before tuning, applied to every conversation alike):

- ``when_accuracy`` over the category-2 questions whose gold answer reads as a date (``when_n`` of
  them; durations such as "4 years" and non-dates are skipped): correct when *an* event extracted from
  the question's evidence turn(s) has a valid interval matching the gold at the gold's granularity:
  * a day ("7 May 2023", "The Friday before 15 July 2023"): the event interval starts on that day and
    is at most one day long;
  * a month, season or year ("June 2023", "summer 2022", "2022", "Since 2016"): the event interval lies
    inside that granule (finer is fine) and is no coarser than it;
  * a week-like window ("the week before D" = [D-7, D), "the weekend before D", "two weeks before D" =
    [D-21, D-7), "the week of D", "few days before D", "first week of May 2023", "between October 19
    and 24"): the event interval overlaps the window and is at most 10 days long.
  ``when_accuracy_top1`` is the stricter variant where only the evidence event most similar to the
  question (embedding cosine) counts.
- ``event_recall`` / ``event_precision`` against the gold ``events_session_N`` summaries. A gold event
  (person P, session N) is recalled when an extracted event of session N has P among its participants and
  the cosine similarity (all-MiniLM-L6-v2) between the gold text and the event's clause — with first person
  rewritten to the speaker's name ("I went" -> "Caroline went") — is at least ``SIM`` = 0.6.
  The threshold was set with a control: ``event_recall_control`` is the same recall computed against the
  events of a *different* session of the same person (half the conversation away). At 0.45 the control
  scored as high as the real recall (themes recur across sessions), so matches meant nothing; at 0.6 the
  control falls to about 0.2 while real matches stay. A recall well above its control is the signal.
  Precision: share of extracted events (of sessions that have gold events, with a speaker among the
  participants) that match some gold event of their session and person at the same threshold. Gold
  events are few per session and the extractor is meant to capture every reported event, so precision
  is low by construction; recall is the target.
- ``turns_per_s``: turns through the whole pipeline (parse, time, events, facts, links, embeddings).
  ``model_turns_per_s``: spaCy ``nlp.pipe`` + the encoder alone on the same turns in the same run, after
  both are warmed up — the speed limit of this design.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tkgmem.extract.pipeline import Pipeline
from tkgmem.model import Batch, Entity, Episode, Event, Modality
from tkgmem.nlp import load_encoder, load_spacy
from tkgmem.settings import Settings
from tkgmem.temporal import Granularity, Interval, floor

TENANT = "bench"
SIM = 0.6
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "a": 1, "few": 3}


# -- data ------------------------------------------------------------------------------------------------
@dataclass
class Conversation:
    name: str
    episodes: list[Episode]
    by_dia: dict[str, Episode]
    session_of: dict[str, int]  # episode id -> session number
    speakers: tuple[str, str]
    gold_events: list[tuple[int, str, str]]  # (session, person, text)
    questions: list[dict[str, Any]]


def session_time(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' -> aware UTC datetime."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def load(path: Path) -> Conversation:
    raw = json.loads(path.read_text())
    conv = raw.get("conversation", raw)
    a, b = conv["speaker_a"], conv["speaker_b"]
    episodes: list[Episode] = []
    by_dia: dict[str, Episode] = {}
    session_of: dict[str, int] = {}
    sessions = sorted(int(k.split("_")[1]) for k in conv if re.fullmatch(r"session_\d+", k)
                      and isinstance(conv[k], list))
    for n in sessions:
        ref = session_time(conv[f"session_{n}_date_time"])
        for i, turn in enumerate(conv[f"session_{n}"]):
            speaker = turn["speaker"]
            ep = Episode(
                id=f"{path.stem}:{turn['dia_id']}", tenant=TENANT, source=path.stem, session=f"{path.stem}:{n}",
                speaker=speaker, addressee=b if speaker == a else a, text=turn["text"], reference_time=ref,
                seq=i,
            )
            episodes.append(ep)
            by_dia[turn["dia_id"]] = ep
            session_of[ep.id] = n
    summary = raw.get("event_summary", raw)
    gold: list[tuple[int, str, str]] = []
    for key, value in summary.items():
        m = re.fullmatch(r"events_session_(\d+)", key)
        if m and isinstance(value, dict):
            for person, texts in value.items():
                if person == "date":
                    continue
                gold += [(int(m.group(1)), person, t) for t in texts]
    return Conversation(path.stem, episodes, by_dia, session_of, (a, b), gold, raw.get("qa", []))


# -- gold dates ------------------------------------------------------------------------------------------
@dataclass
class GoldTime:
    kind: str  # "day" | "granule" | "window"
    interval: Interval


def _date(text: str) -> datetime | None:
    """A full date in any of the data's spellings: '7 May 2023', 'May 7, 2022', '21Janury, 2022'."""
    t = text.lower().replace(",", " ").replace(".", " ").replace("`", "")
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t)
    t = re.sub(r"(\d)([a-z])", r"\1 \2", t)
    words = t.split()
    day = year = month = None
    for w in words:
        if w.isdigit() and len(w) == 4:
            year = int(w)
        elif w.isdigit() and int(w) <= 31:
            day = int(w)
        else:
            cand = [i for name, i in _MONTHS.items() if len(w) >= 3 and (name.startswith(w[:3]) and
                                                                           _close(w, name))]
            if cand:
                month = cand[0]
    if day and month and year:
        return datetime(year, month, day, tzinfo=UTC)
    return None


def _close(word: str, name: str) -> bool:
    return word == name or word == name[:3] or (len(word) >= 4 and word[:4] == name[:4])


def _weekend_before(d: datetime) -> Interval:
    day = floor(d, Granularity.DAY)
    sat = day - timedelta(days=(day.weekday() - 5) % 7 or 7)
    if sat + timedelta(days=1) >= day:  # D is a Saturday/Sunday: the weekend before is the previous one
        sat -= timedelta(days=7)
    return Interval(start=sat, end=sat + timedelta(days=2))


def parse_gold(answer: str) -> GoldTime | None:
    a = " ".join(str(answer).strip().rstrip(".").split())
    low = a.lower()
    if re.search(r"\b(years?|months?|weeks?|days?)\s*$", low) and not re.search(r"\d{4}", low):
        return None  # a duration ("4 years", "two weeks")
    m = re.match(r"(first|last)\s+(week|weekend)\s+of\s+([a-z]+),?\s+(\d{4})", low)
    if m and m.group(3)[:3] in [k[:3] for k in _MONTHS]:
        month = next(i for k, i in _MONTHS.items() if k[:3] == m.group(3)[:3])
        start = datetime(int(m.group(4)), month, 1, tzinfo=UTC)
        if m.group(1) == "first":
            if m.group(2) == "week":
                return GoldTime("window", Interval(start=start, end=start + timedelta(days=7)))
            sat = start + timedelta(days=(5 - start.weekday()) % 7)
            return GoldTime("window", Interval(start=sat, end=sat + timedelta(days=2)))
        end = (start.replace(month=month % 12 + 1, year=start.year + (month == 12)))
        return GoldTime("window", Interval(start=end - timedelta(days=7), end=end))
    m = re.match(r"(?:the\s+)?(?:last\s+)?(two\s+|a\s+)?(weeks?|weekends?|few days|days)\s+(before|after|of)\s+(.+)",
                 low)
    if m:
        d = _date(m.group(4))
        if d is None:
            return None
        n = _NUMS.get((m.group(1) or "").strip(), 1)
        unit, rel = m.group(2).rstrip("s") if m.group(2) != "days" else "days", m.group(3)
        if unit == "week":
            if rel == "before":
                return GoldTime("window", Interval(start=d - timedelta(days=7 * n + (7 if n > 1 else 0)),
                                                   end=d - timedelta(days=7 * (n - 1))))
            if rel == "of":
                return GoldTime("window", Interval(start=d - timedelta(days=3), end=d + timedelta(days=4)))
            return GoldTime("window", Interval(start=d, end=d + timedelta(days=8)))
        if unit == "weekend":
            wk = _weekend_before(d)
            assert wk.start is not None and wk.end is not None
            if rel == "before" and n > 1:
                wk = Interval(start=wk.start - timedelta(days=7 * (n - 1)), end=wk.end - timedelta(days=7 * (n - 1)))
            elif rel == "of":
                wk = _weekend_before(d + timedelta(days=7)) if d.weekday() < 5 else Interval(
                    start=floor(d, Granularity.WEEK) + timedelta(days=5),
                    end=floor(d, Granularity.WEEK) + timedelta(days=7))
            elif rel == "after":
                wk = _weekend_before(d + timedelta(days=8))
            return GoldTime("window", wk)
        return GoldTime("window", Interval(start=d - timedelta(days=6), end=d))
    m = re.match(r"(?:the\s+)?(" + "|".join(_WEEKDAYS) + r")\s+before\s+(.+)", low)
    if m:
        d = _date(m.group(2))
        if d is None:
            return None
        back = (d.weekday() - _WEEKDAYS.index(m.group(1))) % 7 or 7
        return GoldTime("day", Interval.granule(d - timedelta(days=back), Granularity.DAY))
    m = re.match(r"(?:between\s+)?([a-z]+)\s+(\d{1,2})\s*(?:-|and|to)\s*(\d{1,2}),?\s+(\d{4})", low)
    if m and m.group(1)[:3] in [k[:3] for k in _MONTHS]:
        month = next(i for k, i in _MONTHS.items() if k[:3] == m.group(1)[:3])
        start = datetime(int(m.group(4)), month, int(m.group(2)), tzinfo=UTC)
        return GoldTime("window", Interval(start=start, end=datetime(int(m.group(4)), month, int(m.group(3)),
                                                                     tzinfo=UTC) + timedelta(days=1)))
    m = re.search(r"night of ([a-z]+) (\d{1,2}) to (\d{1,2}),? (\d{4})", low)
    if m:
        d = _date(f"{m.group(2)} {m.group(1)} {m.group(4)}")
        if d is not None:
            return GoldTime("window", Interval(start=d, end=d + timedelta(days=2)))
    stripped = re.sub(r"^(in|on|around|approximately|about|since|early|late)\s+", "", low)
    stripped = re.sub(r"^(in|on|around|approximately|about|since|early|late)\s+", "", stripped)
    d = _date(stripped)
    if d is not None:
        return GoldTime("day", Interval.granule(d, Granularity.DAY))
    m = re.fullmatch(r"(?:the\s+)?(summer|winter|spring|fall|autumn)\s+(?:of\s+)?(\d{4})", stripped)
    if m:
        start_month = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}[m.group(1)]
        return GoldTime("granule", Interval.granule(datetime(int(m.group(2)), start_month, 1, tzinfo=UTC),
                                                    Granularity.SEASON))
    m = re.fullmatch(r"([a-z]+)[,. ]*\s*(\d{4})", stripped)
    if m and m.group(1)[:3] in [k[:3] for k in _MONTHS]:
        month = next(i for k, i in _MONTHS.items() if k[:3] == m.group(1)[:3])
        return GoldTime("granule", Interval.granule(datetime(int(m.group(2)), month, 1, tzinfo=UTC),
                                                    Granularity.MONTH))
    m = re.fullmatch(r"(\d{4})", stripped)
    if m:
        return GoldTime("granule", Interval.granule(datetime(int(m.group(1)), 1, 1, tzinfo=UTC), Granularity.YEAR))
    return None


def matches(gold: GoldTime, iv: Interval) -> bool:
    if iv.start is None or iv.end is None:
        if gold.kind == "granule" and iv.start is not None and gold.interval.start is not None:
            # "since 2016": an open interval starting in the gold granule
            return gold.interval.contains(iv.start) and iv.start_granularity.rank <= Granularity.YEAR.rank
        return False
    g = gold.interval
    assert g.start is not None and g.end is not None
    if gold.kind == "day":
        return floor(iv.start, Granularity.DAY) == g.start and iv.end - iv.start <= timedelta(days=1)
    if gold.kind == "granule":
        return g.covers(iv)
    return iv.overlaps(g) and iv.end - iv.start <= timedelta(days=10)


# -- evaluation ------------------------------------------------------------------------------------------
def _first_to_name(text: str, name: str) -> str:
    text = re.sub(r"\b(I'm|I am)\b", f"{name} is", text)
    text = re.sub(r"\b(I've)\b", f"{name} has", text)
    text = re.sub(r"\b(I'll)\b", f"{name} will", text)
    text = re.sub(r"\b(I|me|myself)\b", name, text)
    text = re.sub(r"\b(my|mine)\b", f"{name}'s", text, flags=re.IGNORECASE)
    return text if name in text else f"{name} {text[:1].lower()}{text[1:]}"  # elided subject: "Started X"


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(a @ b.T)


def evaluate(conv: Conversation, batch: Batch) -> dict[str, Any]:
    encoder = load_encoder()
    by_episode: dict[str, list[Event]] = defaultdict(list)
    for ev in batch.events:
        for span in ev.provenance:
            by_episode[span.episode_id].append(ev)
    person_id = {p: Entity.make_id(TENANT, p, "person") for p in conv.speakers}

    # when
    when_n = when_ok = when_top1 = 0
    errors: list[dict[str, Any]] = []
    for q in conv.questions:
        if q.get("category") != 2:
            continue
        gold = parse_gold(str(q.get("answer", "")))
        if gold is None:
            continue
        evs = [ev for dia in q.get("evidence", []) for ev in by_episode.get(
            conv.by_dia[dia].id if dia in conv.by_dia else "", [])]
        when_n += 1
        ok = any(matches(gold, ev.valid) for ev in evs)
        when_ok += ok
        if evs:
            vq = encoder.encode([q["question"]])
            ve = encoder.encode([ev.summary for ev in evs])
            best = evs[int(np.argmax(_cos(vq, ve)[0]))]
            when_top1 += matches(gold, best.valid)
        if not ok:
            errors.append({"q": q["question"], "gold": q["answer"],
                           "events": [(ev.summary, str(ev.valid), ev.modality.value) for ev in evs][:4],
                           "turns": [conv.by_dia[d].text for d in q.get("evidence", []) if d in conv.by_dia]})

    # event recall / precision
    session_events: dict[tuple[int, str], list[Event]] = defaultdict(list)
    for ev in batch.events:
        pids = {p.entity_id for p in ev.participants}
        sessions = {conv.session_of.get(s.episode_id) for s in ev.provenance}
        for person, pid in person_id.items():
            if pid in pids:
                for n in sessions:
                    if n is not None:
                        session_events[(n, person)].append(ev)
    gold_by_key: dict[tuple[int, str], list[str]] = defaultdict(list)
    for n, person, text in conv.gold_events:
        gold_by_key[(n, person)].append(text)
    recalled = control = 0
    event_sessions = sorted({n for n, _ in session_events})
    matched_events: set[tuple[str, str]] = set()
    considered: set[tuple[str, str]] = set()
    gold_sessions = {n for n, _, _ in conv.gold_events}
    for key, evs in session_events.items():
        if key[0] in gold_sessions:
            considered |= {(ev.lineage_id, key[1]) for ev in evs}
    for key, golds in gold_by_key.items():
        evs = session_events.get(key, [])
        if not evs:
            continue
        name = key[1]
        vg = encoder.encode(golds)
        ve = encoder.encode([_first_to_name(ev.summary, name) for ev in evs])
        sims = _cos(vg, ve)
        recalled += int((sims.max(axis=1) >= SIM).sum())
        if key[0] in event_sessions:
            other = event_sessions[(event_sessions.index(key[0]) + len(event_sessions) // 2) % len(event_sessions)]
            others = session_events.get((other, name), []) if other != key[0] else []
            if others:
                vo = encoder.encode([_first_to_name(ev.summary, name) for ev in others])
                control += int((_cos(vg, vo).max(axis=1) >= SIM).sum())
        for j in np.nonzero(sims.max(axis=0) >= SIM)[0]:
            matched_events.add((evs[int(j)].lineage_id, name))
    modality: dict[str, int] = defaultdict(int)
    for ev in batch.events:
        modality[ev.modality.value] += 1
    return {
        "when_n": when_n, "when_ok": when_ok, "when_top1": when_top1, "when_errors": errors,
        "gold_events": len(conv.gold_events), "recalled": recalled, "control": control,
        "extracted_considered": len(considered), "extracted_matched": len(matched_events & considered),
        "events": len(batch.events), "facts": len(batch.facts), "links": len(batch.links),
        "entities": len(batch.entities), "modality": dict(modality),
        "planned_share": modality[Modality.PLANNED.value] / max(1, len(batch.events)),
    }


def model_only(texts: Sequence[str], settings: Settings) -> float:
    """Seconds for spaCy + the encoder alone on `texts`."""
    nlp = load_spacy(settings.spacy_model)
    encoder = load_encoder(settings.embedding_model)
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=min(settings.batch_size, 512)):
        pass
    if settings.embeddings:
        encoder.encode(list(texts))
    return time.perf_counter() - t0


def run(paths: Sequence[Path], settings: Settings, verbose: bool = False) -> dict[str, Any]:
    pipeline = Pipeline(settings)
    convs = [load(p) for p in paths]
    # warm up both models and the time normaliser outside the timed region
    pipeline.extract(convs[0].episodes[:20], TENANT)
    model_only([e.text for e in convs[0].episodes[:20]], settings)
    totals: dict[str, Any] = defaultdict(int)
    errors: list[dict[str, Any]] = []
    t_pipe = t_model = 0.0
    turns = 0
    for conv in convs:
        texts = [e.text for e in conv.episodes]
        t_model += model_only(texts, settings)
        t0 = time.perf_counter()
        batch = pipeline.extract(conv.episodes, TENANT)
        t_pipe += time.perf_counter() - t0
        turns += len(texts)
        res = evaluate(conv, batch)
        errors += [dict(e, conversation=conv.name) for e in res.pop("when_errors")]
        res.pop("modality")
        res.pop("planned_share")
        for k, v in res.items():
            totals[k] += v
        if verbose:
            print(conv.name, json.dumps(res), file=sys.stderr)
    summary = {
        "when_accuracy": round(totals["when_ok"] / max(1, totals["when_n"]), 4),
        "when_accuracy_top1": round(totals["when_top1"] / max(1, totals["when_n"]), 4),
        "when_n": totals["when_n"],
        "event_recall": round(totals["recalled"] / max(1, totals["gold_events"]), 4),
        "event_recall_control": round(totals["control"] / max(1, totals["gold_events"]), 4),
        "event_precision": round(totals["extracted_matched"] / max(1, totals["extracted_considered"]), 4),
        "gold_events": totals["gold_events"],
        "events": totals["events"], "facts": totals["facts"], "links": totals["links"],
        "entities": totals["entities"],
        "turns": turns,
        "turns_per_s": round(turns / t_pipe, 2),
        "model_turns_per_s": round(turns / t_model, 2),
        "speed_ratio": round(t_model / t_pipe, 3),
        "similarity_threshold": SIM,
        "conversations": [c.name for c in convs],
    }
    return {"summary": summary, "when_errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="folder of LoCoMo conversation files (*.json)")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON results")
    parser.add_argument("--limit", type=int, default=0, help="only the first N conversations")
    parser.add_argument("--no-embeddings", action="store_true", help="skip sentence embeddings")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    paths = sorted(args.data.glob("*.json"))
    if args.limit:
        paths = paths[: args.limit]
    if not paths:
        print(f"no *.json conversation files in {args.data}", file=sys.stderr)
        return 2
    settings = Settings.from_env(embeddings=False if args.no_embeddings else None)
    result = run(paths, settings, verbose=args.verbose)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(json.dumps(result["summary"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
