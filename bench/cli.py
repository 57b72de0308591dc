"""Dispatch for `python -m bench [COMMAND] ...`; no command runs the benchmark."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def _generate(argv: Sequence[str]) -> int:
    from bench.generate import main

    return main(argv)


def _queries(argv: Sequence[str]) -> int:
    from bench.queries import main

    return main(argv)


def _worker(argv: Sequence[str]) -> int:
    from bench.worker import main

    return main(argv)


def _profile(argv: Sequence[str]) -> int:
    from bench.profile import main

    return main(argv)


def _load(argv: Sequence[str]) -> int:
    from bench.load import main

    return main(argv)


def _tagging(argv: Sequence[str]) -> int:
    from bench.tagging import main

    return main(argv)


def _coverage(argv: Sequence[str]) -> int:
    from bench.coverage import main

    return main(argv)


def _weight(argv: Sequence[str]) -> int:
    from bench.weight import main

    return main(argv)


def _ingest(argv: Sequence[str]) -> int:
    from bench.ingest import main

    return main(argv)


def _bench(argv: Sequence[str]) -> int:
    from bench.run import main

    return main(argv)


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "generate": _generate,
    "queries": _queries,
    "worker": _worker,
    "profile": _profile,
    "load": _load,
    "tagging": _tagging,
    "coverage": _coverage,
    "weight": _weight,
    "ingest": _ingest,
}


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return _bench(argv)
