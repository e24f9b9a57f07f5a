"""The Dockerfile's build, where there is no Docker engine: same context, steps and environment.

    python docker/imitate.py build DEST     # DEST becomes what /app is in the image
    python docker/imitate.py env            # the final stage's ENV, as the image has it

`build` copies the build context (the checkout minus .dockerignore) to DEST, runs
`docker/build-steps.sh assets` in a directory holding only what stage "assets" copies, puts
bootstrap/dist where the image has it, then runs `docker/build-steps.sh python` in DEST with nothing
but the ENV of stage "app" (paths under /app mapped to DEST) and a PATH to this Python. So a build
step that needs a variable the Dockerfile does not give it fails here as it fails in `docker build`.
Afterwards `DEST/docker/entrypoint.sh web|worker|beat` runs the image's entrypoint (tests use it).
"""

from __future__ import annotations

import fnmatch
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE_DIR = "/app"


def dockerfile_env(stage: str = "app", dockerfile: Path = ROOT / "Dockerfile") -> dict[str, str]:
    """KEY=value pairs of the ENV instructions of one stage (continuation lines joined)."""
    text = dockerfile.read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        instruction = words[0].upper()
        if instruction == "FROM":
            parts = line.split()
            current = parts[-1] if len(parts) >= 4 and parts[-2].upper() == "AS" else None
        elif instruction == "ENV" and current == stage:
            for pair in shlex.split(words[1]):
                key, sep, value = pair.partition("=")
                if not sep:
                    raise ValueError(f"Dockerfile: write ENV as KEY=value, not {pair!r}")
                env[key] = value
    if not env:
        raise ValueError(f"Dockerfile: no ENV in stage {stage!r}")
    return env


def image_env(dest: Path, stage: str = "app") -> dict[str, str]:
    """The stage's ENV with /app mapped to `dest`, plus a PATH and HOME (which the image also has)."""
    env = {key: value.replace(IMAGE_DIR, str(dest)) for key, value in dockerfile_env(stage).items()}
    python_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([python_bin, "/usr/local/bin", "/usr/bin", "/bin"])
    env["HOME"] = str(dest)
    env["LANG"] = "C.UTF-8"
    return env


def _ignore_patterns() -> tuple[list[str], list[str]]:
    excluded, included = [], []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            (included if line.startswith("!") else excluded).append(line.lstrip("!").removeprefix("**/"))
    return excluded, included


def _ignored(relative: str, excluded: list[str], included: list[str]) -> bool:
    def matches(patterns: list[str]) -> bool:
        parts = relative.split("/")
        return any(
            fnmatch.fnmatch(relative, p) or any(fnmatch.fnmatch(part, p) for part in parts) for p in patterns
        )

    return matches(excluded) and not matches(included)


def copy_context(dest: Path) -> None:
    """Copy the build context like `COPY . .` after .dockerignore (which also keeps .env out)."""
    excluded, included = _ignore_patterns()
    for directory, subdirectories, files in os.walk(ROOT):
        base = Path(directory).relative_to(ROOT)
        subdirectories[:] = [d for d in subdirectories if not _ignored(str(base / d), excluded, included)]
        for name in files:
            relative = base / name
            if not _ignored(str(relative), excluded, included):
                (dest / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / relative, dest / relative, follow_symlinks=True)


def build(dest: Path) -> Path:
    dest = dest.resolve()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    copy_context(dest)

    # Stage "assets": only package.json, package-lock.json and the script.
    assets = dest.parent / (dest.name + "-assets")
    shutil.rmtree(assets, ignore_errors=True)
    (assets / "docker").mkdir(parents=True)
    for name in ("package.json", "package-lock.json", "docker/build-steps.sh"):
        shutil.copy2(ROOT / name, assets / name)
    subprocess.run([str(assets / "docker" / "build-steps.sh"), "assets"], check=True, cwd=assets)
    shutil.copytree(assets / "node_modules" / "bootstrap" / "dist", dest / "node_modules" / "bootstrap" / "dist")
    shutil.rmtree(assets)

    # Stage "app": nothing but the Dockerfile's ENV.
    subprocess.run(
        [str(dest / "docker" / "build-steps.sh"), "python"], check=True, cwd=dest, env=image_env(dest)
    )
    return dest


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "build":
        print(f"No Docker engine used: building the image's tree in {build(Path(argv[2]))}")
        return 0
    if len(argv) == 2 and argv[1] == "env":
        for key, value in dockerfile_env().items():
            print(f"{key}={value}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
