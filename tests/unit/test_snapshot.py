from collections import Counter

import pytest
from lxml import etree

from builder.catalogue.icatschema import icat_schema, xml_schema
from builder.catalogue.snapshot import (
    Entity,
    Head,
    Ref,
    Snapshot,
    SnapshotWriter,
    read_snapshot,
    snapshot_bytes,
    write_snapshot,
)
from builder.errors import SnapshotError
from tests.conftest import FIXTURES, SNAPSHOT

EXAMPLE = FIXTURES / "python-icat-example-5.0.xml"


def test_a_foreign_dump_loads_whole_including_entities_atlasgen_never_uses():
    snapshot = read_snapshot(EXAMPLE)
    on_disk = Counter(element.tag for element in etree.parse(str(EXAMPLE)).getroot().iterfind("data/*"))
    assert Counter(entity.kind for entity in snapshot.entities) == on_disk
    assert {"rule", "grouping", "study", "job", "publicStep"} <= set(on_disk)


def test_references_by_id_resolve():
    snapshot = read_snapshot(EXAMPLE)
    dataset = next(d for d in snapshot.of_kind("dataset") if d.text("name") == "e208339")
    investigation = snapshot.resolve(dataset.ref("investigation"), "investigation")
    assert investigation.text("name") == "10100601-ST"
    parameter_type = snapshot.resolve(dataset.many("parameters")[0].ref("type"), "parameterType")
    assert parameter_type.text("name") == "Magnetic field"


DUMP_WITH_KEY_REFERENCES = """<?xml version="1.0" encoding="utf-8"?>
<icatdata>
  <head><date>2024-01-01T00:00:00Z</date><generator>hand</generator></head>
  <data>
    <facility id="F"><name>ESRF</name></facility>
    <investigation id="I"><name>md1290</name><title>T</title><visitId>bm18</visitId>
      <facility name="ESRF"/></investigation>
    <dataset><complete>true</complete><name>scan1</name>
      <investigation name="md1290" visitId="bm18" facility.name="ESRF"/></dataset>
  </data>
</icatdata>
"""


def test_references_by_key_attributes_resolve(tmp_path):
    path = tmp_path / "keys.xml"
    path.write_text(DUMP_WITH_KEY_REFERENCES)
    snapshot = read_snapshot(path)
    dataset = snapshot.of_kind("dataset")[0]
    assert snapshot.resolve(dataset.ref("investigation"), "investigation").id == "I"


def test_an_icatingest_file_of_key_references_loads():
    snapshot = read_snapshot(FIXTURES / "python-icat-ingest-ds-params.xml")
    assert [e.kind for e in snapshot.entities] == ["datasetRef"] + ["datasetParameter"] * 3


def test_truncated_snapshot_names_file_and_line(tmp_path):
    data = SNAPSHOT.read_bytes()
    broken = tmp_path / "broken.xml"
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(broken)
    message = str(caught.value)
    assert message.startswith(f"{broken}:")
    assert int(message.split(":")[1]) > 1000  # the line where the file stops
    assert "truncated" in message


def test_a_file_that_is_not_a_dump_is_refused(tmp_path):
    path = tmp_path / "page.xml"
    path.write_text("<html><body><data><dataset/></data></body></html>")
    with pytest.raises(SnapshotError, match=r"root element is <html>, expected <icatdata>"):
        read_snapshot(path)


def test_a_reference_to_nothing_is_reported_with_its_line(tmp_path):
    path = tmp_path / "dangling.xml"
    path.write_text(DUMP_WITH_KEY_REFERENCES.replace('<facility name="ESRF"/>', '<facility ref="Nowhere"/>'))
    with pytest.raises(SnapshotError, match=r"dangling.xml:7: investigation.facility: reference to 'Nowhere'"):
        read_snapshot(path)


def test_missing_file():
    with pytest.raises(SnapshotError, match="snapshot file not found"):
        read_snapshot("/nonexistent/snapshot.xml")


def test_written_snapshots_validate_against_the_icat_schema():
    document = etree.fromstring(SNAPSHOT.read_bytes())
    assert xml_schema().validate(document), xml_schema().error_log


def test_round_trip_keeps_every_value(tmp_path):
    original = read_snapshot(EXAMPLE)
    path = tmp_path / "copy.xml"
    write_snapshot(original, path)
    copy = read_snapshot(path)
    assert xml_schema().validate(etree.parse(str(path)))

    def shape(snapshot):
        return sorted((e.kind, e.id, repr(sorted(_flat(e)))) for e in snapshot.entities)

    assert shape(copy) == shape(original)


def _flat(entity):
    for name, value in entity.values.items():
        if isinstance(value, list):
            for index, child in enumerate(value):
                yield from ((f"{name}[{index}].{k}", v) for k, v in _flat(child))
        elif isinstance(value, Ref):
            yield name, (value.id, tuple(sorted((value.keys or {}).items())))
        else:
            yield name, value


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "snapshot.xml"
    path.write_text("old")
    bad = Snapshot(Head("2024-01-01T00:00:00Z", "test"), [Entity("notAnIcatEntity", {"name": "x"}, "X")])
    with pytest.raises(SnapshotError):
        write_snapshot(bad, path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.xml"]


def test_writing_is_deterministic():
    snapshot = read_snapshot(EXAMPLE)
    assert snapshot_bytes(snapshot) == snapshot_bytes(read_snapshot(EXAMPLE))


def test_lines_past_65535_are_named_right(tmp_path):
    """libxml2 numbers the lines of elements past 65535 one too high; messages must not."""
    lines = SNAPSHOT.read_text().splitlines(keepends=True)
    assert len(lines) > 100_000
    target = next(n for n in range(150_000, len(lines)) if '<user ref="' in lines[n])
    lines[target] = lines[target].replace('<user ref="', '<user ref="Nowhere_', 1)
    path = tmp_path / "dangling.xml"
    path.write_text("".join(lines))
    with pytest.raises(SnapshotError, match=rf"dangling.xml:{target + 1}: .*reference to 'Nowhere_"):
        read_snapshot(path)


def test_a_writer_fed_entities_in_any_order_writes_them_in_schema_order(tmp_path):
    snapshot = read_snapshot(EXAMPLE)
    path = tmp_path / "streamed.xml"
    with SnapshotWriter(path) as writer:
        for entity in reversed(snapshot.entities):
            writer.add(entity)
        assert writer.finish(snapshot.head)
    assert xml_schema().validate(etree.parse(str(path))), xml_schema().error_log
    kinds = [e.kind for e in read_snapshot(path).entities]
    assert sorted(kinds, key=icat_schema().entity_order.index) == kinds
    assert sorted(set(kinds)) == sorted({e.kind for e in snapshot.entities}) and len(kinds) == len(snapshot.entities)


def test_a_writer_left_unfinished_leaves_the_old_file_and_no_spool(tmp_path):
    path = tmp_path / "snapshot.xml"
    path.write_text("old")
    with pytest.raises(RuntimeError), SnapshotWriter(path) as writer:
        writer.add(read_snapshot(EXAMPLE).entities[0])
        raise RuntimeError("harvest interrupted")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.xml"]


def test_writing_the_same_snapshot_again_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "snapshot.xml"
    assert write_snapshot(read_snapshot(EXAMPLE), path)
    before = path.stat()
    assert not write_snapshot(read_snapshot(EXAMPLE), path)
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.xml"]
