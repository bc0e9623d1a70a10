"""The kernel manager the runner starts notebooks with: local sockets and an orderly shutdown, so a successful
run prints nothing from the kernel.

jupyter_client's defaults make every run noisy: the kernel listens on TCP, for which ipykernel warns "Kernel is
running over TCP without encryption"; and shutting a kernel down first sends it SIGINT, which an idle kernel
may catch in its event loop and log as "KeyboardInterrupt caught in kernel". Here the kernel talks over Unix
sockets in Jupyter's runtime folder (readable only by this user: nothing crosses the network to encrypt), and
shutdown skips the interrupt: papermill shuts the kernel down only once no cell is running, and the
shutdown_request that follows (then SIGTERM, SIGKILL) stops it as before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir

SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes on Linux; "-<port>" is appended to the name


def ipc_base() -> tuple[str, str | None] | None:
    """(absolute unique base name for the kernel's Unix sockets, a private folder made for them or None), or None
    if no path is short enough: Jupyter's runtime folder, else (a long home folder) a new folder under /tmp."""
    folder = jupyter_runtime_dir()
    base = os.path.join(os.path.abspath(folder), f"oskil-{uuid.uuid4().hex[:12]}")
    if len(base) + 7 <= SOCKET_PATH_MAX:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        return base, None
    made = tempfile.mkdtemp(prefix="oskil-k")  # mode 0700
    base = os.path.join(made, "k")
    if len(base) + 7 <= SOCKET_PATH_MAX:
        return base, made
    os.rmdir(made)
    return None


class QuietKernelManager(AsyncKernelManager):
    """AsyncKernelManager over IPC that does not interrupt a kernel it is shutting down."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._ipc_folder: str | None = None
        found = ipc_base() if os.name == "posix" else None
        if found is not None:  # else: TCP, and ipykernel's warning stays
            self.transport = "ipc"
            self.ip, self._ipc_folder = found

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)  # removes the socket files
        if self._ipc_folder and not restart:
            shutil.rmtree(self._ipc_folder, ignore_errors=True)

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:  # set by shutdown_kernel before it interrupts
            return
        await super()._async_interrupt_kernel()
