"""Build the web UI (web/ -> graph_registry/_web) when a wheel is built and the assets are missing.

The built assets are git-ignored and shipped in the wheel (`artifacts` in
pyproject.toml), the way MLflow and Dagster ship their UIs. Without npm, or if
the build fails, the wheel is still built: the server then says how to build
the UI. GRAPH_REGISTRY_SKIP_WEB_BUILD=1 skips this hook.

pip hides a build backend's output (unless `pip install -v`), so the hook also writes its
phase lines to the terminal it runs in, when there is one: the build takes a minute and a
person at `pip install .` should see why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _to_terminal(message: str) -> None:
    """A line on the controlling terminal, past pip's captured output; nothing without one."""
    try:
        with open("/dev/tty", "w", encoding="utf-8") as tty:
            tty.write(f"\r{message}\n")
    except OSError:
        pass


class WebBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("GRAPH_REGISTRY_SKIP_WEB_BUILD") == "1":
            return
        root = Path(self.root)
        web, built = root / "web", root / "graph_registry" / "_web"
        if (built / "index.html").is_file() and (built / "graphiql.html").is_file():
            return
        if not (web / "package.json").is_file():
            self._say(f"web UI: no sources in {web}; building without the UI", warning=True)
            return
        npm = shutil.which("npm")
        if npm is None:
            self._say(
                "web UI: npm not found, building without the UI (install Node.js 20+ and rebuild, "
                "or run `npm ci && npm run build` in web/)",
                warning=True,
            )
            return
        started = time.monotonic()
        self._say("web UI: building it (npm ci && npm run build in web/, about a minute) ...")
        try:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=web, check=True)
            subprocess.run([npm, "run", "build"], cwd=web, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            self._say(f"web UI: build failed ({error}); building without the UI", warning=True)
            return
        self._say(f"web UI: built into {built} in {time.monotonic() - started:.0f}s")

    def _say(self, message: str, *, warning: bool = False) -> None:
        (self.app.display_warning if warning else self.app.display_info)(message)
        _to_terminal(message)
