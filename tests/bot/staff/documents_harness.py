"""A staff stack with a knowledge base of its own (a copy of the sample one), for tests that upload and
publish documents: the shared sample knowledge base of the other tests is never changed."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import build_runtime
from records_api.dev_identity import load_or_create_private_key
from tests.bot.staff.staff_harness import BASE_URL, StaffStack
from tests.web_widget.harness import RecordsService, bot_settings

GOOD_MARKDOWN = b"""# Backyard beekeeping

## Who can keep bees

Residents of Millbrook may keep up to two beehives in a backyard at least 10 metres from the street.

## How to register

Register each hive with the Parks Department before the first of May. Registration is free.
"""
SIDECAR_FIELDS = {
    "department": "Parks Department",
    "contact": "parks@millbrook.example",
    "source_url": "https://www.millbrook.example/bees",
}


@contextmanager
def documents_stack(
    sample_kb_dir: Path, work: Path, identity: RecordsService, **overrides: Any
) -> Iterator[StaffStack]:
    data_dir = work / "data"
    shutil.copytree(sample_kb_dir, data_dir)
    # publishing directly unless a test asks for review (test_documents_review.py)
    overrides.setdefault("publish_requires_approval", False)
    settings = bot_settings(data_dir, work, staff_dev_identity_url=identity.url, **overrides)
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)
    try:
        with TestClient(app, base_url=BASE_URL):
            stack = StaffStack(
                app=app,
                runtime=runtime,
                settings=settings,
                records=identity,
                users=identity.demo_users(),
                key=load_or_create_private_key(Path(identity.env["ASKCITY_DATA_DIR"])),
            )
            yield stack
            for client in stack.clients:
                client.close()
    finally:
        runtime.close()


def wait_for_job(stack: StaffStack, job_id: str, seconds: float = 120) -> dict[str, Any]:
    """The job as the API shows it once it is done or failed."""
    client = stack.client()
    deadline = time.monotonic() + seconds
    while True:
        job = client.get(f"/api/v1/staff/jobs/{job_id}", headers=stack.bearer("agent")).json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        assert time.monotonic() < deadline, f"job still {job['state']} after {seconds:.0f} s: {job}"
        time.sleep(0.2)
