# The tutor image: the service, its CLI (migrations, indexing, keys, evals) and `chroma run`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY tutor ./tutor
# Installed from /app itself (editable), so that the code finds prompts/, corpus/ and evals/
# beside it as in a checkout (tutor.config.PROJECT_ROOT), as `tutor eval` needs.
RUN pip install -e ".[postgres]"

# Data the service and the CLI read: lessons, prompt templates, and the eval sets, so that
# `docker compose run --rm migrate tutor eval contrast` (and the rest of `tutor eval`) runs here.
COPY prompts ./prompts
COPY corpus ./corpus
COPY evals ./evals

# Not root: a user of its own, who owns only what the service writes (its scratch data dir,
# the Chroma server's store, eval reports).
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin tutor \
    && mkdir -p /data /chroma /app/reports \
    && chown tutor:tutor /data /chroma /app/reports
USER tutor:tutor

ENV TUTOR_CORPUS_DIR=/app/corpus TUTOR_PROMPTS_DIR=/app/prompts TUTOR_DATA_DIR=/data
# Two glibc malloc arenas: without the cap a service's RSS grew ~67 KiB per graded answer with
# no plateau (docs/design/serving.md). tutor serve sets it itself by starting again; set here,
# it starts once, and the Chroma server run from this image gets it too.
ENV MALLOC_ARENA_MAX=2
EXPOSE 8000
CMD ["tutor", "serve", "--host", "0.0.0.0", "--port", "8000"]
