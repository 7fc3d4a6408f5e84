"""The embedding of a big upload, spread over the `askcity worker` processes of the queue (ADR 13).

The job's own worker (the parent) parses and chunks as ever. When more texts than `part_texts` lack a
cached vector, it splits them into parts (shortest texts first, as one worker would embed them), writes
each part beside the upload (`<uploads>/<job>/parts/<attempt>/NNNN.json`: the data directory is shared)
and puts one helper job per part but one on the queue, at its front. Parts are handed out by a Redis
list: a claim pops one part and sets its lease in one step (a Lua script), so each part goes to one
worker. The parent claims parts too: a lone worker embeds the whole upload on its own, and no job ever
waits for a worker that does not exist.

A helper only embeds: its vectors go to the knowledge base's vector cache in SQL, which every worker
shares. The parent alone saves and publishes, once every part is done, so an upload stays all or
nothing and its progress bar is the parent's (texts of done parts / all). A lease lives as long as
the job's stale limit and is renewed while its holder embeds; a part whose holder stopped (killed, its
machine lost) loses its lease and the parent puts it back. A parent that dies leaves parts in the cache:
its job's next attempt (new keys) embeds only what is still missing. Keys expire after a day anyway.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import redis
from rq import Queue

from knowledge_base.kb import KnowledgeBase
from knowledge_base.store import PendingDocument

log = logging.getLogger(__name__)

HELP = "bot.documents.worker.help_embed"  # what RQ workers call for a helper job (job id, attempt)
KEYS_TTL_SECONDS = 86_400
# pop a part and lease it in one step: KEYS = todo list, lease key prefix; ARGV = holder, lease ms
_CLAIM = """
local part = redis.call('RPOP', KEYS[1])
if part then redis.call('SET', KEYS[2] .. part, ARGV[1], 'PX', ARGV[2]) end
return part
"""


@dataclass(frozen=True, slots=True)
class PartsOfJob:
    """The Redis keys and the folder of one attempt of one job."""

    prefix: str
    folder: Path

    @property
    def todo(self) -> str:
        return f"{self.prefix}todo"

    @property
    def done(self) -> str:
        return f"{self.prefix}done"

    @property
    def lease(self) -> str:
        return f"{self.prefix}lease:"

    def file(self, part: int) -> Path:
        return self.folder / f"{part:04d}.json"


class EmbedParts:
    """Splits a job's embedding into parts the queue's workers share; `embed` is the pipeline's embed
    step for the job's own worker, `help` what a helper job runs."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        queue: Queue,
        uploads: Path,
        key_prefix: str,
        part_texts: int,
        lease_seconds: float,
        holder: str,
    ) -> None:
        self.client = client
        self.queue = queue
        self.uploads = uploads
        self.key_prefix = key_prefix
        self.part_texts = part_texts
        self.lease_ms = int(lease_seconds * 1000)
        self.holder = holder
        self._claim = client.register_script(_CLAIM)

    def of(self, job_id: str, attempt: int) -> PartsOfJob:
        return PartsOfJob(
            f"{self.key_prefix}ingest-parts:{job_id}:{attempt}:",
            self.uploads / job_id / "parts" / str(attempt),
        )

    # ---- the job's own worker ----------------------------------------------------------------------
    def embed(
        self,
        kb: KnowledgeBase,
        job_id: str,
        attempt: int,
        pending: Sequence[PendingDocument],
        progress: Callable[[int, int], None],
    ) -> int:
        """The embed stage of the job: alone when the upload is small, else in parts (see the module)."""
        texts = kb.missing_texts(pending)
        if self.part_texts <= 0 or len(texts) <= self.part_texts:
            return kb.embed_texts(texts, progress)
        job = self.of(job_id, attempt)
        hashes = list(texts)
        sizes = []
        job.folder.mkdir(parents=True, exist_ok=True)
        for part, start in enumerate(range(0, len(hashes), self.part_texts)):
            batch = hashes[start : start + self.part_texts]
            job.file(part).write_text(json.dumps({h: texts[h] for h in batch}), encoding="utf-8")
            sizes.append(len(batch))
        with self.client.pipeline() as p:
            p.delete(job.todo, job.done)
            p.lpush(job.todo, *[str(n) for n in range(len(sizes))])  # RPOP takes part 0 first
            p.expire(job.todo, KEYS_TTL_SECONDS)
            p.execute()
        for _ in range(len(sizes) - 1):
            self.queue.enqueue(HELP, job_id, attempt, at_front=True, job_timeout=3600, result_ttl=600)
        log.info("ingest job %s: %d texts to embed in %d parts", job_id, len(texts), len(sizes))
        try:
            self._work(kb, job, lambda: progress(self._done(job, sizes), len(texts)))
            self._wait(kb, job, sizes, lambda: progress(self._done(job, sizes), len(texts)))
            kb.embed_texts(kb.missing_texts(pending))  # nothing, unless a part's vectors went missing
            progress(len(texts), len(texts))
        finally:
            self.client.delete(job.todo, job.done, *[f"{job.lease}{n}" for n in range(len(sizes))])
            shutil.rmtree(job.folder, ignore_errors=True)
        return len(texts)

    def _done(self, job: PartsOfJob, sizes: list[int]) -> int:
        return sum(sizes[int(n)] for n in self.client.smembers(job.done))

    def _wait(self, kb: KnowledgeBase, job: PartsOfJob, sizes: list[int], report: Callable[[], None]) -> None:
        """Until every part is done: put back the parts whose holder stopped, and take them again."""
        while True:
            done = {int(n) for n in self.client.smembers(job.done)}
            if len(done) == len(sizes):
                return
            queued = {int(n) for n in self.client.lrange(job.todo, 0, -1)}
            for part in set(range(len(sizes))) - done - queued:
                if not self.client.exists(f"{job.lease}{part}"):
                    log.warning("embedding part %d of %s lost its worker; taking it again", part, job.prefix)
                    self.client.rpush(job.todo, str(part))
            if self._work(kb, job, report) == 0:
                report()
                time.sleep(0.2)

    # ---- helpers -------------------------------------------------------------------------------------
    def help(self, kb: KnowledgeBase, job_id: str, attempt: int) -> int:
        """A helper job: embed parts of the job while any are left; returns how many it embedded."""
        return self._work(kb, self.of(job_id, attempt), lambda: None)

    def _work(self, kb: KnowledgeBase, job: PartsOfJob, report: Callable[[], None]) -> int:
        taken = 0
        while (
            part := self._claim(keys=[job.todo, job.lease], args=[self.holder, self.lease_ms])
        ) is not None:
            number = int(part)
            lease = f"{job.lease}{number}"
            try:
                texts = json.loads(job.file(number).read_text(encoding="utf-8"))
            except (OSError, ValueError):  # the parent finished or moved on: nothing left to do
                self.client.delete(lease)
                return taken
            with _Renewing(self.client, lease, self.lease_ms):
                kb.embed_texts(kb.uncached(texts))
            with self.client.pipeline() as p:
                p.sadd(job.done, str(number))
                p.expire(job.done, KEYS_TTL_SECONDS)
                p.delete(lease)
                p.execute()
            taken += 1
            report()
        return taken


class _Renewing:
    """Keeps a lease alive while its holder works (a killed holder stops renewing it)."""

    def __init__(self, client: redis.Redis[bytes], key: str, lease_ms: int) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, args=(client, key, lease_ms), daemon=True)

    def _renew(self, client: redis.Redis[bytes], key: str, lease_ms: int) -> None:
        while not self._stop.wait(lease_ms / 3000):
            try:
                client.pexpire(key, lease_ms)
            except redis.RedisError:  # Redis briefly away: the next renewal tries again
                log.warning("renewing an embedding lease failed", exc_info=True)

    def __enter__(self) -> _Renewing:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
