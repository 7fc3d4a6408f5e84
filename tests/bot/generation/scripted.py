"""A LangChain chat model for tests whose answer is a function of the prompt it is sent.

The generative step's decisions (keep a sentence, drop it, fall back) depend on exactly what the model
writes, which no real model fixes; the real models are exercised in `test_backends.py`. This one reads
the numbered passages out of the real prompt and answers with a script, so a test can say "copy the
first sentence of passage 1 and cite it" or "invent a fee", and records every prompt it was sent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

_PASSAGE = re.compile(r'<passage number="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)

Script = Callable[[dict[int, str]], str]


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", " ".join(text.split()))
    return match.group(1) if match else " ".join(text.split())


class ScriptedChatModel(BaseChatModel):
    script: Script
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    fail_with: type[Exception] | None = None
    word_seconds: float = 0.0  # streaming: the pause before each word
    finished_at: float = 0.0  # streaming: time.monotonic() when the last word was sent

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.prompts.append(list(messages))
        if self.fail_with is not None:
            raise self.fail_with("the model server went away")
        last = str(messages[-1].content)
        passages = {int(n): text for n, text in _PASSAGE.findall(last)}
        text = self.script(passages)
        message = AIMessage(
            content=text,
            usage_metadata={"input_tokens": 100, "output_tokens": 10, "total_tokens": 110},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        """Word by word, `word_seconds` apart, like a model server streaming its tokens."""
        text = str(self._generate(messages).generations[0].message.content)
        for word in re.findall(r"\S+\s*", text):
            time.sleep(self.word_seconds)
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        self.finished_at = time.monotonic()
