import json

from builder.render import search
from builder.render.search import SearchDocument


def test_tokens_fold_accents_case_and_stop_words():
    assert search.tokens("The Côte-d'Ivoire LUNG at 4.14um") == ["cote", "d", "ivoire", "lung", "4.14", "um"]


def decode(flat):
    doc, postings = 0, []
    for i in range(0, len(flat), 3):
        doc += flat[i]
        postings.append((doc, flat[i + 1], flat[i + 2]))
    return postings


def test_boosted_fields_rank_higher():
    documents = [
        SearchDocument({"title": "heart overview", "description": "a kidney is mentioned"}, []),
        SearchDocument({"title": "kidney zoom", "description": "nothing else"}, []),
        SearchDocument({"title": "liver", "description": "liver"}, []),
    ]
    postings = search.text_postings(documents, {"title": 10, "description": 1})
    kidney = dict((doc, impact) for doc, impact, _ in decode(postings["kidney"]))
    assert set(kidney) == {0, 1}
    assert kidney[1] > kidney[0]
    masks = {doc: mask for doc, _, mask in decode(postings["kidney"])}
    assert masks == {0: 0b10, 1: 0b01}  # bit 0: title, bit 1: description
    assert "is" not in postings and "a" not in postings


def test_sort_ranks_put_missing_values_last_and_keep_ties_in_order():
    column = search.sort_column("age", "Age", [(40.0,), (), (20.0,), (40.0,)], descending=True)
    assert column.ranks == [0, 3, 2, 1]
    ascending = search.sort_column("age", "Age", [(40.0,), (), (20.0,), (40.0,)], descending=False)
    assert ascending.ranks == [1, 3, 0, 2]


def test_facet_columns_number_values_in_order():
    column = search.facet_column("organ", "Organ", "terms", "", 8, 10, [("lung",), (), ("brain", "lung"), ("brain",)])
    assert column.values == ["brain", "lung"]
    assert column.docs == [1, -1, [0, 1], 0]
    numbers = search.facet_column("age", "Age", "range", "years", 8, 10, [(63.0,), (8.0,), (63.0,)])
    assert numbers.values == [8.0, 63.0] and numbers.docs == [1, 0, 1]


def test_index_files_are_sharded_and_described_by_the_manifest():
    documents = [SearchDocument({"title": f"word{i} common"}, [f"d/{i}/", f"T{i}", [], ""]) for i in range(8000)]
    files = search.index_files(documents, {"title": 1}, [], [], "name", {"title": "x"})
    manifest = json.loads(files["manifest.json"])
    assert manifest["count"] == 8000
    assert len(manifest["shards"]) > 1
    shard_terms = [sorted(json.loads(files[f"t/{i}.json"])) for i in range(len(manifest["shards"]))]
    assert [terms[0] for terms in shard_terms] == manifest["shards"]
    flat = [term for terms in shard_terms for term in terms]
    assert flat == sorted(flat) and len(flat) == 8001
    chunks = [json.loads(files[f"d/{i}.json"]) for i in range(-(-8000 // manifest["docChunk"]))]
    assert sum(len(c) for c in chunks) == 8000 and chunks[0][0][1] == "T0"


def test_hierarchy_nodes_count_on_every_level():
    paths = [("lung", "left"), ("lung",), ("lung", "right"), ("heart",), (), ("lung", "left")]
    column = search.hierarchy_column("organ", "Organ", 8, paths)
    assert [label for label, _ in column.values] == ["heart", "lung", "left", "right"]
    parents = [parent for _, parent in column.values]
    assert parents == [-1, -1, 1, 1]
    assert column.docs == [2, 1, 3, 0, -1, 2]
    assert search.value_counts(column) == [1, 4, 2, 1]


def test_histograms_spread_values_over_even_bars():
    column = search.facet_column("age", "Age", "range", "years", 8, 4, [(0.0,), (10.0,), (10.0,), (40.0,), ()])
    assert search.histogram(column) == [1, 2, 0, 1]  # bars of 10 years: 0, 10-19 (twice), 40
    dates = search.facet_column("d", "D", "date", "", 8, 2, [("2020-01-01",), ("2020-12-31",), ("2020-06-01",)])
    assert search.histogram(dates) == [2, 1]  # June falls in the first half of the year


def test_spans_become_one_range_per_document_and_sort_by_their_start():
    Span = search.Span
    raw = [(Span(-664.0, -332.0),), (), (1700.0,), (Span(-27.0, 14.0), Span(100.0, 200.0))]
    column = search.facet_column("created", "Created", "range", "", 8, 4, raw, "year")
    assert column.spans and column.format == "year"
    assert column.values == [-664.0, -332.0, -27.0, 200.0, 1700.0]
    assert column.docs == [[0, 1], -1, 4, [2, 3]]  # a point stays a value; several spans become their hull
    # bars split -664..1700 in four (591 years each): the first span reaches bar 0 only, the hull -27..200 bar 1
    assert search.histogram(column) == [1, 1, 0, 1]
    entry = json.loads(search.dumps(search._facet_entry(column)))
    assert entry["spans"] is True and entry["format"] == "year" and entry["histogram"] == [1, 1, 0, 1]
    ranks = search.sort_column("created", "Oldest first", raw, descending=False).ranks
    assert ranks == [0, 3, 2, 1]


def test_a_span_reaching_several_bars_counts_once_on_each():
    Span = search.Span
    column = search.facet_column("created", "Created", "range", "", 8, 4, [(Span(0.0, 100.0),), (50.0,)])
    assert search.histogram(column) == [1, 1, 2, 1]
