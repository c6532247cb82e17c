"""Scanning a dump for its entities' bytes: right for write_snapshot's layout, None or unused for any other."""

from __future__ import annotations

from builder.catalogue.snapshot import read_dump, read_entity
from builder.memory.chunks import scan
from builder.memory.delta import load, load_whole
from tests.conftest import FIXTURES, SNAPSHOT

DESCRIPTION = "<description>Zoom (VOI-02b) at 4.14um of the lung of donor A109"


def test_each_chunk_of_a_written_dump_is_one_entity_of_the_whole_parse():
    data = SNAPSHOT.read_bytes()
    layout = scan(data)
    dump = read_dump(SNAPSHOT)
    assert layout is not None and len(layout.chunks) == len(dump.snapshot.entities)
    for index in range(0, len(layout.chunks), 97):  # entities of every kind, early and past line 65535
        chunk, entity = layout.chunks[index], dump.snapshot.entities[index]
        alone = read_entity(data[chunk.start:chunk.end], chunk.line, str(SNAPSHOT))
        assert repr(alone.entity) == repr(entity)
        assert alone.references == dump.references[index]


def test_other_layouts_are_not_scanned():
    assert scan((FIXTURES / "python-icat-example-5.0.xml").read_bytes()) is None
    data = SNAPSHOT.read_bytes()
    assert scan(data.replace(b"\n  <data>\n", b"\n  <data>\n    <!-- a comment -->\n", 1)) is None
    assert scan(data.replace(b"\n  <data>\n", b"\n  <data>\n  stray text\n", 1)) is None
    assert scan(data[:-200]) is None


def test_a_cdata_section_that_looks_like_entities_is_parsed_whole(tmp_path):
    data = SNAPSHOT.read_bytes()
    assert DESCRIPTION.encode() in data
    fake = "<description><![CDATA[\n    </dataset>\n    <dataset id=\"Fake\">\n    ]]>"
    path = tmp_path / "cdata.xml"
    path.write_bytes(data.replace(DESCRIPTION.encode(), fake.encode() + DESCRIPTION[13:].encode(), 1))
    assert scan(path.read_bytes()) is not None  # the lines look like entities...
    base = load_whole(str(SNAPSHOT), data)
    loaded, updated = load(str(path), path.read_bytes(), base)
    assert not updated  # ...but the cut-off entity does not parse alone
    assert loaded.catalogue == load_whole(str(path), path.read_bytes()).catalogue
