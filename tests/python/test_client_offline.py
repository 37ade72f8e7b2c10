"""The Python client (clients/python) against a fake server on loopback: request bodies, auth, errors,
and PairRMJudge's shuffle / un-shuffle and probability maths (TRL's PairRMJudge semantics), by hand.

No model and no pairrm binary: a tiny http.server on 127.0.0.1 answers canned JSON.
"""
import http.server
import json
import math
import os
import socket
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

from pairrm_client import Client, PairRMConnectionError, PairRMError  # noqa: E402
from pairrm_client import judge as judge_module  # noqa: E402
from pairrm_client.judge import PairRMJudge  # noqa: E402


# ------------------------------------------------------------------------------------------ fake server


class FakeServer:
    """Records every request; answers from `routes[(method, path)]`: (status, body) where body is a
    JSON-able object or bytes, or a callable(request) returning that pair."""

    def __init__(self):
        self.requests = []
        self.routes = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                req = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "raw": raw,
                    "json": json.loads(raw) if raw else None,
                }
                with fake.lock:
                    fake.requests.append(req)
                    route = fake.routes.get((self.command, self.path))
                if route is None:
                    status, body = 404, {"error": f"no route {self.path}", "type": "not_found"}
                elif callable(route):
                    status, body = route(req)
                else:
                    status, body = route
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                ctype = "text/plain" if isinstance(body, bytes) else "application/json"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 64  # the threads test connects 8 at once

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def posts(self):
        """The requests but the client's one GET /v1/options."""
        return [r for r in self.requests if r["path"] != "/v1/options"]

    @property
    def last(self):
        return self.requests[-1]


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    monkeypatch.delenv("PAIRRM_API_KEY", raising=False)
    monkeypatch.delenv("PAIRRM_URL", raising=False)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------------------------------------ requests


def test_rank_single_body_and_result(server):
    answer = {"ranks": [2, 1], "scores": [-0.5, 0.5], "best": 1}
    server.routes[("POST", "/v1/rank")] = (200, answer)
    c = Client(server.url)
    got = c.rank("Q?", ["a", "b"], mode="full", aggregate="max_wins", top_k=1, seed=3, matrix=None)
    assert got == answer
    req = server.last
    assert req["method"] == "POST" and req["path"] == "/v1/rank"
    assert req["headers"]["content-type"] == "application/json"
    assert "authorization" not in req["headers"]
    # None options are left out
    assert req["json"] == {"prompt": "Q?", "candidates": ["a", "b"], "mode": "full", "aggregate": "max_wins",
                           "top_k": 1, "seed": 3}


def test_rank_messages_and_id(server):
    server.routes[("POST", "/v1/rank")] = (200, {"id": 7, "ranks": [1], "scores": [0.0], "best": 0})
    c = Client(server.url)
    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}, {"role": "user", "content": "?"}]
    c.rank(msgs, ("x",), id=7, matrix=True)
    assert server.last["json"] == {"messages": msgs, "candidates": ["x"], "id": 7, "matrix": True}


# What a server describes at GET /v1/options, written out here by hand (docs/serve.md's form): the
# client's checks come from it, not from rules of its own.
OPTIONS = {"rank": [{"name": "mode", "type": "choice", "default": "full", "help": "", "choices": ["full", "bubble"]},
                    {"name": "aggregate", "type": "choice", "default": "max_logits", "help": "",
                     "choices": ["max_logits", "max_wins"]},
                    {"name": "top_k", "type": "integer", "default": 0, "min": 1, "help": ""},
                    {"name": "matrix", "type": "boolean", "default": False, "help": ""},
                    {"name": "reference", "type": "reference", "default": None, "help": "",
                     "choices": ["longest", "shortest"]}],
           "compare": [{"name": "order", "type": "choice", "default": "both", "help": "", "choices": ["both", "ab"]}]}


def test_rank_rejects_unknown_option_and_bad_reference_without_a_request(server):
    server.routes[("GET", "/v1/options")] = (200, OPTIONS)
    c = Client(server.url)
    with pytest.raises(TypeError, match="agregate.*did you mean aggregate"):
        c.rank("q", ["a"], agregate="max_logits")
    with pytest.raises(ValueError, match="longest"):
        c.rank("q", ["a"], reference="longer")
    with pytest.raises(TypeError):
        c.rank_with_ref("q", ["a"], reference=True)
    with pytest.raises(TypeError):
        c.rank("q", ["a"], messages=[])
    with pytest.raises(ValueError, match="at least 1"):
        c.rank("q", ["a"], top_k=0)
    with pytest.raises(TypeError, match="matrix"):
        c.rank_many([("q", ["a"])], matrix="yes")
    with pytest.raises(ValueError, match="sideways"):
        c.compare("q", "a", "b", order="sideways")
    # The list is read once, and nothing else was sent.
    assert [(r["method"], r["path"]) for r in server.requests] == [("GET", "/v1/options")]


def test_an_older_server_without_an_options_list_checks_them_itself(server):
    server.routes[("POST", "/v1/rank")] = (400, {"error": "\"longer\" is not one of longest", "type": "invalid_request",
                                                 "field": "reference"})
    with pytest.raises(PairRMError) as e:
        Client(server.url).rank("q", ["a"], reference="longer")
    assert e.value.field == "reference" and server.last["json"]["reference"] == "longer"


def test_rank_many_batch_form_and_error_entries(server):
    results = [
        {"ranks": [1, 2], "scores": [1.0, -1.0], "best": 0},
        {"error": {"line": 2, "field": "candidates", "message": "empty candidates"}},
        {"id": "r3", "ranks": [1], "scores": [0.0], "best": 0},
    ]
    server.routes[("POST", "/v1/rank")] = (200, {"results": results})
    c = Client(server.url)
    msgs = [{"role": "user", "content": "m"}]
    got = c.rank_many(
        [("p1", ["a", "b"]), {"prompt": "p2", "candidates": []}, {"prompt": msgs, "candidates": ["z"], "id": "r3"}],
        mode="bubble", seed=1, reference=None,
    )
    assert got == results  # the bad record's entry is its error object, not an exception
    assert server.last["json"] == {
        "records": [
            {"prompt": "p1", "candidates": ["a", "b"]},
            {"prompt": "p2", "candidates": []},
            {"messages": msgs, "candidates": ["z"], "id": "r3"},
        ],
        "mode": "bubble",
        "seed": 1,
    }
    assert c.rank_many([]) == []
    assert len(server.posts) == 1  # nothing sent for no records


def test_rank_many_count_mismatch_is_an_error(server):
    server.routes[("POST", "/v1/rank")] = (200, {"results": [{"ranks": [1], "scores": [0.0], "best": 0}]})
    with pytest.raises(PairRMError) as e:
        Client(server.url).rank_many([("p", ["a"]), ("q", ["b"])])
    assert e.value.type == "invalid_response"


def test_compare_and_compare_many(server):
    one = {"logit_ab": 1.0, "logit_ba": -1.0, "margin": 2.0, "p_a_better": 0.88, "winner": "a"}
    server.routes[("POST", "/v1/compare")] = lambda req: (
        200, {"results": [one] * len(req["json"]["pairs"])} if "pairs" in req["json"] else one)
    c = Client(server.url)
    assert c.compare("p", "A", "B", order="ab") == one
    assert server.last["json"] == {"prompt": "p", "a": "A", "b": "B", "order": "ab"}
    conv_a = [{"role": "user", "content": "u"}, {"role": "assistant", "content": "A"}]
    conv_b = [{"role": "user", "content": "u"}, {"role": "assistant", "content": "B"}]
    got = c.compare_many([("p", "A", "B"), {"conversation_a": conv_a, "conversation_b": conv_b}], order="both")
    assert got == [one, one]
    assert server.last["json"] == {
        "pairs": [{"prompt": "p", "a": "A", "b": "B"}, {"conversation_a": conv_a, "conversation_b": conv_b}],
        "order": "both",
    }


def test_rank_with_ref(server):
    server.routes[("POST", "/v1/rank")] = (200, {"rewards": [0.5, 0, -2], "reference_index": 1, "ranks": [1, 2, 3],
                                                 "best": 0})
    c = Client(server.url)
    got = c.rank_with_ref("p", ["a", "bb", "c"])
    assert got == [0.5, 0.0, -2.0] and all(isinstance(x, float) for x in got)
    assert server.last["json"] == {"prompt": "p", "candidates": ["a", "bb", "c"], "reference": "longest"}
    c.rank_with_ref("p", ["a", "bb", "c"], reference=2)
    assert server.last["json"]["reference"] == 2
    c.rank_with_ref("p", ["a", "bb", "c"], reference="median", reference_text="gold")
    assert server.last["json"] == {"prompt": "p", "candidates": ["a", "bb", "c"], "reference_text": "gold"}


def test_rerank_and_get_reward(server):
    res = [{"index": 1, "relevance_score": 0.7}, {"index": 0, "relevance_score": -0.7}]
    server.routes[("POST", "/v1/rerank")] = (200, {"results": res})
    server.routes[("POST", "/get_reward")] = (200, {"rewards": [1, -0.25], "scores": [1, -0.25]})
    c = Client(server.url)
    assert c.rerank("q", ["d0", "d1"], top_n=2) == res
    assert server.last["json"] == {"query": "q", "documents": ["d0", "d1"], "top_n": 2}
    got = c.get_reward(["P1 r1", "P2 r2"], ["P1", "P2"], ["g1", "g2"])
    assert got == [1.0, -0.25]
    assert server.last["path"] == "/get_reward"
    assert server.last["json"] == {"query": ["P1 r1", "P2 r2"], "prompts": ["P1", "P2"], "labels": ["g1", "g2"]}
    with pytest.raises(ValueError, match="differ"):
        c.get_reward(["a"], ["b"], [])


def test_health_and_model(server):
    c = Client(server.url)
    server.routes[("GET", "/health")] = (503, {"status": "loading"})
    assert c.health() is False
    server.routes[("GET", "/health")] = (200, {"status": "ok"})
    assert c.health() is True
    c.wait_until_ready(timeout=1)
    info = {"name": "pairrm", "sha256": "ab", "devices": ["cpu"]}
    server.routes[("GET", "/v1/model")] = (200, info)
    assert c.model() == info
    assert server.last["method"] == "GET" and server.last["path"] == "/v1/model"


def test_url_prefix_and_forms(server):
    server.routes[("GET", "/prefix/v1/model")] = (200, {"ok": 1})
    assert Client(server.url + "/prefix/").model() == {"ok": 1}
    host_port = server.url[len("http://"):]
    server.routes[("GET", "/v1/model")] = (200, {"ok": 2})
    assert Client(host_port).model() == {"ok": 2}
    with pytest.raises(ValueError):
        Client("ftp://x")


# ------------------------------------------------------------------------------------------ auth


def test_auth_header_from_argument_and_env(server, monkeypatch):
    server.routes[("GET", "/v1/model")] = (200, {})
    Client(server.url, api_key="s3cret").model()
    assert server.last["headers"]["authorization"] == "Bearer s3cret"
    monkeypatch.setenv("PAIRRM_API_KEY", "from-env")
    Client(server.url).model()
    assert server.last["headers"]["authorization"] == "Bearer from-env"
    Client(server.url, api_key="").model()  # an explicit empty key sends none
    assert "authorization" not in server.last["headers"]
    assert "s3cret" not in repr(Client(server.url, api_key="s3cret"))


# ------------------------------------------------------------------------------------------ errors


def test_error_fields_from_json_body(server):
    server.routes[("POST", "/v1/rank")] = (
        422, {"error": "too many candidates: 1001 > 1000", "type": "unprocessable", "field": "candidates"})
    c = Client(server.url)
    with pytest.raises(PairRMError) as e:
        c.rank("p", ["a"] * 3)
    err = e.value
    assert (err.status, err.type, err.field) == (422, "unprocessable", "candidates")
    assert err.message == "too many candidates: 1001 > 1000"
    assert err.url == server.url + "/v1/rank"
    assert "422" in str(err) and "candidates" in str(err)

    server.routes[("GET", "/v1/model")] = (401, {"error": "missing or wrong API key", "type": "unauthorized"})
    with pytest.raises(PairRMError) as e:
        c.model()
    assert (e.value.status, e.value.type, e.value.field) == (401, "unauthorized", None)


def test_error_body_not_json(server):
    server.routes[("POST", "/v1/rerank")] = (502, b"<html>Bad Gateway</html>")
    with pytest.raises(PairRMError) as e:
        Client(server.url).rerank("q", ["d"])
    assert e.value.status == 502 and e.value.type == "http_error"
    assert "Bad Gateway" in e.value.message and e.value.url == server.url + "/v1/rerank"


def test_success_body_not_json(server):
    server.routes[("GET", "/v1/model")] = (200, b"not json")
    with pytest.raises(PairRMError) as e:
        Client(server.url).model()
    assert e.value.type == "invalid_response" and "not JSON" in str(e.value)


def test_connection_refused_names_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    c = Client(url, timeout=5)
    with pytest.raises(PairRMConnectionError) as e:
        c.rank("p", ["a", "b"])
    assert isinstance(e.value, PairRMError)
    assert e.value.status is None and e.value.type == "connection_error"
    assert url in str(e.value) and "refused" in str(e.value)
    assert c.health() is False


def test_error_pickles():
    import pickle

    err = pickle.loads(pickle.dumps(PairRMError(400, "invalid_request", "bad", "mode", "http://h/v1/rank")))
    assert (err.status, err.type, err.message, err.field) == (400, "invalid_request", "bad", "mode")


def test_threads_share_one_client(server):
    def answer(req):
        return 200, {"id": req["json"]["id"], "ranks": [1], "scores": [0.0], "best": 0}

    server.routes[("POST", "/v1/rank")] = answer
    c = Client(server.url)
    got, errors = {}, []

    def work(t):
        try:
            for i in range(10):
                got[(t, i)] = c.rank("p", ["a"], id=f"{t}-{i}")["id"]
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert got == {(t, i): f"{t}-{i}" for t in range(8) for i in range(10)}


# ------------------------------------------------------------------------------------------ judge


def score_of(text):
    """The fake model: a candidate "s=1.5" scores 1.5."""
    return float(text.split("=", 1)[1])


@pytest.fixture
def scoring_server(server):
    def answer(req):
        body = req["json"]
        results = []
        for rec in body["records"]:
            if rec["candidates"][0] == "bad":
                results.append({"error": {"line": len(results) + 1, "field": "candidates", "message": "refused"}})
            elif "worse" in rec["candidates"]:  # the server names the position it was sent
                i = rec["candidates"].index("worse")
                results.append({"error": {"line": len(results) + 1, "field": f"candidates[{i}]", "message": "refused"}})
            else:
                results.append({"ranks": [1, 2], "scores": [score_of(c) for c in rec["candidates"]], "best": 0})
        return 200, {"results": results}

    server.routes[("POST", "/v1/rank")] = answer
    return server


class FixedRng:
    """random() returns the given values in turn: < 0.5 flips the pair."""

    def __init__(self, values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0)


FLIP, KEEP = 0.1, 0.9


def test_judge_sends_one_full_max_logits_batch(scoring_server):
    j = PairRMJudge(url=scoring_server.url)
    got = j.judge(["p0", "p1", "p2"], [["s=1", "s=-1"], ("s=-3", "s=2"), ["s=0", "s=0.5"]], shuffle_order=False)
    assert got == [0, 1, 1]
    assert len(scoring_server.posts) == 1
    body = scoring_server.last["json"]
    assert body["mode"] == "full" and body["aggregate"] == "max_logits"
    assert body["records"] == [
        {"prompt": "p0", "candidates": ["s=1", "s=-1"]},
        {"prompt": "p1", "candidates": ["s=-3", "s=2"]},
        {"prompt": "p2", "candidates": ["s=0", "s=0.5"]},
    ]


def test_judge_probability_math(scoring_server):
    j = PairRMJudge(url=scoring_server.url)
    # scores [1, -1], T = 1: softmax of the first = e^1 / (e^1 + e^-1) = 1 / (1 + e^-2)
    p = j.judge(["p"], [["s=1.0", "s=-1.0"]], shuffle_order=False, return_scores=True)
    assert p == [pytest.approx(1 / (1 + math.exp(-2)), abs=1e-12)]
    # T = 2 halves the scores: 1 / (1 + e^-1)
    p = j.judge(["p"], [["s=1.0", "s=-1.0"]], shuffle_order=False, return_scores=True, temperature=2.0)
    assert p == [pytest.approx(1 / (1 + math.exp(-1)), abs=1e-12)]
    # scores [-0.5, 1.5], T = 0.5: 1 / (1 + e^((1.5 + 0.5) / 0.5)) = 1 / (1 + e^4)
    p = j.judge(["p"], [["s=-0.5", "s=1.5"]], shuffle_order=False, return_scores=True, temperature=0.5)
    assert p == [pytest.approx(1 / (1 + math.exp(4)), abs=1e-12)]
    # huge scores do not overflow (max-shifted softmax)
    p = j.judge(["p"], [["s=5000", "s=-5000"]], shuffle_order=False, return_scores=True)
    assert p == [1.0]
    with pytest.raises(ValueError):
        j.judge(["p"], [["s=1", "s=2"]], return_scores=True, temperature=0)


def test_judge_shuffle_flips_and_unflips(scoring_server):
    j = PairRMJudge(url=scoring_server.url, rng=FixedRng([FLIP, KEEP, FLIP]))
    pairs = [["s=1", "s=-1"], ["s=2", "s=3"], ["s=-2", "s=4"]]
    got = j.judge(["a", "b", "c"], pairs)
    # the server saw pairs 0 and 2 reversed ...
    assert [r["candidates"] for r in scoring_server.last["json"]["records"]] == [
        ["s=-1", "s=1"], ["s=2", "s=3"], ["s=4", "s=-2"]]
    # ... and the answers are about the caller's order all the same
    assert got == [0, 1, 1]

    j = PairRMJudge(url=scoring_server.url, rng=FixedRng([FLIP, KEEP]))
    probs = j.judge(["a", "b"], [["s=1", "s=-1"], ["s=1", "s=-1"]], return_scores=True)
    assert probs == [pytest.approx(1 / (1 + math.exp(-2)), abs=1e-12)] * 2


def test_judge_ties(scoring_server):
    # LLM-Blender gives equal scores the same (better) rank, so TRL answers 0 whatever the flip;
    # the probability of a tie is 1/2.
    for rng in (FixedRng([FLIP]), FixedRng([KEEP])):
        assert PairRMJudge(url=scoring_server.url, rng=rng).judge(["p"], [["s=0.25", "s=0.25"]]) == [0]
    for rng in (FixedRng([FLIP]), FixedRng([KEEP])):
        j = PairRMJudge(url=scoring_server.url, rng=rng)
        assert j.judge(["p"], [["s=0.25", "s=0.25"]], return_scores=True) == [0.5]


def test_judge_shuffle_uses_both_orders(scoring_server):
    import random

    j = PairRMJudge(url=scoring_server.url, rng=random.Random(1234))
    got = j.judge(["p"] * 200, [["s=1", "s=-1"]] * 200)
    assert got == [0] * 200
    seen = [r["candidates"][0] for r in scoring_server.last["json"]["records"]]
    assert 40 < seen.count("s=-1") < 160  # about half flipped


def test_judge_errors(scoring_server):
    j = PairRMJudge(url=scoring_server.url)
    with pytest.raises(ValueError, match="exactly 2"):
        j.judge(["p"], [["a", "b", "c"]])
    with pytest.raises(ValueError):
        j.judge(["p", "q"], [["a", "b"]])
    assert j.judge([], []) == []
    with pytest.raises(PairRMError) as e:
        j.judge(["p", "q"], [["s=1", "s=2"], ["bad", "bad"]], shuffle_order=False)
    assert e.value.type == "record_error" and "pair 1" in str(e.value) and e.value.field == "candidates"
    assert e.value.status is None and "HTTP 200" not in str(e.value)  # the request itself succeeded
    # A bad completion is named by the caller's index, whichever order the pair was sent in.
    for rng in (FixedRng([KEEP, FLIP]), FixedRng([KEEP, KEEP])):
        with pytest.raises(PairRMError) as e:
            PairRMJudge(url=scoring_server.url, rng=rng).judge(["p", "q"], [["s=1", "s=2"], ["s=0", "worse"]])
        assert e.value.field == "completions[1][1]", e.value.field
    lenient = PairRMJudge(url=scoring_server.url, raise_on_error=False)
    assert lenient.judge(["p", "q"], [["s=1", "s=2"], ["bad", "bad"]], shuffle_order=False) == [1, -1]
    probs = lenient.judge(["p", "q"], [["s=1", "s=2"], ["bad", "bad"]], shuffle_order=False, return_scores=True)
    assert probs[0] == pytest.approx(1 / (1 + math.e)) and math.isnan(probs[1])


def test_judge_wraps_a_client_and_subclasses_trl_when_present(scoring_server):
    c = Client(scoring_server.url, api_key="k")
    j = PairRMJudge(client=c)
    assert j.client is c
    j.judge(["p"], [["s=1", "s=0"]], shuffle_order=False)
    assert scoring_server.last["headers"]["authorization"] == "Bearer k"
    base = None
    for module_name in ("trl.experimental.judges", "trl.trainer.judges", "trl"):
        try:
            base = getattr(__import__(module_name, fromlist=["BasePairwiseJudge"]), "BasePairwiseJudge")
            break
        except Exception:
            continue
    if base is None:
        assert PairRMJudge.__bases__ == (object,) and not judge_module.HAS_TRL_BASE
    else:
        assert issubclass(PairRMJudge, base) and judge_module.HAS_TRL_BASE


@pytest.mark.parametrize("layout", ["trl/experimental/judges/__init__.py", "trl/trainer/judges.py"])
def test_judge_subclasses_a_trl_base_class(tmp_path, layout):
    """With a stand-in `trl` on the path (current and older layouts), PairRMJudge subclasses its
    abstract BasePairwiseJudge and can be made (its abstract judge() is implemented)."""
    import subprocess
    import textwrap

    path = tmp_path / layout
    path.parent.mkdir(parents=True)
    for d in [path.parent, *path.parent.parents]:
        if d == tmp_path:
            break
        (d / "__init__.py").touch()
    path.write_text(textwrap.dedent("""
        from abc import ABC, abstractmethod
        class BaseJudge(ABC):
            @abstractmethod
            def judge(self, prompts, completions, shuffle_order=True): ...
        class BasePairwiseJudge(BaseJudge):
            @abstractmethod
            def judge(self, prompts, completions, shuffle_order=True): ...
    """))
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(tmp_path)!r}, {os.path.join(HERE, "..", "..", "clients", "python")!r}]
        from pairrm_client import PairRMJudge
        import {layout[:-3].replace("/__init__", "").replace("/", ".")} as m
        assert issubclass(PairRMJudge, m.BasePairwiseJudge), PairRMJudge.__mro__
        PairRMJudge(url="http://127.0.0.1:1")
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
