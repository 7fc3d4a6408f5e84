"""`askcity eval carry-over`: does the conversation decide the document when it should not?

Every answerable question of a labelled set (the sample city's by default) is asked, answered by the
real pipeline, and followed in the same conversation by
    (a) `out_of_scope`: a question the documents do not answer (weather, passports, chit-chat, …),
    (b) `other_topic`: a question about another document of the set,
    (c) `follow_up`: an elliptical follow-up on the same document ("and how much is it?"),
    (d) `new_subject_follow_up`: after (b), a follow-up on the new subject, three turns in all (a
        ticket question, "how do I get a library card?", "how much?": library cards, not the ticket).
Targets (issue 10): (a) refused ≥ 95 %, (b) right document ≥ 85 %, (c) same document ≥ 85 %; (d) has no
target of its own.
Out-of-scope questions asked first (`out_of_scope_first`) and the answerable questions themselves
(`answerable_first`) are reported too.

Data: the out-of-scope questions and follow-ups are in `evaluation/data/carry_over/` (written by the
project). Questions are split by their document (`split_of("doc:" + id)`); out-of-scope questions
carry their own split. Calibration fits on `train`; figures are quoted on `test`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

from bot.answering.factory import AnsweringConfig
from bot.answering.gate import GateConfig
from bot.privacy import Redactor
from evaluation.probes import Exchange, Probe, ProbeReport, ProbeResult, Split, ask, report, split_of
from evaluation.questions import LabelledQuestion, load_questions
from evaluation.retrieval import workspace
from knowledge_base.embedder import Embedder

DATA = Path(__file__).parent / "data" / "carry_over"


@dataclass(frozen=True, slots=True)
class OutOfScope:
    id: str
    question: str
    split: Split


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: str
    doc_id: str
    question: str


def load_out_of_scope(path: Path = DATA / "out_of_scope.jsonl") -> list[OutOfScope]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [OutOfScope(str(r["id"]), str(r["question"]), r["split"]) for r in rows]


def load_follow_ups(path: Path = DATA / "follow_ups.jsonl") -> list[FollowUp]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [FollowUp(str(r["id"]), str(r["doc_id"]), str(r["question"])) for r in rows]


def document_split(doc_id: str) -> Split:
    return split_of("doc:" + doc_id)


def build_probes(
    questions: list[LabelledQuestion], out_of_scope: list[OutOfScope], follow_ups: list[FollowUp]
) -> list[Probe]:
    answerable = [q for q in questions if q.answerable]
    probes: list[Probe] = []
    oos = {
        split: cycle([o for o in out_of_scope if o.split == split] or out_of_scope)
        for split in ("train", "test")
    }
    by_doc: dict[str, list[FollowUp]] = {}
    for f in follow_ups:
        by_doc.setdefault(f.doc_id, []).append(f)
    next_follow_up = {doc: cycle(items) for doc, items in by_doc.items()}
    new_subject_follow_up = {doc: cycle(items) for doc, items in by_doc.items()}  # (d)'s own turn
    standalone = [q for q in answerable if not q.history]
    for i, q in enumerate(answerable):
        doc = q.gold_doc_ids[0]
        split = document_split(doc)
        before = Exchange(q.question, q.history)
        probes.append(Probe(f"{q.id}/first", "answerable_first", split, q.question, None, q.gold_doc_ids))
        if q.history:  # the first-turn probe above already ran with its history; keep it honest
            probes[-1] = Probe(
                f"{q.id}/first", "answerable_first", split, q.question, _as_before(q), q.gold_doc_ids
            )
        other = next(
            (
                o
                for o in standalone[i + 1 :] + standalone[:i]
                if not set(o.gold_doc_ids) & set(q.gold_doc_ids)
                and document_split(o.gold_doc_ids[0]) == split
            ),
            None,
        )
        o_s = next(oos[split])
        probes.append(Probe(f"{q.id}/a:{o_s.id}", "out_of_scope", split, o_s.question, before))
        if other is not None:
            probes.append(
                Probe(
                    f"{q.id}/b:{other.id}", "other_topic", split, other.question, before, other.gold_doc_ids
                )
            )
            other_doc = other.gold_doc_ids[0]
            if other_doc in new_subject_follow_up and not q.history:
                # (d) a follow-up on the new subject: "how much?" after parking, then library cards
                f = next(new_subject_follow_up[other_doc])
                probes.append(
                    Probe(
                        f"{q.id}/d:{other.id}:{f.id}",
                        "new_subject_follow_up",
                        split,
                        f.question,
                        Exchange(other.question),
                        (other_doc,),
                        earlier=(q.question,),
                    )
                )
        if doc in next_follow_up:
            f = next(next_follow_up[doc])
            probes.append(Probe(f"{q.id}/c:{f.id}", "follow_up", split, f.question, before, (doc,)))
    for o in out_of_scope:
        probes.append(Probe(f"{o.id}/first", "out_of_scope_first", o.split, o.question))
    for q in questions:
        if not q.answerable and not q.history:
            probes.append(Probe(f"{q.id}/first", "out_of_scope_first", split_of("q:" + q.id), q.question))
    return probes


def _as_before(q: LabelledQuestion) -> Exchange | None:
    """A labelled follow-up's own conversation, as the exchange before it: the last user turn is asked
    (and answered by the bot); turns before it are kept as they are."""
    users = [i for i, t in enumerate(q.history) if t.role == "user"]
    if not users:
        return None
    last = users[-1]
    return Exchange(q.history[last].text, q.history[:last])


def load_probes(questions: Path, data: Path = DATA) -> list[Probe]:
    return build_probes(
        load_questions(questions),
        load_out_of_scope(data / "out_of_scope.jsonl"),
        load_follow_ups(data / "follow_ups.jsonl"),
    )


def groups(probes: list[Probe]) -> dict[str, str]:
    """Cross-validation groups: a probe belongs to its expected document, and an out-of-scope one to
    the out-of-scope question asked (each is asked after several topics: were those probes in
    different folds, a model could learn the question itself and cross-validation would not see it)."""

    def key(p: Probe) -> str:
        if p.expected_docs:
            return p.expected_docs[0]
        return p.id.split("/a:", 1)[1] if "/a:" in p.id else p.id.split("/")[0]

    return {p.id: p.split + ":" + key(p) for p in probes}


def run(
    documents: Path,
    questions: Path,
    embedder: Embedder,
    redactor: Redactor,
    workdir: Path | None = None,
    gate: GateConfig | None = None,
) -> tuple[ProbeReport, list[ProbeResult]]:
    from evaluation.answers import bench

    probes = load_probes(questions)
    answering = None if gate is None else AnsweringConfig(gate=gate)
    with (
        workspace(workdir) as where,
        bench(documents, where / "carry-over", embedder, redactor, answering) as (_, pipeline),
    ):
        results = [ask(pipeline, p) for p in probes]
    return report(results), results
