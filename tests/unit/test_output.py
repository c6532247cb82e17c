import pytest

from builder.manifest import MANIFEST_FILE, ManifestError, read_manifest
from builder.output import OutputFolder


def test_publish_replaces_the_old_site_in_one_step(tmp_path):
    target = tmp_path / "site" / "hoa"
    target.mkdir(parents=True)
    (target / "old.html").write_text("old")
    output = OutputFolder(target)
    output.write("index.html", "new")
    output.write("datasets/a/index.html", "a")
    output.publish()
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "datasets/a/index.html", "index.html"]  # a folder of exports: no manifest unless asked for
    assert [p.name for p in target.parent.iterdir()] == ["hoa"]  # no temporary folders left


def test_a_site_folder_publishes_its_manifest_with_it(tmp_path):
    output = OutputFolder(tmp_path / "hoa", manifest=True)
    output.write("index.html", "new")
    output.publish()
    assert set(read_manifest(tmp_path / "hoa").files) == {"index.html"}


def test_discard_leaves_the_old_site_untouched(tmp_path):
    target = tmp_path / "hoa"
    target.mkdir()
    (target / "index.html").write_text("old")
    output = OutputFolder(target)
    output.write("index.html", "half-built")
    output.discard()
    assert (target / "index.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["hoa"]


def test_first_publish_creates_the_folder(tmp_path):
    output = OutputFolder(tmp_path / "new")
    output.write("index.html", "x")
    output.publish()
    assert (tmp_path / "new" / "index.html").read_text() == "x"
    assert output.hashes["index.html"] == pytest.importorskip("hashlib").sha256(b"x").hexdigest()


def published(target, files: dict[str, str]) -> None:
    output = OutputFolder(target, manifest=True)
    for relative, text in files.items():
        output.write(relative, text)
    output.publish()


def test_a_file_with_the_same_bytes_is_carried_over_and_others_are_written(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"same.txt": "same", "changed.txt": "old", "gone.txt": "gone"})
    same_inode = (target / "same.txt").stat().st_ino
    output = OutputFolder(target, read_manifest(target), manifest=True)
    output.write("same.txt", "same")
    output.write("changed.txt", "new")
    output.publish()
    assert (target / "same.txt").stat().st_ino == same_inode
    assert output.carried == {"same.txt"}
    assert (target / "changed.txt").read_text() == "new"
    assert not (target / "gone.txt").exists()
    assert set(read_manifest(target).files) == {"same.txt", "changed.txt"}


def test_writing_over_a_carried_file_leaves_the_published_one_alone(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"page.html": "published"})
    output = OutputFolder(target, read_manifest(target))
    output.write("page.html", "published")  # carried: a link to the published file
    output.write("page.html", "second version")
    assert (target / "page.html").read_text() == "published"
    output.discard()
    assert (target / "page.html").read_text() == "published"


def test_a_page_is_carried_over_only_with_the_same_inputs(tmp_path):
    target = tmp_path / "hoa"
    first = OutputFolder(target, manifest=True)
    first.write("page.html", "made from a")
    first.placed("page.html", "inputs-a", first.hashes["page.html"], carried=False)
    first.publish()
    second = OutputFolder(target, read_manifest(target))
    assert not second.carry("page.html", "inputs-b")
    assert second.carry("page.html", "inputs-a")
    assert (second.folder / "page.html").read_text() == "made from a"
    second.discard()


@pytest.mark.parametrize("text", ["", "[]", '{"format": 2}', '{"format": 2, "files": {"a": {"bytes": "x"}}}',
                                  '{"format": 2, "files": {"a": []}}', '{"format": 2, "files": {"a": ["x", 1]}}'])
def test_a_damaged_manifest_is_refused_with_a_reason(tmp_path, text):
    (tmp_path / MANIFEST_FILE).write_text(text)
    with pytest.raises(ManifestError, match="manifest"):
        read_manifest(tmp_path)


def test_no_site_is_no_manifest_and_a_site_without_one_is_refused(tmp_path):
    assert read_manifest(tmp_path / "nothing") is None
    with pytest.raises(ManifestError, match="no manifest"):
        read_manifest(tmp_path)
