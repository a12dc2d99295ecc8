"""Write a development ``.env`` with generated keys, once. Runs before Django is configured.

python -m config.devenv              # create/complete .env (never changes a value already set)
python -m config.devenv --print-key  # print a fresh CREDENTIAL_ENCRYPTION_KEYS key
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def new_encryption_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _defined(path: Path) -> set[str]:
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text().splitlines():
        name, sep, _ = line.strip().partition("=")
        if sep and not name.startswith("#"):
            names.add(name.removeprefix("export ").strip())
    return names


def ensure_env(path: Path = ENV_FILE) -> list[str]:
    """Append missing development settings to ``path``; returns the names it added."""
    wanted = {
        "DEBUG": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIAL_ENCRYPTION_KEYS": new_encryption_key(),
    }
    present = _defined(path) | set(os.environ)
    added = [name for name in wanted if name not in present]
    if added:
        with path.open("a") as handle:
            if path.stat().st_size == 0:
                handle.write("# Development settings written by `make run`. Never commit this file.\n")
            for name in added:
                handle.write(f"{name}={wanted[name]}\n")
        path.chmod(0o600)
    return added


def main(argv: list[str]) -> int:
    if "--print-key" in argv:
        print(new_encryption_key())
        return 0
    added = ensure_env()
    print(f"Wrote {', '.join(added)} to {ENV_FILE.name}." if added else f"{ENV_FILE.name} is complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
