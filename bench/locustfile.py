"""Analysts for `python -m bench load`: log in, search, click facets, read articles.

The plan (requests, article ids, credentials, think time) comes from the JSON file
named by BENCH_LOAD_PLAN, written by bench/load.py. Redirects are not followed, so
an expired login shows up as a failure instead of a quiet login page.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text(encoding="utf-8"))
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_logged_in = 0


_started = time.time()


def _note_ready(user: HttpUser) -> None:
    """Once every user has logged in and searched once, start the figures afresh:
    password hashing and each worker's first search (which loads the index
    caches) are not the steady state being measured."""
    global _logged_in
    _logged_in += 1
    if _logged_in == PLAN["users"]:
        runner = user.environment.runner
        runner.stats.reset_all()
        gevent.spawn_later(PLAN["duration"], runner.quit)
        Path(PLAN["steady_marker"]).write_text(
            json.dumps({"since": time.time(), "warmup_s": time.time() - _started}),
            encoding="utf-8",
        )


class Analyst(HttpUser):
    wait_time = between(PLAN["wait_min"], PLAN["wait_max"])

    def on_start(self) -> None:
        self.rng = random.Random()
        page = self.client.get("/accounts/login/", name="login page")
        token = self.client.cookies.get("csrftoken") or ""
        found = _CSRF_INPUT.search(page.text)
        form_token = found.group(1) if found else token
        # Production settings mark cookies Secure; the load runs over plain http on
        # 127.0.0.1, so the cookies are sent by hand.
        response = self.client.post(
            "/accounts/login/",
            data={
                "username": PLAN["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": form_token,
            },
            headers={"Cookie": f"csrftoken={token}"},
            allow_redirects=False,
            name="login",
        )
        session = response.cookies.get("sessionid") or self.client.cookies.get(
            "sessionid"
        )
        if response.status_code != 302 or not session:
            raise RuntimeError(f"login failed with status {response.status_code}")
        self.client.cookies.clear()
        self.client.headers["Cookie"] = f"sessionid={session}; csrftoken={token}"
        # The warm-up request is none of the measured ones (an older plan has none).
        warmup = PLAN.get("warmup") or [item["search"] for item in PLAN["queries"]]
        self._get("/", params=self.rng.choice(warmup), name="warm-up")
        _note_ready(self)

    def _get(self, path: str, *, params: object = None, name: str, **kwargs) -> None:
        with self.client.get(
            path,
            params=params,
            name=name,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task(5)
    def search_then_click(self) -> None:
        item = self.rng.choice(PLAN["queries"])
        self._get("/", params=item["search"], name="search")
        if self.rng.random() < 0.6:
            self._get(
                "/",
                params=item["click"],
                name="facet click",
                headers={"HX-Request": "true"},
            )

    @task(1)
    def browse(self) -> None:
        self._get(
            "/",
            params=self.rng.choice(PLAN["browses"]),
            name="browse",
            headers={"HX-Request": "true"},
        )

    @task(3)
    def read(self) -> None:
        article = self.rng.choice(PLAN["articles"])
        q = self.rng.choice(PLAN["queries"])["search"].get("q", [""])[0]
        self._get(f"/articles/{article}/", params={"q": q}, name="reader")
