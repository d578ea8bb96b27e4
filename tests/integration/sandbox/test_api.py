"""dify-sandbox's HTTP contract, the bounded queue, and accounting, against the live service."""

from __future__ import annotations

import concurrent.futures
import time

import httpx

from tests.integration.sandbox.conftest import API_KEY, assert_healthy, run_code
from yarrow.sandbox.server import MAX_REQUEST_BYTES
from yarrow.sandbox.supervisor import SandboxProcess


def post(handle: SandboxProcess, body: object, key: str | None = API_KEY) -> httpx.Response:
    headers = {"X-Api-Key": key} if key is not None else {}
    return httpx.post(f"{handle.base_url}/v1/sandbox/run", json=body, headers=headers, timeout=30)


def test_health_needs_no_key(sandbox: SandboxProcess) -> None:
    response = httpx.get(f"{sandbox.base_url}/health")
    assert (response.status_code, response.json()) == (200, "ok")


def test_missing_or_wrong_key_is_401(sandbox: SandboxProcess) -> None:
    body = {"language": "python3", "code": "print(1)"}
    for key in (None, "", "wrong", API_KEY + "x"):
        response = post(sandbox, body, key)
        assert response.status_code == 401
        assert response.json() == {"code": -401, "message": "Unauthorized", "data": None}
    deps = httpx.get(f"{sandbox.base_url}/v1/sandbox/dependencies?language=python3")
    assert deps.status_code == 401


def test_malformed_requests_are_400(sandbox: SandboxProcess) -> None:
    raw = httpx.post(
        f"{sandbox.base_url}/v1/sandbox/run",
        content=b"{not json",
        headers={"X-Api-Key": API_KEY},
    )
    assert raw.status_code == 400 and raw.json()["code"] == -400
    for body in (
        [],
        {"language": "python3"},
        {"code": "print(1)"},
        {"language": "python3", "code": ""},
        {"language": "python3", "code": "print(1)", "enable_network": "yes"},
        {"language": "python3", "code": "print(1)", "preload": 5},
    ):
        response = post(sandbox, body)
        assert response.status_code == 400, body
        assert response.json()["code"] == -400


def test_unsupported_language_is_400(sandbox: SandboxProcess) -> None:
    response = post(sandbox, {"language": "ruby", "code": "puts 1"})
    assert response.status_code == 400
    assert response.json() == {"code": -400, "message": "unsupported language", "data": None}


def test_oversized_request_is_413(sandbox: SandboxProcess) -> None:
    response = post(sandbox, {"language": "python3", "code": "#" * (MAX_REQUEST_BYTES + 1)})
    assert response.status_code == 413
    assert_healthy(sandbox)


def test_run_envelope_and_stderr_become_error(sandbox: SandboxProcess) -> None:
    response = post(
        sandbox,
        {"language": "python3", "code": "import sys\nprint('out')\nprint('warn', file=sys.stderr)"},
    )
    assert response.json() == {
        "code": 0,
        "message": "success",
        "data": {"stdout": "out\n", "error": "warn\n"},
    }
    silent_exit = run_code(sandbox, "python3", "import sys\nsys.exit(3)")
    assert silent_exit == {"stdout": "", "error": "error: exit status 3"}


def test_preload_runs_before_code_in_the_same_namespace(sandbox: SandboxProcess) -> None:
    data = run_code(sandbox, "python3", "print(GREETING, __name__)", preload="GREETING = 'hi'")
    assert data == {"stdout": "hi __main__\n", "error": ""}
    node = run_code(sandbox, "nodejs", "console.log(globalThis.G)", preload="globalThis.G = 7")
    assert node == {"stdout": "7\n", "error": ""}


def test_dependencies(sandbox: SandboxProcess) -> None:
    headers = {"X-Api-Key": API_KEY}
    response = httpx.get(
        f"{sandbox.base_url}/v1/sandbox/dependencies",
        params={"language": "python3"},
        headers=headers,
    )
    body = response.json()
    assert body["code"] == 0
    names = {d["name"] for d in body["data"]["dependencies"]}
    assert {"jinja2", "requests"} <= names
    assert all(d["version"] for d in body["data"]["dependencies"])
    imports = run_code(sandbox, "python3", "import " + ", ".join(sorted(names)) + "\nprint('ok')")
    assert imports == {"stdout": "ok\n", "error": ""}
    refresh = httpx.get(
        f"{sandbox.base_url}/v1/sandbox/dependencies/refresh",
        params={"language": "python3"},
        headers=headers,
    )
    assert refresh.json() == body
    update = httpx.post(
        f"{sandbox.base_url}/v1/sandbox/dependencies/update",
        json={"language": "python3"},
        headers=headers,
    )
    assert update.json()["code"] == 0
    bad = httpx.get(
        f"{sandbox.base_url}/v1/sandbox/dependencies", params={"language": "ruby"}, headers=headers
    )
    assert bad.status_code == 400


def test_queue_is_bounded_with_503_and_accounting(sandbox: SandboxProcess) -> None:
    stats_url = f"{sandbox.base_url}/v1/sandbox/stats"
    before = httpx.get(stats_url, headers={"X-Api-Key": API_KEY}).json()["data"]
    sleeper = {"language": "python3", "code": "import time\ntime.sleep(1.5)\nprint('slept')"}
    # 2 workers, 4 admitted: of 7 concurrent requests, 3 are refused at once.
    with concurrent.futures.ThreadPoolExecutor(7) as pool:
        futures = [pool.submit(post, sandbox, sleeper) for _ in range(7)]
        started = time.monotonic()
        responses = [f.result() for f in futures]
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 4 + [503] * 3
    for response in responses:
        if response.status_code == 503:
            assert response.json() == {"code": -503, "message": "Too many requests", "data": None}
        else:
            assert response.json()["data"] == {"stdout": "slept\n", "error": ""}
    assert time.monotonic() - started >= 3.0  # two waves of two
    after = httpx.get(stats_url, headers={"X-Api-Key": API_KEY}).json()["data"]
    assert after["runs"] - before["runs"] == 4
    assert after["rejected"] - before["rejected"] == 3
    assert after["running"] == after["waiting"] == 0
    assert after["wall_seconds"] - before["wall_seconds"] >= 6.0
    assert after["max_peak_memory_bytes"] > 1 << 20
    assert_healthy(sandbox)


def test_mixed_languages_concurrently_reuse_and_replace_warm_jails(sandbox: SandboxProcess) -> None:
    # Each idle slot keeps a python3 jail waiting; nodejs runs discard it right after it started
    # (a race once: the discarded jail's process outlived bwrap and blocked the slot).
    jobs = [("nodejs", "console.log('n')", "n\n"), ("python3", "print('p')", "p\n")] * 2
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            futures = [pool.submit(run_code, sandbox, lang, code) for lang, code, _ in jobs]
            for future, (_, _, expected) in zip(futures, jobs, strict=True):
                assert future.result(timeout=30) == {"stdout": expected, "error": ""}
    assert_healthy(sandbox)
