"""`askcity eval near-topic`: questions the documents *nearly* answer must be refused.

Real questions of one domain of a benchmark (doc2dial's Social Security questions) are asked against
two knowledge bases: all documents (they must be answered) and the same documents *without* that
domain's (public-service pages on nearby subjects — veterans, motor vehicles, student aid — which
must not be quoted as an answer). Each question is asked
    `first`:  as the first question of a conversation (the dialogues' opening questions), and
    `after`:  after an answered exchange about another document (opening questions again),
    `own_history`: with its own conversation (every question of the domain; answered on the full KB).
Targets (issue 10): without the domain, refused ≥ 90 % both ways; with it, ≤ 5 % refused.

Dialogues are split by id (`split_of("dialogue:" + id)`); calibration fits on `train` only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.answering.factory import AnsweringConfig
from bot.answering.gate import GateConfig
from bot.privacy import Redactor
from evaluation.probes import Exchange, Probe, ProbeReport, ProbeResult, ask, report, split_of
from evaluation.questions import LabelledQuestion, load_questions
from evaluation.retrieval import workspace
from knowledge_base.embedder import Embedder


def without_domain(documents: Path, domain: str, target: Path) -> Path:
    """A copy of a JSONL document set without the documents of `domain`."""
    lines = documents.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.strip() and json.loads(line).get("domain") != domain]
    if len(kept) == len([line for line in lines if line.strip()]):
        raise ValueError(f"no document of domain {domain!r} in {documents}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return target


def exchange_openers(documents: Path, domain: str, limit: int = 40) -> list[Exchange]:
    """Questions about documents of other domains ("I have a question about Register a snowmobile."):
    the answered exchange a probe is asked after."""
    rows = [json.loads(line) for line in documents.read_text(encoding="utf-8").splitlines() if line.strip()]
    others = [r for r in rows if r.get("domain") != domain and str(r.get("title", "")).strip()]
    others.sort(key=lambda r: split_of("opener:" + str(r["id"])))
    step = max(1, len(others) // limit)
    titles = [str(r["title"]).split("|")[0].strip() for r in others[::step][:limit]]
    return [Exchange(f"I have a question about {title}.") for title in titles if title]


def dialogue(q: LabelledQuestion) -> str:
    return q.id.rsplit("_", 1)[0]


def build_probes(questions: list[LabelledQuestion], openers: list[Exchange], in_scope: bool) -> list[Probe]:
    """Probes for one knowledge base: `in_scope` when it holds the questions' documents."""
    probes: list[Probe] = []
    first_turns = [q for q in questions if not q.history]
    for i, q in enumerate(first_turns):
        split = split_of("dialogue:" + dialogue(q))
        expected = q.gold_doc_ids if in_scope else ()
        probes.append(Probe(f"{q.id}/first", "first", split, q.question, None, expected))
        if openers:
            before = openers[i % len(openers)]
            probes.append(Probe(f"{q.id}/after", "after", split, q.question, before, expected))
    for q in questions:
        if q.history:
            split = split_of("dialogue:" + dialogue(q))
            expected = q.gold_doc_ids if in_scope else ()
            probes.append(Probe(f"{q.id}/own", "own_history", split, q.question, _own(q), expected))
    return probes


def _own(q: LabelledQuestion) -> Exchange | None:
    """The dialogue's own turns before the question, as history, with its last user turn asked again
    so the reply the bot remembers is its own (as in a live session)."""
    users = [i for i, t in enumerate(q.history) if t.role == "user"]
    if not users:
        return None
    last = users[-1]
    return Exchange(q.history[last].text, q.history[:last])


def load(questions: Path) -> list[LabelledQuestion]:
    return [q for q in load_questions(questions) if q.answerable]


def groups(probes: list[Probe]) -> dict[str, str]:
    return {p.id: "dialogue:" + p.id.split("/")[0].rsplit("_", 1)[0] for p in probes}


@dataclass(frozen=True, slots=True)
class NearTopicRun:
    in_scope: ProbeReport  # the full knowledge base: answered
    out_of_scope: ProbeReport  # without the domain's documents: refused
    in_results: list[ProbeResult]
    out_results: list[ProbeResult]


def probe_sets(documents: Path, questions: Path, domain: str) -> tuple[list[Probe], list[Probe]]:
    labelled = load(questions)
    openers = exchange_openers(documents, domain)
    return build_probes(labelled, openers, in_scope=True), build_probes(labelled, openers, in_scope=False)


def run(
    documents: Path,
    questions: Path,
    domain: str,
    embedder: Embedder,
    redactor: Redactor,
    workdir: Path | None = None,
    gate: GateConfig | None = None,
) -> NearTopicRun:
    from evaluation.answers import bench

    answering = None if gate is None else AnsweringConfig(gate=gate)
    in_probes, out_probes = probe_sets(documents, questions, domain)
    with workspace(workdir) as where:
        reduced = without_domain(documents, domain, where / f"without-{domain}" / "documents.jsonl")
        with bench(documents, where / "near-topic" / "full", embedder, redactor, answering) as (_, pipeline):
            in_results = [ask(pipeline, p) for p in in_probes]
        kb = where / "near-topic" / f"kb-without-{domain}"
        with bench(reduced, kb, embedder, redactor, answering) as (_, pipeline):
            out_results = [ask(pipeline, p) for p in out_probes]
    return NearTopicRun(report(in_results), report(out_results), in_results, out_results)
