"""Inputs by content, the twin of jobs/contract/fingerprints.ts: the same fingerprint strings and
the same per-file digest index on the storage (read the TypeScript file for the why)."""

import contextlib
import hashlib
import json
import os
import posixpath
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..contract import temporary_beside
from ..contract.result import RESULT_FILE

STATE_DIR = ".mammoflow"
# Files hashed at once: enough to keep a disk busy, few enough for a small pod.
PARALLEL_HASHES = 8


def write_text_atomic(path: Path, text: str) -> None:
    """Write then rename; the temporary name is unique across pods (all pid 1) sharing a volume."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(path)
    try:
        temporary.write_text(text, "utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stage_output_digest(folder: Path) -> str | None:
    """The outputDigest a stage folder's Succeeded result records, if it has one."""
    try:
        result = json.loads((folder / RESULT_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        isinstance(result, dict)
        and result.get("outcome") == "Succeeded"
        and isinstance(result.get("outputDigest"), str)
    ):
        return result["outputDigest"]
    return None


class FileDigestIndex:
    """Digests of the files under one input, kept by (size, mtime ns, inode) in
    `<storage>/.mammoflow/file-digests/<sha256 of the input path>.json`, so a re-run over a terabyte
    dataset stats its files instead of reading them; a lost concurrent update only costs a rehash."""

    def __init__(self, storage_root: Path, input_path: str):
        name = hashlib.sha256(input_path.encode()).hexdigest()
        self.file = storage_root / STATE_DIR / "file-digests" / f"{name}.json"
        self.input = input_path
        self.entries: dict[str, str] = {}
        self.changed = False
        try:
            loaded = json.loads(self.file.read_text("utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("files"), dict):
                self.entries = loaded["files"]
        except (OSError, ValueError):
            pass  # No index yet: every file is hashed once.

    def known(self, relative: str, stats: os.stat_result) -> str | None:
        key = f"{stats.st_size}:{stats.st_mtime_ns}:{stats.st_ino}:"
        entry = self.entries.get(relative)
        return entry[len(key) :] if entry is not None and entry.startswith(key) else None

    def record(self, relative: str, stats: os.stat_result, digest: str) -> None:
        self.entries[relative] = f"{stats.st_size}:{stats.st_mtime_ns}:{stats.st_ino}:{digest}"
        self.changed = True

    def digests(self, files: list[tuple[str, Path, os.stat_result]]) -> list[str]:
        """The digest of each (index key, path, stat) file, hashing only those the index lacks."""
        found = [self.known(key, stats) for key, _, stats in files]
        missing = [i for i, digest in enumerate(found) if digest is None]
        with ThreadPoolExecutor(max_workers=PARALLEL_HASHES) as pool:
            for i, digest in zip(missing, pool.map(lambda i: sha256_file(files[i][1]), missing), strict=True):
                found[i] = digest
                self.record(files[i][0], files[i][2], digest)
        return found

    def save(self) -> None:
        if not self.changed:
            return
        # A storage the stage may not write (read-only mount) only loses the shortcut.
        with contextlib.suppress(OSError):
            write_text_atomic(self.file, json.dumps({"input": self.input, "files": self.entries}) + "\n")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _folder_fingerprint(storage_root: Path, top: str, index: FileDigestIndex) -> str:
    lines: list[tuple[str, str]] = []
    files: list[tuple[str, Path, os.stat_result]] = []
    relatives: list[str] = []
    visited: set[tuple[int, int]] = set()

    def walk(absolute: Path, relative: str) -> None:
        own = os.stat(absolute)
        if (own.st_dev, own.st_ino) in visited:
            return  # A link back up the tree.
        visited.add((own.st_dev, own.st_ino))
        for name in sorted(os.listdir(absolute)):
            if name == STATE_DIR:
                continue
            child = absolute / name
            child_relative = f"{relative}/{name}" if relative else name
            stats = _stat(child)
            if stats is None:
                lines.append((child_relative, "missing"))
            elif os.path.isdir(child):
                digest = stage_output_digest(child)
                if digest is not None:
                    lines.append((child_relative, f"stage:{digest}"))
                else:
                    walk(child, child_relative)
            elif os.path.isfile(child):
                files.append((f"{top}/{child_relative}", child, stats))
                relatives.append(child_relative)

    walk(storage_root / top, "")
    lines.extend(zip(relatives, index.digests(files), strict=True))
    lines.sort(key=lambda line: line[0].encode())
    listing = "".join(f"{relative}\t{fingerprint}\n" for relative, fingerprint in lines)
    return "folder:" + hashlib.sha256(listing.encode()).hexdigest()


def fingerprint_input(storage_root: Path, input_path: str) -> str:
    """`stage:<outputDigest>[/<rest>]` inside a stage folder with a Succeeded result, else
    `file:<sha256>`, `folder:<sha256>` or `missing`; links are followed."""
    normalized = posixpath.normpath(input_path).rstrip("/")
    parts = normalized.split("/")
    for n in range(len(parts), 0, -1):
        digest = stage_output_digest(storage_root.joinpath(*parts[:n]))
        if digest is not None:
            rest = "/".join(parts[n:])
            return f"stage:{digest}/{rest}" if rest else f"stage:{digest}"
    absolute = storage_root / normalized
    stats = _stat(absolute)
    if stats is None:
        return "missing"
    index = FileDigestIndex(storage_root, normalized)
    try:
        if os.path.isdir(absolute):
            return _folder_fingerprint(storage_root, normalized, index)
        return "file:" + index.digests([(normalized, absolute, stats)])[0]
    finally:
        index.save()


def fingerprint_inputs(storage_root: Path, inputs: dict) -> dict:
    return {name: fingerprint_input(storage_root, path) for name, path in inputs.items()}
