"""Chat models behind `ASKCITY_LLM_BACKEND`, built at start-up (never at import):

    none          no generation: the extractive answers, unchanged
    openai        any OpenAI-compatible chat-completions endpoint (vLLM, TGI, Ollama, llama.cpp's
                  server, `transformers serve`) through langchain-openai; also how generation scales
                  past one machine: a cluster of model servers behind one URL
    transformers  a local model directory (`save_pretrained` layout) through langchain-huggingface's
                  pipeline wrapper, loaded once per process, run in the turn's worker thread or process

Both are LangChain chat models, so `Generator` sees one interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.generation.errors import GenerationSetupError
from bot.generation.generator import Generator, TokenBudget
from bot.generation.prompt import load_prompt, load_rewrite_prompt

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_core.language_models import BaseChatModel
    from limits.storage import Storage

    from bot.settings import BotSettings


def _openai(settings: BotSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() or "none",
        timeout=settings.llm_timeout_seconds,
        streaming=True,  # servers stream anyway (`transformers serve` always does); invoke() joins the parts
        stream_usage=True,
        max_retries=0,  # a slow backend must not hold a turn for several timeouts: fall back instead
        max_completion_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def _transformers(settings: BotSettings) -> tuple[BaseChatModel, Callable[[str], int]]:
    from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

    directory = Path(settings.llm_model_dir or "")
    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(directory, local_files_only=True)
    sample = settings.llm_temperature > 0
    generate = pipeline(
        "text-generation",
        model=model,
        tokenizer=tokenizer,
        max_new_tokens=settings.llm_max_tokens,
        do_sample=sample,
        temperature=settings.llm_temperature if sample else None,
        top_p=None,
        top_k=None,
        max_time=settings.llm_timeout_seconds,  # generation stops here; a cut answer rarely verifies
        return_full_text=False,
        device="cpu",
    )
    chat = ChatHuggingFace(
        llm=HuggingFacePipeline(pipeline=generate, model_id=str(directory)),
        tokenizer=tokenizer,
        model_id=str(directory),
    )
    return chat, lambda text: len(tokenizer.encode(text, add_special_tokens=False))


def build_generator(settings: BotSettings, language: str = "en") -> Generator | None:
    """The configured generator, or None for `none` (blocking: a local model loads here)."""
    if settings.llm_backend == "none":
        return None
    count: Callable[[str], int] | None = None
    try:
        if settings.llm_backend == "openai":
            model = _openai(settings)
        else:
            model, count = _transformers(settings)
    except ImportError as exc:
        raise GenerationSetupError(
            f"ASKCITY_LLM_BACKEND={settings.llm_backend} needs the `llm` extra: pip install 'askcity[llm]' "
            f"({exc.name or exc})"
        ) from exc
    except OSError as exc:  # a model directory transformers cannot read
        raise GenerationSetupError(
            f"ASKCITY_LLM_MODEL_DIR={settings.llm_model_dir}: transformers cannot load a model there ({exc})"
        ) from exc
    budget = TokenBudget(
        _budget_storage(settings.redis_url, settings.redis_prefix),
        settings.llm_tokens_per_session,
        settings.llm_tokens_overall,
    )
    return Generator(
        model,
        load_prompt(language),
        city=settings.city_name,
        backend=settings.llm_backend,
        max_sentences=settings.llm_max_sentences,
        max_concurrency=settings.llm_max_concurrency,
        wait_seconds=settings.llm_queue_seconds,
        count_tokens=count,
        budget=budget,
        expected_tokens=settings.llm_max_tokens,
        rewrite_prompt=load_rewrite_prompt(language) if settings.llm_rewrite else None,
    )


def _budget_storage(redis_url: str, prefix: str) -> Storage:
    from limits.storage import MemoryStorage, RedisStorage

    if not redis_url:
        return MemoryStorage()
    return RedisStorage(
        redis_url,
        key_prefix=f"{prefix}llm-tokens",
        wrap_exceptions=True,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
    )
