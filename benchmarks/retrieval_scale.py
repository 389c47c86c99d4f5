"""Query latency at catalogue scale: unfiltered vs the tutor's filters, and the query cache.

    python benchmarks/retrieval_scale.py                  # 100k passages, 500 lessons
    python benchmarks/retrieval_scale.py --size 20000 --queries 100
    python benchmarks/retrieval_scale.py --chroma-url http://127.0.0.1:8000   # a Chroma server

Embedding 100k texts would take the model half an hour, so the collection is built from
*vectors*: each synthetic lesson (~200 passages, ~500 lessons) is one real corpus lesson's
passage vectors, moved towards a random direction of its own, each passage with small noise;
metadata is spread like a catalogue (sections in turn, 4 concepts per lesson, a few concepts
shared by several lessons). The built collection is kept under build/retrieval-scale/ and
reused by the next run with the same --size and --seed.

Every query goes through ``PassageIndex.search``, the function the tutor calls, with the
filters the tutor uses: none, ``lesson``, ``lesson`` + ``kind=key_takeaways`` (the context's
key takeaways), and ``concept`` (search API and CLI). Each query text is run cold (first time:
embedded) and warm (again: its vector comes from the query cache); the filtered/unfiltered
ratio is printed for both, and the warm one is the index alone.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import numpy as np
from chromadb.api.types import Metadata

from tutor.config import PROJECT_ROOT, Settings
from tutor.corpus import Corpus, load_corpus
from tutor.retrieval import Embedder, Hit, MiniLMEmbedder, PassageIndex, open_client
from tutor.retrieval.embedder import Vectors
from tutor.retrieval.filters import PassageFilter
from tutor.retrieval.index import _document
from tutor.retrieval.manifests import Manifest, build_manifests

BUILD_DIR = PROJECT_ROOT / "build" / "retrieval-scale"
# A lesson's passages take these sections in turn; the first one is its key takeaways.
SECTIONS = ("big_idea", "scenario", "problem", "solution", "before_after", "real_example",
            "explanation", "explanation", "what_it_enables")  # fmt: skip
DRIFT = 0.5  # how far each synthetic lesson moves from the real lesson it copies
NOISE = 0.02  # per passage
QUESTIONS = (
    "how does temperature change the output?",
    "why give the model examples in the prompt?",
    "what is a system prompt for?",
    "how do I stop the model from making things up?",
    "when should I ask for JSON output?",
    "what does chain of thought do?",
    "how do I evaluate a prompt?",
    "why cite sources in an answer?",
    "how long can the context be?",
    "what is retrieval augmented generation?",
    "how do I write a rubric for grading?",
    "what makes an instruction clear?",
)


def drifts(lessons: int, dimension: int, seed: int) -> Vectors:
    """Each synthetic lesson's own direction (what sets it apart from the real lesson it copies
    and from the other copies), the same in every run with the same seed."""
    rng = np.random.default_rng([seed, 1])
    out = rng.normal(size=(lessons, dimension)).astype(np.float32)
    result: Vectors = out * (DRIFT / np.linalg.norm(out, axis=1, keepdims=True))
    return result


def catalogue(
    corpus: Corpus, embedder: Embedder, size: int, lessons: int, seed: int
) -> tuple[Vectors, list[Metadata], list[str], list[str]]:
    """Vectors, metadata, documents and ids of a synthetic catalogue built from the corpus."""
    real = [(lesson, [p for lsn, p in corpus.passages() if lsn.id == lesson.id])
            for lesson in corpus.lessons.values()]  # fmt: skip
    base = {lsn.id: embedder.embed([_document(lsn, p) for p in ps]) for lsn, ps in real}
    dimension = next(iter(base.values())).shape[1]
    moved = drifts(lessons, dimension, seed)
    rng = np.random.default_rng(seed)
    shared = [f"shared-{i}" for i in range(60)]
    per_lesson = size // lessons
    vectors = np.empty((size, dimension), dtype=np.float32)
    metas: list[Metadata] = []
    docs: list[str] = []
    ids: list[str] = []
    row = 0
    for n in range(lessons):
        lesson, passages = real[n % len(real)]
        own = [f"c{n}-{j}" for j in range(4)]
        if rng.random() < 0.3:  # a concept several lessons teach
            own[3] = str(rng.choice(shared))
        for j in range(per_lesson if n < lessons - 1 else size - row):
            i = j % len(passages)
            noise = np.asarray(rng.normal(scale=NOISE, size=dimension), dtype=np.float32)
            vec = base[lesson.id][i] + moved[n] + noise
            vectors[row] = vec / np.linalg.norm(vec)
            picked = rng.choice(4, size=int(rng.integers(1, 4)), replace=False)
            metas.append({
                "lesson_id": f"lesson-{n}",
                "lesson_title": f"{lesson.title} ({n})",
                "section": "key_takeaways" if j == 0 else SECTIONS[j % len(SECTIONS)],
                "title": passages[i].title,
                "concepts": [own[int(c)] for c in picked],
                "hash": f"{n}-{j}",
            })  # fmt: skip
            docs.append(passages[i].text)
            ids.append(f"lesson-{n}/p-{j}")
            row += 1
    return vectors, metas, docs, ids


class CatalogueEmbedder:
    """The real embedder, except that a question *about* a synthetic lesson ("... [lesson-7]")
    leans its lesson's way as the lesson's passages do: what makes it on topic there."""

    def __init__(self, real: Embedder, moved: Vectors) -> None:
        self.real = real
        self.moved = moved
        self.name = real.name

    def embed(self, texts: list[str]) -> Vectors:
        vectors = self.real.embed([t.split(" [")[0] for t in texts])
        for row, text in enumerate(texts):
            if text.endswith("]") and "[lesson-" in text:
                n = int(text.rsplit("[lesson-", 1)[1][:-1])
                moved = vectors[row] + self.moved[n]
                vectors[row] = moved / np.linalg.norm(moved)
        return vectors


def open_catalogue(args: argparse.Namespace, embedder: Embedder) -> PassageIndex:
    name = f"scale-{embedder.name}-{args.size}-{args.lessons}-{args.seed}"
    settings = Settings(data_dir=BUILD_DIR, chroma_url=args.chroma_url, _env_file=None)
    index = PassageIndex(open_client(settings), embedder, name)
    built = index.count() == args.size
    has_manifests = bool((index.manifests.read("lesson:lesson-0") or Manifest("", "", ())).entries)
    if built and has_manifests:
        print(f"reusing {name} in {args.chroma_url or BUILD_DIR}")
        return index
    started = time.perf_counter()
    corpus = load_corpus(PROJECT_ROOT / "corpus")
    vectors, metas, docs, ids = catalogue(corpus, embedder, args.size, args.lessons, args.seed)
    if not built:
        index.reset()
        step = 5000
        for start in range(0, args.size, step):
            stop = start + step
            index.collection.add(
                ids=ids[start:stop],
                embeddings=vectors[start:stop],
                metadatas=metas[start:stop],
                documents=docs[start:stop],
            )
    index.manifests.write(build_manifests(zip(ids, metas, strict=True)))  # as sync does
    print(f"built {name}: {args.size} passages in {time.perf_counter() - started:.0f} s")
    return index


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def timed(calls: list[Callable[[], list[Hit]]]) -> tuple[list[float], list[list[Hit]]]:
    took, results = [], []
    for call in calls:
        t0 = time.perf_counter()
        results.append(call())
        took.append((time.perf_counter() - t0) * 1000)
    return took, results


def search(
    index: PassageIndex, text: str, k: int, where: dict[str, str]
) -> Callable[[], list[Hit]]:
    return lambda: index.search(text, k, **where)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--lessons", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200, help="query texts per case")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chroma-filter", action="store_true", help="Chroma's filter only")
    parser.add_argument("--chroma-url", default=None, help="a Chroma server instead of build/")
    parser.add_argument("--check", action="store_true", help="compare with Chroma's filter")
    args = parser.parse_args()
    real = MiniLMEmbedder()
    embedder = CatalogueEmbedder(real, drifts(args.lessons, real.dimension, args.seed))
    index = open_catalogue(args, embedder)
    client, name = index._client, index.collection.name
    plain = PassageIndex(client, embedder, name, manifests=False)
    if args.chroma_filter:
        index = plain

    rng = random.Random(args.seed)
    lessons = [rng.randrange(args.lessons) for _ in range(args.queries)]
    questions = [f"{rng.choice(QUESTIONS)} ({i})" for i in range(args.queries)]
    shared = [f"shared-{i}" for i in range(0, 60, 6)]
    # (case, k, filters, whether the question is about its lesson): the searches the tutor makes.
    cases: list[tuple[str, int, Callable[[int], dict[str, str]], bool]] = [
        ("none", 12, lambda n: {}, True),
        ("lesson", 12, lambda n: {"lesson": f"lesson-{n}"}, True),
        ("lesson k=30", 30, lambda n: {"lesson": f"lesson-{n}"}, True),
        ("lesson+kind", 1, lambda n: {"lesson": f"lesson-{n}", "kind": "key_takeaways"}, True),
        ("concept", 5, lambda n: {"concept": f"c{n}-{rng.randrange(3)}"}, True),
        ("shared concept", 5, lambda n: {"concept": rng.choice(shared)}, False),
        ("off-topic lesson", 12, lambda n: {"lesson": f"lesson-{(n + 1) % args.lessons}"}, True),
    ]
    filters = {label: [where(n) for n in lessons] for label, _, where, _ in cases}
    for n in range(3):  # warm up the index and the embedder
        index.search("warm up", 5)
        index.search("warm up", 5, lesson=f"lesson-{n}")
    print(f"{args.size} passages, {args.lessons} lessons, {args.queries} queries per case, "
          f"{args.chroma_url or 'embedded Chroma'}, "
          f"{'Chroma filter' if args.chroma_filter else 'manifests'}")  # fmt: skip
    print(f"{'':<17} {'new lesson+question':^26} | {'new question':^26} | "
          f"{'repeated question':^26} | {'Chroma filter' if args.check else ''}")  # fmt: skip
    print(f"{'case':<17}" + " | ".join([f"{'p50':>8} {'p95':>8} {'ratio p95':>9}"] * 3)
          + (f" | {'p50':>8} {'p95':>8} same  exact" if args.check else ""))  # fmt: skip
    # Rounds: "a" new questions, no lesson's vectors cached; "b" new questions in lessons
    # whose vectors are cached (as in a service that has seen them); "c" b's questions again.
    # Query by query, the rounds and the cases take turns, so they share the machine's load,
    # and what round b and c find cached does not depend on the caches' bounds.
    took: dict[tuple[str, str], list[float]] = {}
    found: dict[str, list[list[Hit]]] = {}
    for i, (question, n) in enumerate(zip(questions, lessons, strict=True)):
        for round_ in ("a", "prime", "b", "c"):
            if round_ == "prime":  # the lessons' vectors cached for round b, untimed
                for label, k, _, _ in cases:
                    index.search(f"{question} ({label} prime)", k, **filters[label][i])
                continue
            for label, k, _, on_topic in cases:
                text = f"{question} ({label} {'a' if round_ == 'a' else 'b'})"
                text += f" [lesson-{n}]" if on_topic else ""
                if round_ == "a":
                    index.blocks.clear()
                t0 = time.perf_counter()
                hits = index.search(text, k, **filters[label][i])
                took.setdefault((label, round_), []).append((time.perf_counter() - t0) * 1000)
                if round_ == "c":
                    found.setdefault(label, []).append(hits)
    base = [percentile(took["none", r], 95) for r in "abc"]
    for label, k, _, on_topic in cases:
        figures = [(percentile(took[label, r], 50), percentile(took[label, r], 95)) for r in "abc"]
        line = f"{label:<17}" + " | ".join(
            f"{p50:6.1f}ms {p95:6.1f}ms {p95 / b95:8.2f}x"
            for (p50, p95), b95 in zip(figures, base, strict=True)
        )
        if args.check and label != "none":
            texts = [
                f"{q} ({label} b)" + (f" [lesson-{n}]" if on_topic else "")
                for q, n in zip(questions, lessons, strict=True)
            ]
            plain.queries = index.queries  # the same vectors, already embedded
            chroma_took, chroma = timed(
                [search(plain, t, k, f) for t, f in zip(texts, filters[label], strict=True)]
            )
            same = sum(ids(a) == ids(b) for a, b in zip(found[label], chroma, strict=True))
            exact = sum(
                ids(a) == brute_force(plain, t, k, f)
                for a, t, f in zip(found[label], texts, filters[label], strict=True)
            )
            line += (f" | {percentile(chroma_took, 50):6.1f}ms "
                     f"{percentile(chroma_took, 95):6.1f}ms {same:>4} {exact:>6}")  # fmt: skip
        print(line)
    print("filtered searches answered by:", dict(index.paths))


def ids(hits: list[Hit]) -> list[str]:
    return [h.passage_id for h in hits]


def brute_force(index: PassageIndex, text: str, k: int, where: dict[str, str]) -> list[str]:
    """The filter's top k by comparing the query with every passage Chroma's ``get`` filter
    returns (no manifest, no vector index)."""
    got = index.collection.get(where=PassageFilter(**where).where(), include=["embeddings"])
    if not got["ids"]:
        return []
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = vectors @ index.queries.embed([text])[0]
    return [got["ids"][i] for i in np.argsort(-scores, kind="stable")[:k]]


if __name__ == "__main__":
    main()
