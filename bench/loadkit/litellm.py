"""LiteLLM's proxy, in a virtualenv of its own (``bench/.venv-litellm``, made on first use), routed to the mock.

No database and no master key: the proxy then needs no auth. ``LITELLM_LOCAL_MODEL_COST_MAP`` keeps it from
fetching its price list at start-up (this machine reaches no network but the package index).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .processes import SERVER_CORE, Processes, Server, free_port, wait_ready

# The issue names 1.80.17 as a release that is not one of the compromised ones; move the pin only to a release
# checked to be clean.
VERSION = "1.80.17"
VENV = Path(__file__).resolve().parent.parent / ".venv-litellm"
PYTHON = VENV / "bin" / "python"
# uvicorn's access log off, as for the other servers; everything else as LiteLLM ships it.
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO"},
        "uvicorn.access": {"handlers": ["default"], "level": "WARNING", "propagate": False},
    },
}


class Unavailable(RuntimeError):
    """LiteLLM could not be installed; the message says why."""


def installed_version() -> str | None:
    if not PYTHON.exists():
        return None
    check = [str(PYTHON), "-c", "import importlib.metadata as m; print(m.version('litellm'))"]
    result = subprocess.run(check, capture_output=True, text=True, check=False)  # noqa: S603
    return result.stdout.strip() if result.returncode == 0 else None


def ensure_installed(log: Path) -> None:
    """Create the virtualenv and install ``litellm[proxy]`` at the pinned version, unless it is there already."""
    if installed_version() == VERSION:
        return
    print(f"  installing litellm[proxy]=={VERSION} into {VENV} (first use only; a few minutes) ...", flush=True)
    with log.open("wb") as out:
        steps = [[sys.executable, "-m", "venv", str(VENV)]] if not PYTHON.exists() else []
        steps.append([str(PYTHON), "-m", "pip", "install", "--quiet", f"litellm[proxy]=={VERSION}"])
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, check=False).returncode:  # noqa: S603
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
                raise Unavailable(f"`{' '.join(step)}` failed (log: {log}):\n{tail}")
    if installed_version() != VERSION:
        raise Unavailable(f"litellm {VERSION} is still not importable from {PYTHON}")


def write_config(directory: Path, mock_url: str) -> tuple[Path, Path]:
    config = directory / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: mock-model\n"
        "    litellm_params:\n"
        "      model: openai/mock-model\n"
        f"      api_base: {mock_url}/v1\n"
        "      api_key: sk-bench-000000000000\n"
    )
    log_config = directory / "litellm-logging.json"
    log_config.write_text(json.dumps(LOG_CONFIG))
    return config, log_config


def start(processes: Processes, mock_url: str, env: dict[str, str]) -> Server:
    config, log_config = write_config(processes.log_dir, mock_url)
    port = free_port()
    command = [
        str(VENV / "bin" / "litellm"),
        *("--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
        *("--num_workers", "1", "--telemetry", "False", "--log_config", str(log_config)),
    ]
    env = {**env, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("DATABASE_URL", None)
    server = processes.start(f"LiteLLM {VERSION}", command, core=SERVER_CORE, env=env, url=f"http://127.0.0.1:{port}")
    wait_ready(server, "/health/liveliness", timeout=180)
    return server
