"""The generative composer's prompt: versioned data files per language (`data/answer.<lang>.yml`),
rendered into chat messages. Passages go in as clearly delimited, numbered, untrusted data; the
question and the history are the redacted ones (the only forms the answering pipeline holds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge_base.records import Citation, Turn

DATA = Path(__file__).parent / "data"

Message = tuple[str, str]  # (role, content): "system", "user" or "assistant"


def _data(text: str) -> str:
    """Passage and conversation text cannot close or open a delimiter of their own."""
    return text.replace("<", "‹").replace(">", "›")


def _conversation(history: Sequence[Turn], last: int) -> str:
    """The last `last` turns that say something, one `role: text` line each ("" when none)."""
    recent = [turn for turn in history if turn.text.strip()][-last:]
    return "\n".join(f"{turn.role}: {_data(' '.join(turn.text.split()))}" for turn in recent)


@dataclass(frozen=True, slots=True)
class Prompt:
    version: str
    system: str
    example_user: str
    example_assistant: str
    passage: str
    user: str
    history: str

    def messages(
        self,
        *,
        city: str,
        canary: str,
        max_sentences: int,
        question: str,
        passages: Sequence[Citation],
        history: Sequence[Turn] = (),
        history_turns: int = 4,
    ) -> list[Message]:
        blocks = "".join(
            self.passage.format(
                number=number,
                title=_data(citation.title),
                section=_data(" > ".join(citation.section_path)),
                text=_data(citation.quote.strip()),
            )
            for number, citation in enumerate(passages, start=1)
        )
        turns = _conversation(history, history_turns)
        earlier = self.history.format(turns=turns) if turns else ""
        return [
            ("system", self.system.format(city=city, canary=canary, max_sentences=max_sentences)),
            ("user", self.example_user.strip()),
            ("assistant", self.example_assistant.strip()),
            ("user", self.user.format(passages=blocks, history=earlier, question=_data(question)).strip()),
        ]


@dataclass(frozen=True, slots=True)
class RewritePrompt:
    """Turns a follow-up into a standalone question (`data/rewrite.<lang>.yml`): only the redacted
    conversation and question go in; what comes out is a search text, never shown to the resident."""

    version: str
    system: str
    example_user: str
    example_assistant: str
    user: str

    def messages(
        self, *, city: str, canary: str, question: str, history: Sequence[Turn], history_turns: int = 4
    ) -> list[Message]:
        turns = _conversation(history, history_turns)
        return [
            ("system", self.system.format(city=city, canary=canary)),
            ("user", self.example_user.strip()),
            ("assistant", self.example_assistant.strip()),
            ("user", self.user.format(turns=turns, question=_data(question)).strip()),
        ]


def _load(kind: str, language: str) -> dict[str, object]:
    path = DATA / f"{kind}.{language}.yml"
    if not path.is_file():
        path = DATA / f"{kind}.en.yml"
    raw: dict[str, object] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return raw


def load_prompt(language: str = "en") -> Prompt:
    raw = _load("answer", language)
    return Prompt(**{name: str(raw[name]) for name in Prompt.__dataclass_fields__})


def load_rewrite_prompt(language: str = "en") -> RewritePrompt:
    raw = _load("rewrite", language)
    return RewritePrompt(**{name: str(raw[name]) for name in RewritePrompt.__dataclass_fields__})
