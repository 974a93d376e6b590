"""Where a request input may lead: the storage root, or a read-only root through a symbolic link.

The twin of jobs/ts/runtime/input-path.ts (docs/decisions/0006-input-links-stay-in-the-storage-root.md):
same checks, same reasons, same messages.
"""

import os
from pathlib import Path

from .contract import StageFailure

# Folders outside the storage root that inputs may reach through a link: absolute paths joined by
# ':'. The local runner sets it to the installation's assets/, which `--link-assets` links in.
READ_ONLY_ROOTS_ENV = "MAMMOFLOW_READ_ONLY_ROOTS"


def read_only_roots(env: dict[str, str] | None = None) -> list[str]:
    """The read-only roots named in the environment; an entry that is not absolute is refused, not guessed."""
    value = (os.environ if env is None else env).get(READ_ONLY_ROOTS_ENV, "")
    entries = [entry for entry in value.split(":") if entry != ""]
    for entry in entries:
        if not os.path.isabs(entry):
            raise StageFailure("BadRequest", f"{READ_ONLY_ROOTS_ENV} entry '{entry}' is not an absolute path")
    return entries


def _within(file: str, folder: str) -> bool:
    relative = os.path.relpath(file, folder)
    return relative == "." or (relative != ".." and not relative.startswith(f"..{os.sep}"))


def _real_or_self(folder: str) -> str:
    # os.path.realpath of a folder that does not exist (yet) gives the folder itself, as in TypeScript.
    return os.path.realpath(folder)


def resolve_input(storage_root: Path, name: str, relative: str) -> Path:
    """The path of input `name` under the storage root, after two checks: it exists (else
    MissingArtifact), and with every symbolic link on the way resolved it is still inside the
    storage root or a read-only root (else BadInput naming the link that leaves and where it points).
    """
    path = storage_root / relative
    if not path.exists():
        raise StageFailure("MissingArtifact", f"input '{name}' does not exist: {path}", str(path))
    root = _real_or_self(str(storage_root))
    target = os.path.realpath(path)
    if _within(target, root):
        return path
    allowed = read_only_roots()
    if any(_within(target, _real_or_self(folder)) for folder in allowed):
        return path
    raise StageFailure(
        "BadInput",
        f"input '{name}' ({relative}) leaves the storage root {storage_root}: "
        f"{_leaving_link(storage_root, root, relative)}, so it resolves to {target}, which is neither in "
        f"the storage root nor in a read-only root of {READ_ONLY_ROOTS_ENV} "
        f"({':'.join(allowed) if allowed else 'not set'})",
        str(path),
    )


def _leaving_link(storage_root: Path, root: str, relative: str) -> str:
    """`<step> is a symbolic link to <its text>` for the first step of `relative` whose real path leaves the root."""
    step = storage_root
    for part in [p for p in relative.split("/") if p not in ("", ".")]:
        step = step / part
        if not _within(os.path.realpath(step), root):
            link = os.readlink(step) if step.is_symlink() else "(not a link)"
            return f"{step.relative_to(storage_root)} is a symbolic link to {link}"
    return "a symbolic link on the way"
