import pytest

from builder.memory.manifest import MANIFEST_FILE, ManifestError, read_manifest
from builder.publish.output import OutputFolder


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


def test_a_file_placed_twice_is_refused_and_writing_over_a_carried_one_leaves_the_published_one_alone(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"page.html": "published"})
    output = OutputFolder(target, read_manifest(target))
    output.write("page.html", "published")  # carried: a link to the published file
    with pytest.raises(RuntimeError, match="page.html"):
        output.write("page.html", "second version")
    output.tree.overwrite("page.html", b"third version")  # as a render worker writes
    assert (output.folder / "page.html").read_text() == "third version"
    assert (target / "page.html").read_text() == "published"
    output.discard()
    assert (target / "page.html").read_text() == "published"


def test_a_page_is_carried_over_only_with_the_same_inputs(tmp_path):
    target = tmp_path / "hoa"
    first = OutputFolder(target, manifest=True)
    first.placed("page.html", "inputs-a", first.tree.overwrite("page.html", b"made from a"), carried=False)
    first.publish()
    second = OutputFolder(target, read_manifest(target))
    assert not second.carry_over("page.html", "inputs-b")
    assert second.carry_over("page.html", "inputs-a")
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


def files_of(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}


def rebuilt(target, files: dict[str, str]) -> OutputFolder:
    """Build `files` over the published site at `target`, as an incremental build does."""
    output = OutputFolder(target, read_manifest(target), manifest=True)
    for relative, text in files.items():
        output.write(relative, text)
    output.publish()
    return output


def test_the_published_site_is_linked_into_a_new_folder_and_what_is_gone_leaves(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"same.txt": "same", "old/page.html": "old", "changed.txt": "old"})
    published_inodes = {name: (target / name).stat().st_ino for name in ("same.txt", "changed.txt")}
    output = OutputFolder(target, read_manifest(target), manifest=True)
    assert set(output.tree.present) == {"same.txt", "old/page.html", "changed.txt"}  # linked in ahead
    output.write("same.txt", "same")
    output.write("changed.txt", "new")
    assert (target / "changed.txt").read_text() == "old"  # replaced in the new folder, not written through
    output.publish()
    assert files_of(target) == {"same.txt": "same", "changed.txt": "new",
                                MANIFEST_FILE: files_of(target)[MANIFEST_FILE]}
    assert not (target / "old").exists()  # the folder its only page left
    assert (target / "same.txt").stat().st_ino == published_inodes["same.txt"]


def test_the_site_swapped_out_is_the_spare_the_next_build_starts_from(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"a.txt": "1", "b.txt": "1", "c/d.txt": "1"})
    rebuilt(target, {"a.txt": "2", "b.txt": "1", "c/d.txt": "1"})
    spare = tmp_path / ".hoa.spare"
    assert files_of(spare)["a.txt"] == "1" and (spare / MANIFEST_FILE).exists()  # the first version, whole
    live_inodes = {p.name: p.stat().st_ino for p in target.rglob("*.txt")}
    third = rebuilt(target, {"a.txt": "2", "b.txt": "3", "e.txt": "3"})
    assert third.tree.present.keys() == {"a.txt", "b.txt", "c/d.txt"}  # it started from the spare
    assert {name: text for name, text in files_of(target).items() if name != MANIFEST_FILE} == {
        "a.txt": "2", "b.txt": "3", "e.txt": "3"}
    assert not (target / "c").exists()
    assert third.carried == {"a.txt"}
    assert files_of(spare)["b.txt"] == "1"  # the second version, untouched though its files were linked
    assert {p.name: p.stat().st_ino for p in spare.rglob("*.txt")} == live_inodes
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hoa.spare", "hoa"]


def test_a_spare_without_a_manifest_is_not_trusted(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"a.txt": "1"})
    rebuilt(target, {"a.txt": "2"})
    spare = tmp_path / ".hoa.spare"
    (spare / MANIFEST_FILE).unlink()
    (spare / "stray.txt").write_text("not the site's")
    output = rebuilt(target, {"a.txt": "3"})
    assert "stray.txt" not in output.tree.present
    assert files_of(target)["a.txt"] == "3" and "stray.txt" not in files_of(target)


def test_a_failed_build_from_the_spare_leaves_the_published_site_whole(tmp_path):
    target = tmp_path / "hoa"
    published(target, {"a.txt": "1"})
    rebuilt(target, {"a.txt": "2"})
    output = OutputFolder(target, read_manifest(target), manifest=True)
    output.write("a.txt", "half-built")
    output.discard()
    assert files_of(target)["a.txt"] == "2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hoa"]  # the spare was used up
