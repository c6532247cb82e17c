"""The on-disk cache of slow results: kept between builds, remade when damaged, never required."""

from __future__ import annotations

from builder.memory.results import ResultCache, json_digest


def test_a_result_saved_by_one_build_is_found_by_the_next(tmp_path):
    first = ResultCache(tmp_path)
    first.put("style-a", "key", ["a finding", 2])
    first.save()
    assert ResultCache(tmp_path).get("style-a", "key") == ["a finding", 2]
    assert ResultCache(tmp_path).get("style-b", "key") is None  # another maker, another namespace


def test_a_damaged_cache_file_is_treated_as_empty_and_written_again(tmp_path):
    (tmp_path / "style-a.json").write_text('{"key": ["trunc', encoding="utf-8")
    cache = ResultCache(tmp_path)
    assert cache.get("style-a", "key") is None
    cache.put("style-a", "key", "made again")
    cache.save()
    assert ResultCache(tmp_path).get("style-a", "key") == "made again"


def test_a_cache_that_cannot_be_written_costs_time_not_the_build(tmp_path):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("", encoding="utf-8")
    cache = ResultCache(blocked)
    cache.put("style-a", "key", "kept in memory")
    cache.save()  # no error
    assert cache.get("style-a", "key") == "kept in memory"


def test_without_a_folder_results_live_in_memory_only(tmp_path):
    cache = ResultCache(None)
    cache.put("style-a", "key", 1)
    cache.save()
    assert cache.get("style-a", "key") == 1 and list(tmp_path.iterdir()) == []


def test_the_digest_of_a_record_does_not_depend_on_key_order_but_on_every_value():
    assert json_digest({"a": 1, "b": [1, 2]}) == json_digest({"b": [1, 2], "a": 1})
    assert json_digest({"a": 1, "b": [1, 2]}) != json_digest({"a": 1, "b": [2, 1]})
    assert json_digest({"title": "Lung"}) != json_digest({"title": "Lung "})
