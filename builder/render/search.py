"""The static search index of one collection: small files the browser fetches as needed.

    search/<collection>/manifest.json   fields, facets and their values, sorts, shard ranges
    search/<collection>/t/<n>.json      text postings of a range of terms
    search/<collection>/v/<c>.json      the terms starting with one character (for typo tolerance)
    search/<collection>/f/<facet>.json  each document's facet value id(s); a range's values
    search/<collection>/s/<sort>.json   each document's rank in a sort order
    search/<collection>/d/<n>.json      card data of a chunk of documents

The browser fetches the manifest, then only what a query needs: the shards
of its words, the columns of the facets it filters by, the chunks of the
results it shows; counts of the other facets follow. Documents are numbered
in the collection's default order. Text scores are BM25F over the fields
the collection boosts, computed here and stored as one byte per posting,
so the browser only adds them up.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Sequence

from builder.views.shaping import Span

# The same rules are in themes/default/static/js/search.js: keep them in step.
TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)+|[^\W_]+")
STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or that the their this to was were "
    "which with".split()
)
K1, B = 1.2, 0.75
SHARD_POSTINGS = 6000
DOC_CHUNK = 24
FORMAT_VERSION = 1
BOUNDED = ("range", "date")  # facets filtered by bounds rather than by values


def fold(text: str) -> str:
    """Lower case without accents: 'Côte' -> 'cote'."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    return [t for t in TOKEN.findall(fold(text)) if t not in STOP_WORDS]


@dataclass(frozen=True)
class FacetColumn:
    name: str
    label: str
    type: str  # terms, range, text, date, hierarchy
    unit: str
    show: int
    bins: int
    values: Sequence  # sorted distinct values; for a hierarchy, [label, parent id] nodes
    docs: Sequence  # per document: a value id, a list of ids (with `spans`: [first, last]), or -1
    spans: bool = False  # a list is a closed range of values, from its first id to its last
    format: str = ""  # how the browser shows a value: "" or "year"
    ordered: bool = False  # the values are in the collection's display order, not to be sorted by count


@dataclass(frozen=True)
class SortColumn:
    key: str
    label: str
    ranks: Sequence[int]
    descending: bool = False


@dataclass(frozen=True)
class SearchDocument:
    text: dict[str, str]  # searched field -> text
    card: list  # [path, title, [[label, text], ...], text, image or null, subtitle, [list view cell, ...]]


def facet_column(name: str, label: str, kind: str, unit: str, show: int, bins: int,
                 raw_values: Sequence[tuple], value_format: str = "", order: Sequence[str] = ()) -> FacetColumn:
    """Value ids per document over the sorted distinct values (numbers sort as numbers), or over the values
    in `order` first, in that order, where the collection gives one.

    Where some values are spans (the years 350–300 BCE), every document's values become one span,
    from the lowest to the highest, and a filter matches the documents whose span meets its range.
    """
    if any(isinstance(v, Span) for raw in raw_values for v in raw):
        return _span_column(name, label, kind, unit, show, bins, raw_values, value_format)
    distinct = sorted({v for raw in raw_values for v in raw}, key=_ranked(order))
    ids = {value: index for index, value in enumerate(distinct)}
    docs: list = []
    for raw in raw_values:
        if not raw:
            docs.append(-1)
        elif len(raw) == 1:
            docs.append(ids[raw[0]])
        else:
            docs.append(sorted({ids[v] for v in raw}))
    return FacetColumn(name, label, kind, unit, show, bins, distinct, docs, format=value_format, ordered=bool(order))


def _span_column(name: str, label: str, kind: str, unit: str, show: int, bins: int, raw_values: Sequence[tuple],
                 value_format: str) -> FacetColumn:
    hulls = []
    for raw in raw_values:
        ends = [end for v in raw for end in (v if isinstance(v, Span) else (v,))]
        hulls.append((min(ends), max(ends)) if ends else None)
    distinct = sorted({end for hull in hulls if hull for end in hull})
    ids = {value: index for index, value in enumerate(distinct)}
    docs = [-1 if hull is None else ids[hull[0]] if hull[0] == hull[1] else [ids[hull[0]], ids[hull[1]]]
            for hull in hulls]
    return FacetColumn(name, label, kind, unit, show, bins, distinct, docs, spans=True, format=value_format)


def hierarchy_column(name: str, label: str, show: int, paths: Sequence[tuple[str, ...]],
                     order: Sequence[str] = ()) -> FacetColumn:
    """Nodes of a tree (organ > context, era > period > epoch); each document points at its deepest node.
    Siblings are sorted by name, or those `order` names first, in its order (geological time by age)."""
    nodes: dict[tuple[str, ...], int] = {}
    rank = _ranked(order)
    for path in sorted({path[:depth] for path in paths for depth in range(1, len(path) + 1)},
                       key=lambda path: tuple(map(rank, path))):
        nodes[path] = len(nodes)
    values = [[path[-1], nodes[path[:-1]] if len(path) > 1 else -1] for path in nodes]
    docs = [nodes[path] if path else -1 for path in paths]
    return FacetColumn(name, label, "hierarchy", "", show, 0, values, docs, ordered=bool(order))


def _ranked(order: Sequence[str]):
    """A sort key: the values of `order` first, in its order, then the others in their natural order."""
    place = {value: index for index, value in enumerate(order)}
    return lambda value: (place.get(value, len(place)), *_order_key(value))


def _order_key(value) -> tuple:
    if isinstance(value, Span):  # a span sorts by its start: a timeline
        return (0, value.low, "")
    return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))


def sort_column(key: str, label: str, raw_values: Sequence[tuple], descending: bool) -> SortColumn:
    """Each document's place in this order; missing values last, ties by document number."""
    present = [i for i, raw in enumerate(raw_values) if raw]
    present.sort(key=lambda i: _order_key(raw_values[i][0]), reverse=descending)  # stable, also reversed
    missing = [i for i, raw in enumerate(raw_values) if not raw]
    ranks = [0] * len(raw_values)
    for rank, index in enumerate(present + missing):
        ranks[index] = rank
    return SortColumn(key, label, ranks, descending)


def text_postings(documents: Sequence[SearchDocument], boosts: dict[str, float]) -> dict[str, list[int]]:
    """term -> flat [doc delta, impact 1..255, field mask, ...] in document order."""
    fields = list(boosts)
    counted: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = {}  # the same texts recur: tokenise each once
    texts = [[_counted(document.text.get(field), counted) for field in fields] for document in documents]
    count = len(documents)
    average = [(sum(doc[index][0] for doc in texts) / max(count, 1)) or 1.0 for index in range(len(fields))]
    weights = [boosts[field] for field in fields]
    found: dict[str, list[tuple[int, float, int]]] = defaultdict(list)  # term -> (doc, weighted tf, field mask)
    for number, doc in enumerate(texts):
        weighted: dict[str, list] = {}
        for index, (length, terms) in enumerate(doc):
            scale = weights[index] / (1 - B + B * length / average[index])
            for term, tf in terms:
                entry = weighted.get(term)
                if entry is None:
                    weighted[term] = [scale * tf, 1 << index]
                else:
                    entry[0] += scale * tf
                    entry[1] |= 1 << index
        for term, (value, mask) in weighted.items():
            found[term].append((number, value, mask))
    scored: dict[str, list[tuple[int, float, int]]] = {}
    top = 0.0
    for term, postings in found.items():
        idf = math.log(1 + (count - len(postings) + 0.5) / (len(postings) + 0.5))
        scored[term] = [(number, idf * value * (K1 + 1) / (value + K1), mask) for number, value, mask in postings]
        top = max(top, max(score for _, score, _ in scored[term]))
    encoded = {}
    for term, postings in scored.items():
        flat: list[int] = []
        previous = 0
        for number, score, mask in postings:  # in document order
            flat += [number - previous, max(1, round(255 * score / top)), mask]
            previous = number
        encoded[term] = flat
    return encoded


def _counted(text: str | None, counted: dict) -> tuple[int, tuple[tuple[str, int], ...]]:
    """(number of words, (term, occurrences) of each) of a text; (0, ()) for none."""
    if not text:
        return 0, ()
    found = counted.get(text)
    if found is None:
        words = tokens(text)
        found = counted[text] = (len(words), tuple(Counter(words).items()))
    return found


def shards(postings: dict[str, list[int]]) -> list[dict[str, list[int]]]:
    """Consecutive term ranges of about SHARD_POSTINGS postings each."""
    result: list[dict[str, list[int]]] = [{}]
    size = 0
    for term in sorted(postings):
        if size >= SHARD_POSTINGS * 3:
            result.append({})
            size = 0
        result[-1][term] = postings[term]
        size += len(postings[term])
    return result


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def index_files(documents: Sequence[SearchDocument], boosts: dict[str, float], facets: Iterable[FacetColumn],
                sorts: Iterable[SortColumn], default_sort: str, extra: dict) -> dict[str, str]:
    """Every file of the index: relative path -> JSON text. `extra` goes into the manifest as it is
    (the collection's title, the list view's columns, ...)."""
    files: dict[str, str] = {}
    text_shards = shards(text_postings(documents, boosts))
    for number, shard in enumerate(text_shards):
        files[f"t/{number}.json"] = dumps(shard)
    vocabulary: dict[str, list[str]] = defaultdict(list)
    for shard in text_shards:
        for term in shard:
            vocabulary[_vocabulary_key(term)].append(term)
    for key, terms in vocabulary.items():
        files[f"v/{key}.json"] = dumps(terms)
    facets = list(facets)
    for facet in facets:
        column: dict = {"docs": list(facet.docs)}
        if facet.type in BOUNDED:  # long value lists travel with the column, not in the manifest
            column["values"] = list(facet.values)
        files[f"f/{facet.name}.json"] = dumps(column)
    sorts = list(sorts)
    for sort in sorts:
        files[f"s/{sort.key}.json"] = dumps(sort.ranks)
    chunks = range(0, len(documents), DOC_CHUNK)
    for number, start in enumerate(chunks):
        files[f"d/{number}.json"] = dumps([d.card for d in documents[start:start + DOC_CHUNK]])
    manifest = {
        "version": FORMAT_VERSION,
        "count": len(documents),
        "docChunk": DOC_CHUNK,
        "fields": list(boosts),
        "shards": [min(shard) if shard else "" for shard in text_shards],
        "stopWords": sorted(STOP_WORDS),
        "vocabulary": sorted(vocabulary),
        "facets": [_facet_entry(f) for f in facets],
        "sorts": [{"key": s.key, "label": s.label, "descending": s.descending} for s in sorts],
        "defaultSort": default_sort,
        **extra,
    }
    files["manifest.json"] = dumps(manifest)
    return files


def _facet_entry(facet: FacetColumn) -> dict:
    """A facet in the manifest: what draws the panel of the unfiltered collection without any column:
    values and their counts, or a range's bounds and histogram."""
    entry = {"name": facet.name, "label": facet.label, "type": facet.type, "unit": facet.unit, "show": facet.show,
             "bins": facet.bins}
    if facet.spans:
        entry["spans"] = True
    if facet.format:
        entry["format"] = facet.format
    if facet.ordered:
        entry["ordered"] = True
    if facet.type in BOUNDED:
        entry.update(min=facet.values[0] if facet.values else None, max=facet.values[-1] if facet.values else None,
                     histogram=histogram(facet))
    else:
        entry.update(values=list(facet.values), counts=value_counts(facet))
    return entry


def value_counts(facet: FacetColumn) -> list[int]:
    """Documents per value; in a hierarchy a document counts on its node and every node above it."""
    counts = [0] * len(facet.values)
    parents = [value[1] for value in facet.values] if facet.type == "hierarchy" else None
    for entry in facet.docs:
        for node in (entry if isinstance(entry, list) else [entry]):
            while node >= 0:
                counts[node] += 1
                node = parents[node] if parents else -1
    return counts


def histogram(facet: FacetColumn) -> list[int]:
    """Documents per bar; the bars split the values' range evenly, as search.js's FacetValues does.
    A document counts once on each bar its values (or its span) reach."""
    bins = facet.bins
    values = facet.values
    if facet.type == "date":
        positions = [datetime.fromisoformat(v).replace(tzinfo=timezone.utc).timestamp() * 1000 for v in values]
    else:
        positions = list(values)
    low, high = (positions[0], positions[-1]) if positions else (0, 0)
    bin_of = [math.floor(i * bins / len(values)) if high == low else
              min(bins - 1, math.floor((position - low) / (high - low) * bins))
              for i, position in enumerate(positions)]
    counts = [0] * bins
    for entry in facet.docs:
        if facet.spans and isinstance(entry, list):
            reached = set(range(bin_of[entry[0]], bin_of[entry[1]] + 1))
        else:
            reached = {bin_of[v] for v in (entry if isinstance(entry, list) else [entry]) if v >= 0}
        for value in reached:
            counts[value] += 1
    return counts


def _vocabulary_key(term: str) -> str:
    """The file of terms starting like `term`: its first character, or its code point if not a-z/0-9."""
    first = term[0]
    return first if first.isascii() and first.isalnum() else f"u{ord(first):x}"


def text_of(values: dict, fields: Iterable[str]) -> dict[str, str]:
    return {field: values[field].text for field in fields if values[field].text}


def card_data(path: str, title: str, rows: Iterable, text: str, image=None, subtitle: str = "",
              cells: Sequence[str] = ()) -> list:
    """What explore.js shows of a result, as a card or a row of the list view;
    `image` is an ImageSet (its card_data() form is stored)."""
    return [path, title, [[row.label, row.text] for row in rows], text, image.card_data() if image else None,
            subtitle, list(cells)]

