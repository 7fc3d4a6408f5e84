"""Pipelines over a kept version (a draft or the published one), for asking both side by side: the
served pipeline's parts (redactor, status classifier, curated answers) over a retriever pinned to one
version. Records lookups are left out: an editor's question never reaches a resident's case."""

from __future__ import annotations

from bot.answering.factory import build_pipeline
from bot.answering.pipeline import Pipeline
from bot.editors.desk import VersionPipelines
from bot.runtime import Runtime, answering_config
from bot.settings import BotSettings
from knowledge_base.drafts import PinnedVersions
from knowledge_base.factory import retrieval_config
from knowledge_base.retriever import Retriever

PINNED_RELOAD_SECONDS = 3600.0  # a pinned version never changes; the check only confirms it is kept


def version_pipelines(runtime: Runtime, settings: BotSettings) -> VersionPipelines:
    config = answering_config(settings)
    served = runtime.service.pipeline

    def build(name: str) -> Pipeline:
        retriever = Retriever(
            PinnedVersions(runtime.kb.root, name),
            runtime.kb.embedder,
            retrieval_config(settings),
            PINNED_RELOAD_SECONDS,
        )
        retriever.refresh()
        return build_pipeline(
            config,
            served.redact.redactor,
            retriever,
            runtime.curated,
            None,
            served.route.intents,
            manipulation=served.route.manipulation,
        )

    return VersionPipelines(build)
