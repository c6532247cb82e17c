"""Write a site into a folder beside the published one, then swap it in: a failed build changes nothing.

The folder is made beside the target (same file system), so the swap is a
rename. On Linux the two folders are exchanged atomically (renameat2); on
other systems the old folder is moved aside first and restored on failure.

A site folder does not start empty. The site a build swaps out is kept as a
spare (`.<site>.spare`, with its manifest), and the next build starts from
it; without one, given the published site's manifest, the folder starts as
a copy of the published site made of hard links, by a process of its own
while the build works out what has changed (on a large site, tens of
thousands of folders: seconds of the kernel's time). Either way a file
already there with the right bytes stays as it is, any other is replaced
(never written through: its inode may be the published file's), and what the
new site no longer has is removed before the manifest is written into the
folder and published with it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, NamedTuple

from builder.memory.manifest import MANIFEST_FILE, Entry, Manifest, ManifestError, read_manifest
from builder.workers import die_with_parent

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class Placed(NamedTuple):
    """A file put into the new site, as its manifest records it."""

    relative: str  # path in the site
    inputs: str  # hash of what it is made from (its bytes' hash, for a file that is its own input)
    digest: str  # sha256 of its bytes
    carried: bool  # kept from the published site, not made again


@dataclass(frozen=True)
class Tree:
    """Where files are placed: a folder that holds some files already.

    A plain value, so that worker processes place files the same way."""

    folder: str  # the new site
    published: str  # the site at the target
    previous: Mapping[str, Entry]  # the published site's manifest
    present: Mapping[str, str]  # files in `folder` before the build placed any -> sha256 of their bytes

    def carry_over(self, relative: str, inputs: str) -> Entry | None:
        """The published file at `relative`, kept in the new site if it was made from `inputs`; else None."""
        old = self.previous.get(relative)
        if old is None or old.inputs != inputs:
            return None
        if self.present.get(relative) == old.digest:
            return old
        if relative in self.present:
            _unlink(os.path.join(self.folder, relative))
        return old if carry_file(self.published, self.folder, relative) else None

    def carry_over_unchanged(self, relative: str, digest: str) -> Entry | None:
        """The published file at `relative`, kept in the new site if its bytes have this sha256; else None."""
        old = self.previous.get(relative)
        return self.carry_over(relative, old.inputs) if old is not None and old.digest == digest else None

    def overwrite(self, relative: str, payload: bytes) -> str:
        """Write `payload` at `relative`, in place of any file there; its sha256."""
        write_file(self.folder, relative, payload)
        return hashlib.sha256(payload).hexdigest()

    def write(self, relative: str, payload: bytes) -> Placed:
        """Place a file whose content is its own input: the published file, if it holds these bytes."""
        digest = hashlib.sha256(payload).hexdigest()
        old = self.carry_over_unchanged(relative, digest)
        if old is not None:
            return Placed(relative, old.inputs, digest, True)
        write_file(self.folder, relative, payload)
        return Placed(relative, digest, digest, False)


class OutputFolder:
    """A temporary folder that becomes `target` on publish(), or vanishes on discard()."""

    def __init__(self, target: Path, previous: Manifest | None = None, *, manifest: bool = False):
        self.target = target.resolve()
        self.with_manifest = manifest  # a site: publish a manifest of the files, keep a spare
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.spare = self.target.parent / f".{self.target.name}.spare"
        remove_stale(self.target)
        self.folder = Path(tempfile.mkdtemp(prefix=_temporary_prefix(self.target, "building"), dir=self.target.parent))
        os.chmod(self.folder, 0o755)
        self.previous = previous or Manifest()  # of the site at `target`: what may be carried over
        self.hashes: dict[str, str] = {}  # relative path -> sha256 of its bytes
        self.inputs: dict[str, str] = {}  # relative path -> hash of its inputs, where not its bytes
        self.carried: set[str] = set()  # files kept from the previous site, not made again
        self.manifest_text = ""  # as published
        self._spare_manifest: bytes | None = None  # the spare's, while the folder is still the spare as it was
        self._present: Mapping[str, str] | None = self._take_spare() if manifest else None
        self._linking = _Linking(str(self.target), str(self.folder), list(self.previous.files)) \
            if self._present is None and self.previous.files else None
        self._tree: Tree | None = None

    def _take_spare(self) -> Mapping[str, str] | None:
        """Start from the spare, if there is one with a manifest: what is in it, with each file's digest."""
        try:
            spare = read_manifest(self.spare)
        except ManifestError:
            spare = None
        if spare is None:
            return None
        try:
            self.folder.rmdir()
            os.rename(self.spare, self.folder)  # atomic: of two builds at once, one takes it
        except OSError:
            self.folder.mkdir(mode=0o755, exist_ok=True)
            return None
        self._spare_manifest = (self.folder / MANIFEST_FILE).read_bytes()
        os.unlink(self.folder / MANIFEST_FILE)  # no longer describes the folder once the build changes it
        return {relative: entry.digest for relative, entry in spare.files.items()}

    @property
    def tree(self) -> Tree:
        """How to place files; first waits until the published site is linked in, where it is."""
        if self._tree is None:
            present = self._present or {}
            if self._linking is not None:
                linked = self._linking.result()
                if linked is None:  # the linking process died: start from an empty folder, knowing what is in it
                    shutil.rmtree(self.folder)
                    self.folder.mkdir(mode=0o755)
                    linked = frozenset()
                present = {relative: self.previous.files[relative].digest for relative in linked}
            self._tree = Tree(str(self.folder), str(self.target), self.previous.files, present)
        return self._tree

    def write(self, relative: str, data: bytes | str) -> None:
        """Write a file whose content is its own input; the previous site's identical file is kept instead."""
        self.placed(*self.tree.write(relative, data.encode("utf-8") if isinstance(data, str) else data))

    def carry_over(self, relative: str, inputs: str) -> bool:
        """Keep the previous site's file at `relative` if it was made from the same `inputs`; True if kept."""
        old = self.tree.carry_over(relative, inputs)
        if old is None:
            return False
        self.placed(relative, inputs, old.digest, carried=True)
        return True


    def placed(self, relative: str, inputs: str, digest: str, carried: bool) -> None:
        """Record a file put into the folder (here or by a worker process)."""
        if relative in self.hashes:  # the second would replace the first, or be kept as the first no longer is
            raise RuntimeError(f"two files of the site are placed at {relative}")
        self.hashes[relative] = digest
        if inputs != digest:
            self.inputs[relative] = inputs
        if carried:
            self.carried.add(relative)

    def link(self, relative: str, source: Path, digest: str) -> None:
        """Put the file `source` (whose sha256 is `digest`) at `relative`: a hard link where possible, else a copy."""
        old = self.tree.carry_over_unchanged(relative, digest)
        if old is not None:
            self.placed(relative, old.inputs, digest, carried=True)
            return
        target = os.path.join(self.folder, relative)
        if relative in self.tree.present:
            _unlink(target)
        make_folder(os.path.dirname(target))
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not allowed
            shutil.copyfile(source, target)
            os.chmod(target, 0o644)
        self.placed(relative, digest, digest, carried=False)

    def manifest(self) -> Manifest:
        return Manifest({path: Entry(self.inputs.get(path, digest), digest)
                         for path, digest in sorted(self.hashes.items())})

    def exists(self, relative: str) -> bool:
        return relative in self.hashes

    def publish(self, remove_old_in_background: bool = False) -> None:
        """Write the manifest (if kept) and swap the new folder in; the old one is removed, or left to a
        background `rm`."""
        self._remove_unplaced()
        if self.with_manifest:
            self.manifest_text = self.manifest().text()
            write_file(str(self.folder), MANIFEST_FILE, self.manifest_text.encode("utf-8"))
        if self.target.exists() and _exchange(self.folder, self.target):
            self._keep_old(self.folder, remove_old_in_background)  # the building folder now holds the old site
            return
        aside = None
        if self.target.exists():
            aside = self._aside()
            os.rename(self.target, aside)
        try:
            os.rename(self.folder, self.target)
        except OSError:
            if aside is not None:
                os.rename(aside, self.target)
            raise
        if aside is not None:
            self._keep_old(aside, remove_old_in_background)

    def _keep_old(self, old: Path, remove_in_background: bool) -> None:
        """The site swapped out becomes the spare of a site folder; anything else is removed."""
        if self.with_manifest:
            if self.spare.exists():  # one left by a build that did not use it
                unused = self._aside()
                os.rename(self.spare, unused)
                _remove(unused, remove_in_background)
            os.rename(old, self.spare)
            return
        aside = self._aside()  # named as what it is while it is being removed
        os.rename(old, aside)
        _remove(aside, remove_in_background)

    def _remove_unplaced(self) -> None:
        """The published site's files that this build did not place, and the folders they leave empty."""
        emptied = set()
        for relative in self.tree.present.keys() - self.hashes.keys():
            _unlink(os.path.join(self.folder, relative))
            emptied.add(os.path.dirname(relative))
        for parent in sorted(emptied, key=len, reverse=True):
            while parent:
                try:
                    os.rmdir(os.path.join(self.folder, parent))
                except OSError:
                    break  # not empty
                parent = os.path.dirname(parent)

    def _aside(self) -> Path:
        """A free name beside the target for a folder on its way out, until it is removed."""
        aside = Path(tempfile.mkdtemp(prefix=_temporary_prefix(self.target, "old"), dir=self.target.parent))
        aside.rmdir()
        return aside

    def discard(self, in_background: bool = False) -> None:
        if self._linking is not None:
            self._linking.stop()
        if not self.folder.exists():
            return  # published already
        if self._tree is None and self._spare_manifest is not None and not self.spare.exists():
            write_file(str(self.folder), MANIFEST_FILE, self._spare_manifest)  # nothing placed: still the spare
            os.rename(self.folder, self.spare)
            return
        if in_background:
            aside = self._aside()
            os.rename(self.folder, aside)
            _remove(aside, True)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


def _temporary_prefix(target: Path, kind: str) -> str:
    """`.<site>.building-<pid>-` or `.<site>.old-<pid>-`: the process id tells a later build whether the
    folder is still in use."""
    return f".{target.name}.{kind}-{os.getpid()}-"


def remove_stale(target: Path) -> None:
    """Remove the folders that killed builds left beside `target`: those of processes that no longer run."""
    for kind in ("building", "old"):
        for folder in target.parent.glob(f".{target.name}.{kind}-*"):
            pid = folder.name[len(f".{target.name}.{kind}-"):].split("-", 1)[0]
            if not (pid.isdigit() and _running(int(pid))):
                shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's
        return True
    return True


class _Linking:
    """Hard-links the files of the published site into the new folder, in a process of its own: a thread would
    wait for the interpreter between system calls while the build works in Python."""

    def __init__(self, published: str, folder: str, files: list[str]):
        self.receiver, sender = multiprocessing.Pipe(duplex=False)
        self.process = multiprocessing.get_context("fork").Process(
            target=_link_all, args=(published, folder, files, sender, os.getpid()), daemon=True)
        self.process.start()
        sender.close()
        self.files = files

    def result(self) -> frozenset[str] | None:
        """The files linked; None if the process died before saying which."""
        try:
            failed = self.receiver.recv()
        except EOFError:
            failed = None
        self.process.join()
        return None if failed is None else frozenset(self.files) - failed

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def _link_all(published: str, folder: str, files: list[str], report, parent: int) -> None:
    die_with_parent(parent)
    failed, made = set(), {""}
    for relative in files:
        parent = os.path.dirname(relative)
        try:
            if parent not in made:
                make_folder(os.path.join(folder, parent))
                made.add(parent)
            os.link(os.path.join(published, relative), os.path.join(folder, relative))
        except OSError:  # gone from the published site, or links not allowed: the file is made again
            failed.add(relative)
    report.send(failed)
    report.close()


def _remove(folder: Path, in_background: bool) -> None:
    """Deleting thousands of files takes seconds on slow disks; nothing waits for it to finish."""
    if in_background and shutil.which("rm"):
        subprocess.Popen(["rm", "-rf", "--", str(folder)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def carry_file(old_root: str, new_root: str, relative: str) -> bool:
    """Hard-link `relative` from the old folder into the new one; False if it cannot (file gone, no links)."""
    source, target = os.path.join(old_root, relative), os.path.join(new_root, relative)
    try:
        os.link(source, target)
        return True
    except FileNotFoundError:  # most often: the new folder has no parent folder for it yet
        pass
    except OSError:
        return False
    try:
        make_folder(os.path.dirname(target))
        os.link(source, target)
    except OSError:
        return False
    return True


def make_folder(folder: str) -> None:
    """Make `folder` and any missing parents; one system call where only the folder itself is missing.

    os.makedirs checks every parent first, which costs more than the link it prepares when a site has thousands
    of page folders."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def write_file(folder: str, relative: str, payload: bytes) -> None:
    """Write one file under `folder`, making its folders, in place of any file there.

    A file already there is replaced, never written through: it may be a hard link to a file of the published
    site."""
    path = os.path.join(folder, relative)
    try:
        stream = open(path, "xb")
    except FileNotFoundError:
        make_folder(os.path.dirname(path))
        stream = open(path, "xb")
    except FileExistsError:
        os.unlink(path)
        stream = open(path, "xb")
    with stream:
        stream.write(payload)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step where the kernel offers it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    return result == 0
