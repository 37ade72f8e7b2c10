"""`pairrm serve` against the CLI: the same records give the same numbers whatever else is in flight;
every endpoint and every error status; admission, a client that leaves, a drain on SIGTERM; the
Python client and judge on a live server. Servers listen on 127.0.0.1, on ports the system picks."""
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from helpers import BIN, jsonl, require_binary, run

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "clients", "python"))

WORDS = ("the model answer prompt candidate reward pair rank better worse token shell json line "
         "vector matrix paris london cat dog tree river mountain ocean quick brown fox").split()


def text(rng, lo=1, hi=30):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


class Server:
    """pairrm serve on 127.0.0.1:0; .url once its listening line is printed."""

    def __init__(self, model, *args, env=None):
        require_binary()
        self.proc = subprocess.Popen([BIN, "serve", "-m", model, "--port", "0", "-q", *args], stderr=subprocess.PIPE,
                                     text=True, env={**os.environ, **(env or {})})
        self.lines = []
        deadline = time.time() + 120
        self.url = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.match(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        assert self.url, f"no listening line: {''.join(self.lines)}"
        self.port = int(self.url.rsplit(":", 1)[1])
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


def call(url, path, body=None, method=None, headers=None, raw=None, timeout=120):
    """(status, parsed JSON body or text)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, payload = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read().decode()
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, payload


def metric(url, name):
    _, text_ = call(url, "/metrics")
    return sum(float(v) for k, v in re.findall(r"^(\S+) (\S+)$", text_, re.M) if k == name or k.startswith(name + "{"))


@pytest.fixture(scope="module")
def servers(models):
    s = {recipe: Server(path) for recipe, path in models.items()}
    yield s
    for server in s.values():
        assert server.stop() == 0, "".join(server.lines)


def rank_records(rng, n_records):
    out = []
    for i in range(n_records):
        n = 1 + i % 6
        r = {"id": f"r{i}", "candidates": [text(rng) for _ in range(n)]}
        if i % 3 == 2:
            r["messages"] = [{"role": "user", "content": text(rng)}, {"role": "assistant", "content": text(rng)},
                             {"role": "user", "content": text(rng)}]
        else:
            r["prompt"] = text(rng, 1, 60)
        out.append(r)
    return out


def compare_records(rng, n_records):
    out = []
    for i in range(n_records):
        if i % 4 == 3:
            user = text(rng)
            out.append({"conversation_a": [{"role": "user", "content": user}, {"role": "assistant", "content": text(rng)}],
                        "conversation_b": [{"role": "user", "content": user}, {"role": "assistant", "content": text(rng)}]})
        else:
            out.append({"prompt": text(rng), "a": text(rng), "b": text(rng)})
    return out


def cli_lines(model, command, records, *args):
    return jsonl(run([command, "-m", model, "-q", *args], records).stdout)


def appended(cli_obj, record):
    return {k: v for k, v in cli_obj.items() if k not in record or k == "id"}


@pytest.mark.parametrize("recipe", ["pairrm", pytest.param("better-pairrm", marks=pytest.mark.exhaustive)])
def test_served_records_equal_the_cli_while_others_are_in_flight(servers, models, recipe):
    rng = random.Random(7 if recipe == "pairrm" else 8)
    url = servers[recipe].url
    ranks, compares = rank_records(rng, 36), compare_records(rng, 20)
    want_rank = [appended(c, r) for c, r in zip(cli_lines(models[recipe], "rank", ranks, "--top-k", "2", "--matrix"), ranks)]
    want_cmp = [appended(c, r) for c, r in zip(cli_lines(models[recipe], "compare", compares), compares)]
    noise_rng = random.Random(99)
    noise = rank_records(noise_rng, 64) + compare_records(noise_rng, 64)
    stop = threading.Event()
    failures = []

    def other_client(k):
        conn = http.client.HTTPConnection("127.0.0.1", servers[recipe].port, timeout=120)
        i = k
        while not stop.is_set():
            rec = noise[i % len(noise)]
            path = "/v1/rank" if "candidates" in rec else "/v1/compare"
            conn.request("POST", path, json.dumps(rec), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                failures.append(resp.status)
            i += 16

    # And a long rank in flight meanwhile (1,560 pairs in one record), its numbers checked too.
    long_rank = slow_rank(40)
    want_long = appended(cli_lines(models[recipe], "rank", [long_rank])[0], long_rank)
    long_result = {}
    threads = [threading.Thread(target=other_client, args=(k,)) for k in range(16)]
    threads.append(threading.Thread(target=lambda: long_result.setdefault("got", call(url, "/v1/rank", long_rank))))
    for t in threads:
        t.start()
    try:
        got_rank = [call(url, "/v1/rank", {**r, "top_k": 2, "matrix": True}) for r in ranks]
        status, batch = call(url, "/v1/rank", {"records": ranks, "top_k": 2, "matrix": True})
        got_cmp = [call(url, "/v1/compare", c) for c in compares]
        status_c, batch_c = call(url, "/v1/compare", {"pairs": compares})
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures
    assert long_result["got"] == (200, want_long)
    assert [s for s, _ in got_rank] == [200] * len(ranks) and status == 200 and status_c == 200
    assert [body for _, body in got_rank] == want_rank
    assert batch["results"] == want_rank
    assert [body for _, body in got_cmp] == want_cmp
    assert batch_c["results"] == want_cmp


def test_concurrent_multi_round_requests_equal_the_cli(servers, models):
    """Knockout and bubble records run several rounds; records of different requests share line
    numbers (each request counts from 1) and waves, and must still each advance once per round."""
    url, model = servers["pairrm"].url, models["pairrm"]
    recs = rank_records(random.Random(21), 18)
    want = {mode: [appended(c, r) for c, r in zip(cli_lines(model, "rank", recs, *args), recs)]
            for mode, args in (("knockout", ["--mode", "knockout"]), ("bubble", ["--mode", "bubble", "--seed", "3"]))}
    got, failures = {}, []

    def client(k):
        mode = "knockout" if k % 2 else "bubble"
        extra = {"seed": 3} if mode == "bubble" else {}
        for i in range(k % 3, len(recs), 3):
            status, body = call(url, "/v1/rank", {**recs[i], "mode": mode, **extra})
            if status != 200:
                failures.append((status, body))
            got[(k, i)] = (mode, body)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert len(got) == 12 * 6
    for (k, i), (mode, body) in got.items():
        assert body == want[mode][i], (mode, i)


def test_options_rerank_and_reference_follow_the_cli(servers, models):
    url, model = servers["pairrm"].url, models["pairrm"]
    rng = random.Random(3)
    recs = rank_records(rng, 6)
    for args, fields in [(["--mode", "knockout"], {"mode": "knockout"}),
                         (["--mode", "bubble", "--seed", "5"], {"mode": "bubble", "seed": 5}),
                         (["--aggregate", "bradley_terry"], {"aggregate": "bradley_terry"}),
                         (["--reference", "longest"], {"reference": "longest"}),
                         (["--reference", "0"], {"reference": 0})]:
        want = [appended(c, r) for c, r in zip(cli_lines(model, "rank", recs, *args), recs)]
        assert call(url, "/v1/rank", {"records": recs, **fields}) == (200, {"results": want}), args
    with_ref = [{**r, "reference_text": text(rng)} for r in recs]
    want = [appended(c, r) for c, r in zip(cli_lines(model, "rank", with_ref, "--reference-key", "reference_text"), with_ref)]
    assert call(url, "/v1/rank", {"records": with_ref})[1]["results"] == want
    # rerank: documents best first by the full-mode max_logits score, top_n of them
    rec = {"prompt": "which city", "candidates": ["paris", "london is big", "a tree", "the quick fox"]}
    scores = cli_lines(model, "rank", [rec])[0]["scores"]
    status, body = call(url, "/v1/rerank", {"query": rec["prompt"], "documents": rec["candidates"], "top_n": 3,
                                             "return_documents": True})
    order = sorted(range(4), key=lambda i: (-scores[i], i))[:3]
    assert status == 200
    assert body["results"] == [{"index": i, "relevance_score": scores[i], "document": {"text": rec["candidates"][i]}}
                               for i in order]


def test_get_reward_takes_the_response_out_of_chat_templated_queries(servers, models):
    url, model = servers["pairrm"].url, models["pairrm"]
    cases = [  # (prompt as the policy saw it, response as generated, the user's text)
        ("<|im_start|>user\nName a city.<|im_end|>\n<|im_start|>assistant\n", "Paris is one.<|im_end|>", "Name a city."),
        ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nName a river.<|eot_id|>"
         "<|start_header_id|>assistant<|end_header_id|>\n\n", "The Nile.<|eot_id|>", "Name a river."),
        ("<bos><start_of_turn>user\nName a tree.<end_of_turn>\n<start_of_turn>model\n", "An oak.<end_of_turn>\n",
         "Name a tree."),
        ("plain prompt", " plain answer</s>", "plain prompt"),
    ]
    labels = ["A reference answer.", "Another one.", "Oak trees.", "ref"]
    queries = [p + r for p, r, _ in cases]
    want = cli_lines(model, "rank", [
        {"prompt": user, "candidates": [re.sub(r"(<\|im_end\|>|<\|eot_id\|>|<end_of_turn>|</s>)\s*$", "", r).strip()],
         "label": label} for (_, r, user), label in zip(cases, labels)], "--reference-key", "label")
    status, body = call(url, "/get_reward", {"query": queries, "prompts": [p for p, _, _ in cases], "labels": labels})
    assert status == 200, body
    assert body["rewards"] == [w["rewards"][0] for w in want]
    assert all(abs(s - 1 / (1 + pow(2.718281828459045, -r))) < 1e-9 for s, r in zip(body["scores"], body["rewards"]))
    # without "prompts", the last assistant opener of a known template says where the response starts
    status, alone = call(url, "/get_reward", {"query": queries[:3], "labels": labels[:3]})
    assert status == 200 and alone["rewards"] == body["rewards"][:3]
    assert call(url, "/get_reward", {"query": queries})[0] == 422
    assert call(url, "/get_reward", {"query": queries, "labels": [""] * 4})[0] == 422
    status, err = call(url, "/get_reward", {"query": ["no template here"], "labels": ["x"]})
    assert status == 422 and err["field"] == "query[0]"


def test_errors_are_json_with_their_status(servers):
    url = servers["pairrm"].url
    cases = [
        (("/v1/rank", None, "POST", b"{not json"), 400, None),
        (("/v1/rank", {"prompt": "p", "candidates": "x"}, None, None), 400, "candidates"),
        (("/v1/rank", {"prompt": "p", "candidates": ["a", 3]}, None, None), 400, "candidates[1]"),
        (("/v1/rank", {"prompt": "p", "candidates": ["a"], "mode": "best"}, None, None), 400, "mode"),
        (("/v1/rank", {"prompt": "p", "candidates": ["a", "b"], "mode": "knockout", "aggregate": "max_wins"}, None, None),
         400, "aggregate"),
        (("/v1/compare", {"prompt": "p", "a": "x"}, None, None), 400, "b"),
        (("/v1/compare", {"prompt": "p", "a": "x", "b": "y", "order": "sideways"}, None, None), 400, "order"),
        (("/v1/rank", {"prompt": "p", "candidates": ["c"] * 1001}, None, None), 422, "candidates"),
        (("/v1/rerank", {"documents": ["a"]}, None, None), 400, "query"),
        (("/nowhere", None, "GET", None), 404, None),
        (("/v1/rank", None, "GET", None), 405, None),
        (("/health", None, "DELETE", None), 405, None),
    ]
    types = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 422: "unprocessable"}
    for (path, body, method, raw), status, field in cases:
        got, err = call(url, path, body, method=method, raw=raw)
        assert got == status, (path, body, err)
        assert err["type"] == types[status] and err["error"], err
        assert err.get("field") == field, err
    # a bad record inside a batch is its error record, in place; the others are answered
    status, body = call(url, "/v1/rank", {"records": [{"prompt": "p", "candidates": ["a", "b"]}, {"id": 5, "prompt": "p"}]})
    assert status == 200 and body["results"][1] == {"id": 5, "error": {"line": 2, "field": "candidates", "message": "missing"}}
    assert call(url, "/health") == (200, {"status": "ok"})
    status, info = call(url, "/v1/model")
    assert status == 200 and info["recipe"]["template"] == "llm-blender" and len(info["sha256"]) == 64


@pytest.mark.parametrize("sig,after", [(signal.SIGKILL, 1), (signal.SIGKILL, 9), (signal.SIGKILL, 23),
                                       (signal.SIGTERM, 4), (signal.SIGTERM, 17)])
def test_the_cli_as_a_client_killed_at_several_moments_resumes_byte_identical(servers, models, tmp_path, sig, after):
    """A pipe that stays open feeds `rank --server`; it is killed once `after` lines are written,
    then resumed on the whole input: the output equals one uninterrupted local run."""
    url, model = servers["pairrm"].url, models["pairrm"]
    recs = rank_records(random.Random(after), 30)
    recs.insert(5, {"prompt": "no candidates"})
    text_ = "".join(json.dumps(r) + "\n" for r in recs)
    want = run(["rank", "-m", model, "--top-k", "2"], recs, check=False).stdout
    fifo, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.Popen([BIN, "rank", "--server", url, "-q", "--top-k", "2", "-i", str(fifo), "-o", str(out)],
                            stderr=subprocess.DEVNULL)
    with open(fifo, "w") as w:
        for i, line in enumerate(text_.splitlines(True)):
            w.write(line)
            w.flush()
            if i + 1 == after:
                break
        deadline = time.time() + 60
        while (not out.exists() or out.read_text().count("\n") < after) and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    os.remove(fifo)
    fifo.write_text(text_)
    resumed = run(["rank", "--server", url, "-q", "--top-k", "2", "-i", str(fifo), "-o", str(out), "--resume"],
                  check=False)
    assert resumed.returncode == 2  # the bad line is an error record, as in the local run
    assert out.read_text() == want


def test_a_line_over_the_servers_body_limit_is_an_error_record_and_a_stop_cuts_a_call(models, tmp_path):
    s = Server(models["pairrm"], "--max-body-bytes", "16KiB")
    try:
        recs = [{"id": 1, "prompt": "p", "candidates": ["a", "b"]}, {"id": 2, "prompt": "p" * 20000, "candidates": ["a"]},
                {"id": 3, "prompt": "p", "candidates": ["a", "b"]}]
        p = run(["rank", "--server", s.url], recs, check=False)
        lines = jsonl(p.stdout)
        assert p.returncode == 2 and [x["id"] for x in lines] == [1, 2, 3]
        assert lines[1]["error"]["line"] == 2 and "--max-body-bytes" in lines[1]["error"]["message"]
        assert "ranks" in lines[0] and "ranks" in lines[2]
    finally:
        assert s.stop() == 0
    s = Server(models["pairrm"])
    try:
        src = tmp_path / "slow.jsonl"
        src.write_text(json.dumps(slow_rank(60)) + "\n")
        proc = subprocess.Popen([BIN, "rank", "--server", s.url, "-q", "-i", str(src), "-o", str(tmp_path / "o.jsonl")],
                                stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while metric(s.url, "pairrm_requests_in_flight") < 1 and time.time() < deadline:
            time.sleep(0.01)
        started = time.time()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM and time.time() - started < 2
        assert "--resume" in proc.stderr.read()
    finally:
        assert s.stop() == 0


def test_limits_auth_and_body_size(models):
    s = Server(models["pairrm"], "--max-body-bytes", "2KiB", env={"PAIRRM_API_KEY": "s3cret"})
    try:
        assert call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y"})[0] == 401
        assert call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y"},
                    headers={"Authorization": "Bearer wrong"})[0] == 401
        ok = {"Authorization": "Bearer s3cret"}
        assert call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y"}, headers=ok)[0] == 200
        assert call(s.url, "/health")[0] == 200  # probes need no key
        status, err = call(s.url, "/v1/compare", {"prompt": "p" * 4000, "a": "x", "b": "y"}, headers=ok)
        assert status == 413 and err["type"] == "too_large"
        # a chunked body is held to the same limit (cpp-httplib 0.11 checks Content-Length only)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.request("POST", "/v1/compare", body=iter([b'{"prompt": "', b"p" * 4000, b'", "a": "x", "b": "y"}']),
                     headers={**ok, "Content-Type": "application/json"}, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 413 and json.loads(resp.read())["type"] == "too_large"
        conn.close()
        # a small chunked body is read and answered
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.request("POST", "/v1/compare", body=iter([b'{"prompt": "p", ', b'"a": "x", "b": "y"}']),
                     headers={**ok, "Content-Type": "application/json"}, encode_chunked=True)
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        assert s.stop() == 0


def slow_rank(n=40):
    rng = random.Random(1)
    return {"prompt": text(rng, 40, 60), "candidates": [text(rng, 40, 60) for _ in range(n)]}


def test_over_the_concurrency_limit_is_429_at_once(models):
    s = Server(models["pairrm"], "--max-concurrent-requests", "1")
    try:
        slow = threading.Thread(target=call, args=(s.url, "/v1/rank", slow_rank()))
        slow.start()
        deadline = time.time() + 30
        while metric(s.url, "pairrm_requests_in_flight") < 1 and time.time() < deadline:
            time.sleep(0.01)
        started = time.time()
        status, err = call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y"})
        assert status == 429 and err["type"] == "overloaded" and time.time() - started < 2
        slow.join()
        assert call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y"})[0] == 200
    finally:
        assert s.stop() == 0


def test_over_the_inflight_bytes_limit_is_429_and_one_request_always_gets_in(models):
    s = Server(models["pairrm"], "--max-inflight-bytes", "1KiB")
    try:
        big = slow_rank()
        assert len(json.dumps(big)) > 1024
        slow = threading.Thread(target=lambda: big.update(answer=call(s.url, "/v1/rank", dict(big))))
        slow.start()
        deadline = time.time() + 30
        while metric(s.url, "pairrm_requests_in_flight") < 1 and time.time() < deadline:
            time.sleep(0.01)
        status, err = call(s.url, "/v1/compare", {"prompt": "p" * 200, "a": "x", "b": "y"})
        assert status == 429 and "--max-inflight-bytes" in err["error"]
        slow.join()
        assert big["answer"][0] == 200  # alone in flight, it was let in though over the limit
    finally:
        assert s.stop() == 0


def test_a_drain_that_runs_out_of_time_answers_503_and_exits_0(models):
    s = Server(models["pairrm"], "--shutdown-timeout", "0.2")
    result = {}
    slow = threading.Thread(target=lambda: result.update(r=call(s.url, "/v1/rank", slow_rank(60))))
    slow.start()
    deadline = time.time() + 30
    while metric(s.url, "pairrm_requests_in_flight") < 1 and time.time() < deadline:
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    slow.join()
    assert result["r"][0] == 503 and "--shutdown-timeout" in result["r"][1]["error"]
    assert s.proc.wait(timeout=60) == 0


@pytest.mark.exhaustive  # test_scheduling.py checks the bound batch by batch on fake devices
def test_a_small_request_is_not_held_behind_a_large_one(servers, models):
    """Each request is a flow of its own, served fairly by the scheduler: a compare that arrives
    while a rank of 9,900 pairs runs is answered before it, and the rank's numbers are still the CLI's."""
    url, model = servers["pairrm"].url, models["pairrm"]
    big = slow_rank(100)
    done = {}

    def send(name, path, body):
        done[name] = (call(url, path, body), time.time())

    t = threading.Thread(target=send, args=("big", "/v1/rank", big))
    t.start()
    deadline = time.time() + 30
    while metric(url, "pairrm_requests_in_flight") < 1 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    send("small", "/v1/compare", {"prompt": "p", "a": "x", "b": "y"})
    t.join()
    assert done["small"][0][0] == 200 and done["big"][0][0] == 200
    assert done["small"][1] < done["big"][1]
    assert done["big"][0][1] == appended(cli_lines(model, "rank", [big])[0], big)


def test_a_client_that_leaves_has_its_pairs_dropped(models):
    s = Server(models["pairrm"])
    try:
        body = json.dumps(slow_rank(60)).encode()
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"POST /v1/rank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        time.sleep(0.3)
        sock.close()
        deadline = time.time() + 60
        while metric(s.url, "pairrm_requests_total{endpoint=\"/v1/rank\",status=\"499\"}") < 1 and time.time() < deadline:
            time.sleep(0.05)
        assert metric(s.url, "pairrm_requests_total{endpoint=\"/v1/rank\",status=\"499\"}") == 1
        assert metric(s.url, "pairrm_pairs_scored_total") < 60 * 59  # not every pair ran
        assert call(s.url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y"})[0] == 200  # still serving
    finally:
        assert s.stop() == 0


def test_sigterm_drains_a_slow_request_then_exits_0(models):
    s = Server(models["pairrm"])
    result = {}
    slow = threading.Thread(target=lambda: result.update(r=call(s.url, "/v1/rank", slow_rank())))
    slow.start()
    deadline = time.time() + 30
    while metric(s.url, "pairrm_requests_in_flight") < 1 and time.time() < deadline:
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    with pytest.raises(OSError):  # the port is closed: new connections are refused
        socket.create_connection(("127.0.0.1", s.port), timeout=2)
    slow.join()
    assert result["r"][0] == 200 and len(result["r"][1]["ranks"]) == 40
    assert s.proc.wait(timeout=60) == 0


def test_port_in_use_and_bad_model_exit_1(models, tmp_path):
    s = Server(models["pairrm"])
    try:
        p = subprocess.run([BIN, "serve", "-m", models["pairrm"], "--port", str(s.port)], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 1 and f"127.0.0.1:{s.port}" in p.stderr and "in use" in p.stderr
    finally:
        assert s.stop() == 0
    p = subprocess.run([BIN, "serve", "-m", models["pairrm"], "--host", "203.0.113.7", "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "203.0.113.7" in p.stderr  # not an address of this machine
    bad = tmp_path / "bad.pairrm"
    bad.write_bytes(b"not a model")
    p = subprocess.run([BIN, "serve", "-m", str(bad), "--port", "0"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "bad.pairrm" in p.stderr


def test_python_client_and_judge_against_a_live_server(servers, models):
    from pairrm_client import Client, PairRMJudge

    url, model = servers["pairrm"].url, models["pairrm"]
    client = Client(url)
    assert client.health()
    pairs = [{"prompt": "name a city", "a": "paris", "b": "a tree"}, {"prompt": "a river", "a": "the nile", "b": "dog"}]
    want = cli_lines(model, "compare", pairs)
    got = client.compare(pairs[0]["prompt"], pairs[0]["a"], pairs[0]["b"])
    assert got == appended(want[0], pairs[0])
    ranked = cli_lines(model, "rank", [{"prompt": p["prompt"], "candidates": [p["a"], p["b"]]} for p in pairs])
    judge = PairRMJudge(url=url)
    assert judge.judge([p["prompt"] for p in pairs], [[p["a"], p["b"]] for p in pairs], shuffle_order=False) == \
        [0 if r["scores"][0] >= r["scores"][1] else 1 for r in ranked]
    probs = judge.judge([p["prompt"] for p in pairs], [[p["a"], p["b"]] for p in pairs], shuffle_order=False,
                        return_scores=True)
    for p, r in zip(probs, ranked):
        assert abs(p - 1 / (1 + pow(2.718281828459045, r["scores"][1] - r["scores"][0]))) < 1e-6


def test_the_cli_as_a_client_writes_what_the_local_run_writes(servers, models, tmp_path):
    url, model = servers["pairrm"].url, models["pairrm"]
    rng = random.Random(11)
    ranks = rank_records(rng, 30)
    ranks.insert(4, {"prompt": "no candidates here"})  # an error record, made on the client's side
    compares = compare_records(rng, 12)
    evals = [{"prompt": text(rng), "chosen": text(rng), "rejected": text(rng), "subset": f"s{i % 3}"} for i in range(15)]
    for command, records, args in [("rank", ranks, ["--top-k", "2", "--matrix"]), ("rank", ranks, ["--mode", "knockout"]),
                                   ("rank", ranks, ["--reference", "first"]), ("compare", compares, ["--order", "ab"]),
                                   ("eval", evals, [])]:
        local = run([command, "-m", model, *args], records, check=False)
        remote = run([command, "--server", url, *args], records, check=False)
        assert (remote.returncode, remote.stdout) == (local.returncode, local.stdout), (command, args, remote.stderr)
        if command == "eval":
            table = [[line for line in p.stderr.split("\n") if not line.startswith("pairrm:")] for p in (remote, local)]
            assert table[0] == table[1] and len(table[0]) > 4  # the accuracy table
    # one pair from flags
    local = run(["compare", "-m", model, "--prompt", "p", "--a", "x", "--b", "y"])
    assert run(["compare", "--server", url, "--prompt", "p", "--a", "x", "--b", "y"]).stdout == local.stdout
    # resume and shards behave as in a local run
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in ranks))
    want = run(["rank", "-m", model, "-i", str(src)], check=False).stdout
    shards = [run(["rank", "--server", url, "-i", str(src), "--shard", f"{i}/3"], check=False).stdout for i in range(3)]
    assert "".join(shards) == want
    # a stop, then --resume: the first run reads a pipe that stays open, the second the whole file
    fifo, out = tmp_path / "stream.jsonl", tmp_path / "out.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.Popen([BIN, "rank", "--server", url, "-q", "-i", str(fifo), "-o", str(out)], stderr=subprocess.PIPE)
    with open(fifo, "w") as w:
        w.write("".join(src.read_text().split("\n")[i] + "\n" for i in range(10)))
        w.flush()
        deadline = time.time() + 60
        while (not out.exists() or out.read_text().count("\n") < 10) and time.time() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    os.remove(fifo)
    fifo.write_text(src.read_text())
    run(["rank", "--server", url, "-i", str(fifo), "-o", str(out), "--resume"], check=False)
    assert out.read_text() == want
    # the server's limits hold for its clients: an unknown option is refused, a record over the
    # server's --max-candidates is an error record naming its own input line
    status, err = call(url, "/v1/lines", {"command": "rank", "options": '{"bogus": 1}', "lines": ["{}"]})
    assert status == 400 and err["field"] == "options" and "bogus" in err["error"]
    many = [ranks[0], {"prompt": "p", "candidates": ["c"] * 1001}, ranks[1]]
    p = run(["rank", "--server", url, "--max-candidates", "5000"], many, check=False)
    out_lines = jsonl(p.stdout)
    assert p.returncode == 2 and out_lines[1]["error"]["line"] == 2 and out_lines[1]["error"]["field"] == "candidates"
    assert out_lines[0] == jsonl(run(["rank", "-m", model], ranks[:1]).stdout)[0]
    # options that only apply to a local model are refused
    p = run(["rank", "--server", url, "--device", "cpu"], [], check=False)
    assert p.returncode == 1 and "--device" in p.stderr
    p = run(["rank", "--server", "http://127.0.0.1:1"], ranks[:1], check=False)
    assert p.returncode == 1 and "127.0.0.1:1" in p.stderr


def test_options_are_described_once_and_request_fields_checked_against_them(servers, models, tmp_path):
    """GET /v1/options comes from the list the CLI registers its flags from: every option it names is
    a flag of `pairrm rank|compare` with the same default; the fields are checked against it, with
    messages that name the field and say what it takes."""
    url = servers["pairrm"].url
    status, described = call(url, "/v1/options")
    assert status == 200 and {o["name"] for o in described["rank"]} >= {"mode", "aggregate", "seed", "top_k", "matrix",
                                                                         "reference"}
    for command in ("rank", "compare"):
        help_text = run([command, "--help"]).stdout
        for option in described[command]:
            flag = "--" + option["name"].replace("_", "-")
            assert flag in help_text, (command, flag)
            if option["type"] == "choice":
                assert f"{flag} {'|'.join(option['choices'])} (default {option['default']})" in help_text
    rec = {"prompt": "p", "candidates": ["a", "b"]}
    for body, field, words in [({**rec, "reference": 5}, "reference", "2 candidates"),
                               ({**rec, "top_k": "2"}, "top_k", "at least 1"),
                               ({**rec, "top_k": 0}, "top_k", "at least 1"),
                               ({**rec, "topk": 2}, "topk", "did you mean top_k"),
                               ({**rec, "Top-K": 2}, "Top-K", "did you mean top_k"),
                               ({"records": [rec], "topk": 2}, "topk", "did you mean top_k"),
                               ({"records": [rec], "prompt": "p"}, "prompt", "in each record"),
                               ({**rec, "mode": "knockout", "seed": 1}, "seed", "bubble only")]:
        status, err = call(url, "/v1/rank", body)
        assert status == 400 and err["field"] == field and words in err["error"], (body, err)
    # A record's own fields still pass through (a "model" field is not a misspelt "mode").
    status, ok = call(url, "/v1/rank", {**rec, "model": "gpt-x"})
    assert status == 200 and "ranks" in ok
    status, err = call(url, "/v1/compare", {"prompt": "p", "a": "x", "b": "y", "odrer": "ab"})
    assert status == 200  # a near miss is a record field in the single form; only respellings are refused
    status, err = call(url, "/v1/compare", {"pairs": [{"prompt": "p", "a": "x", "b": "y"}], "odrer": "ab"})
    assert status == 400 and err["field"] == "odrer" and "did you mean order" in err["error"]
    # Bodies that are not one object say what to send instead.
    status, err = call(url, "/v1/rank", [rec, rec])
    assert status == 400 and '{"records": [...]}' in err["error"]
    status, err = call(url, "/v1/compare", raw=b'[{"prompt": "p", "a": "x", "b": "y"}]')
    assert status == 400 and '{"pairs": [...]}' in err["error"]
    joined = (json.dumps(rec) + json.dumps(rec)).encode()  # what curl -d @FILE makes of two lines
    status, err = call(url, "/v1/rank", raw=joined)
    assert status == 400 and "--data-binary" in err["error"]
    status, err = call(url, "/v1/rank", raw=joined.replace(b"}{", b"}\n{"))
    assert status == 400 and "JSON lines" in err["error"] and "--data-binary" not in err["error"]
    # The Python client checks its calls against the server's list before sending them.
    from pairrm_client import Client
    client = Client(url)
    with pytest.raises(TypeError, match="did you mean top_k"):
        client.rank("p", ["a", "b"], topk=2)
    with pytest.raises(ValueError, match="best"):
        client.rank("p", ["a", "b"], mode="best")
    with pytest.raises(ValueError, match="at least 1"):
        client.rank("p", ["a", "b"], top_k=0)


def test_a_remote_run_counts_the_pairs_the_server_scored(servers, models, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"prompt": f"p{i}", "candidates": ["a", "b", "c"]}) + "\n" for i in range(4)))
    summaries = []
    for where in (["-m", models["pairrm"]], ["--server", servers["pairrm"].url]):
        summary = tmp_path / f"summary{len(summaries)}.json"
        run(["rank", *where, "-q", "-i", str(src), "--summary", str(summary)])
        summaries.append(json.load(open(summary)))
    local, remote = summaries
    assert local["pairs"] == 4 * 3 * 2 == remote["pairs"] and remote["pairs_written"] == remote["pairs"]
