import pytest

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
        ".atlasgen-manifest.json", "datasets/a/index.html", "index.html"]
    assert [p.name for p in target.parent.iterdir()] == ["hoa"]  # no temporary folders left


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
