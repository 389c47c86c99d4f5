FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tutor ./tutor
COPY prompts ./prompts
COPY corpus ./corpus
RUN pip install --no-cache-dir ".[postgres]"
ENV TUTOR_CORPUS_DIR=/app/corpus TUTOR_PROMPTS_DIR=/app/prompts
EXPOSE 8000
CMD ["tutor", "serve", "--host", "0.0.0.0", "--port", "8000"]
