"""The labelled question format of `../shared/benchmarks/README.md` (and of the sample set)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.records import Turn


@dataclass(frozen=True, slots=True)
class GoldSpan:
    doc_id: str
    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    id: str
    question: str
    history: tuple[Turn, ...]
    gold_doc_ids: tuple[str, ...]
    gold_spans: tuple[GoldSpan, ...]
    gold_answer: str = ""
    kind: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.gold_doc_ids)


def load_questions(path: Path) -> list[LabelledQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            spans = tuple(
                GoldSpan(str(s["doc_id"]), str(s.get("text", "")), s.get("start"), s.get("end"))
                for s in row.get("gold_spans") or []
            )
            questions.append(
                LabelledQuestion(
                    id=str(row["id"]),
                    question=str(row["question"]),
                    history=tuple(
                        Turn("agent" if t["role"] == "agent" else "user", str(t["text"]))
                        for t in row.get("history") or []
                    ),
                    gold_doc_ids=tuple(str(d) for d in row.get("gold_doc_ids") or []),
                    gold_spans=spans,
                    gold_answer=str(row.get("gold_answer") or ""),
                    kind=str(row.get("kind") or ""),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled question ({exc})") from exc
    return questions


def locate(text: str, passage: str) -> tuple[int, int] | None:
    """Offsets of `passage` in `text`, tolerant of whitespace differences (parsed formats reflow text)."""
    exact = text.find(passage)
    if exact >= 0:
        return exact, exact + len(passage)
    words = passage.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None
