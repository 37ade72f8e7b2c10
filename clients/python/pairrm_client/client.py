"""HTTP client for `pairrm serve`, standard library only.

One HTTP connection per call, opened and closed inside the call: a Client holds no connection or other
mutable state, so any number of threads may share one. Environment proxies (http_proxy, ...) are not
used: a reward server normally sits on the same host or cluster network.
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

from .errors import PairRMConnectionError, PairRMError

Message = Mapping[str, Any]
Prompt = Union[str, Sequence[Message]]

DEFAULT_URL = "http://127.0.0.1:8080"
REFERENCE_NAMES = ("longest", "shortest", "median", "first", "last")

# Options of POST /v1/rank that apply to a whole request (single or batch form).
_RANK_OPTIONS = ("mode", "aggregate", "top_k", "matrix", "seed", "reference", "reference_text")
_SNIPPET = 300  # how much of a non-JSON body an error message quotes


def _prompt_fields(prompt: Prompt, where: str) -> Dict[str, Any]:
    """{"prompt": str} for a string, {"messages": [...]} for a list of {"role", "content"} messages."""
    if isinstance(prompt, str):
        return {"prompt": prompt}
    if isinstance(prompt, (list, tuple)):
        messages = []
        for i, m in enumerate(prompt):
            if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
                raise TypeError(f"{where}: message {i} must be a mapping with 'role' and 'content', got {m!r:.80}")
            messages.append(dict(m))
        return {"messages": messages}
    raise TypeError(f"{where}: the prompt must be a str or a list of messages, got {type(prompt).__name__}")


def _normalize_prompt_key(record: Mapping[str, Any], where: str) -> Dict[str, Any]:
    """A copy of a record; a "prompt" given as a list of messages is sent as "messages"."""
    out = dict(record)
    if "prompt" in out and not isinstance(out["prompt"], str) and "messages" not in out:
        out.update(_prompt_fields(out.pop("prompt"), where))
    return out


def _options(options: Mapping[str, Any], allowed: Sequence[str], where: str) -> Dict[str, Any]:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"{where}() got unknown option(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    out = {k: v for k, v in options.items() if v is not None}
    ref = out.get("reference")
    if ref is not None:
        _check_reference(ref, where)
    return out


def _check_reference(reference: Any, where: str) -> None:
    if isinstance(reference, bool) or not isinstance(reference, (int, str)):
        raise TypeError(f"{where}: reference must be an int index or one of {', '.join(REFERENCE_NAMES)}")
    if isinstance(reference, str) and reference not in REFERENCE_NAMES:
        raise ValueError(f"{where}: reference {reference!r} is not one of {', '.join(REFERENCE_NAMES)}")


def _snippet(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."


class Client:
    """A client of one `pairrm serve` server.

    Args:
        url: the server's base URL, e.g. "http://127.0.0.1:8080" (a path prefix is kept: requests go to
            URL + "/v1/rank" and so on). Default: env PAIRRM_URL, else http://127.0.0.1:8080.
        api_key: sent as "Authorization: Bearer KEY". Default: env PAIRRM_API_KEY; "" sends none.
        timeout: seconds to wait for the connection and for each read of the answer.
        ssl_context: for https URLs, an ssl.SSLContext (default: the system's verified context).
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: Optional[float] = 60.0,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        url = url or os.environ.get("PAIRRM_URL") or DEFAULT_URL
        if "://" not in url:
            url = "http://" + url
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL scheme {parts.scheme!r} in {url!r} (http or https)")
        if not parts.hostname:
            raise ValueError(f"no host in URL {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"the server URL {url!r} must not have a query or fragment")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        try:
            self._port = parts.port or (443 if self._https else 80)
        except ValueError as e:
            raise ValueError(f"bad port in URL {url!r}: {e}") from None
        self._prefix = parts.path.rstrip("/")
        host = f"[{self._host}]" if ":" in self._host else self._host
        self.url = f"{parts.scheme}://{host}:{self._port}{self._prefix}"
        if api_key is None:
            api_key = os.environ.get("PAIRRM_API_KEY")
        self._api_key = api_key or None
        self.timeout = timeout
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        auth = ", api_key=***" if self._api_key else ""
        return f"Client({self.url!r}{auth}, timeout={self.timeout!r})"

    # ---------------------------------------------------------------- transport

    def _exchange(self, method: str, path: str, payload: Any = None) -> Tuple[int, Any, str]:
        """One HTTP exchange: (status, parsed JSON or None, body text). Raises PairRMConnectionError."""
        url = self.url + path
        body = None
        headers = {"Accept": "application/json", "User-Agent": "pairrm-client/0.1"}
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if self._https:
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=self._ssl_context or ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            try:
                conn.request(method, self._prefix + path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                # The server may answer early (413 too_large, 401) and close before reading the whole body:
                # read that answer if it is there.
                try:
                    resp = conn.getresponse()
                except Exception:
                    raise PairRMConnectionError(
                        f"the connection to {url} was closed while sending the request "
                        f"({len(body or b'')} bytes of body)",
                        url,
                    ) from None
            else:
                resp = conn.getresponse()
            status = resp.status
            raw = resp.read()
        except PairRMError:
            raise
        except socket.timeout:
            raise PairRMConnectionError(f"no answer from {url} within {self.timeout} s", url, "timeout") from None
        except ConnectionRefusedError:
            raise PairRMConnectionError(
                f"connection refused by {self.url} (is `pairrm serve` running and listening there?)", url
            ) from None
        except socket.gaierror as e:
            raise PairRMConnectionError(f"cannot resolve the host of {self.url}: {e}", url) from None
        except ssl.SSLError as e:
            raise PairRMConnectionError(f"TLS error talking to {url}: {e}", url) from None
        except (OSError, http.client.HTTPException) as e:
            raise PairRMConnectionError(f"request to {url} failed: {type(e).__name__}: {e}", url) from None
        finally:
            conn.close()
        text = raw.decode("utf-8", errors="replace")
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError:
            data = None
        return status, data, text

    def _request(self, method: str, path: str, payload: Any = None) -> Any:
        status, data, text = self._exchange(method, path, payload)
        url = self.url + path
        if 200 <= status < 300:
            if data is None:
                raise PairRMError(
                    status, "invalid_response", f"the answer from {url} is not JSON: {_snippet(text)!r}", None, url, text
                )
            return data
        raise _error_from_body(status, data, text, url)

    def _get_list(self, result: Any, key: str, path: str) -> List[Any]:
        if not isinstance(result, Mapping) or not isinstance(result.get(key), list):
            raise PairRMError(
                200, "invalid_response", f"the answer from {self.url + path} has no {key!r} list: {result!r:.200}",
                None, self.url + path, result,
            )
        return result[key]

    # ---------------------------------------------------------------- endpoints

    def rank(self, prompt: Prompt, candidates: Sequence[str], **options: Any) -> Dict[str, Any]:
        """POST /v1/rank, single form. Returns the result dict ("ranks", "scores", "best", ...).

        options: mode ("full" | "bubble" | "knockout"), aggregate ("max_logits" | "max_wins" |
        "bradley_terry"), top_k, matrix, seed, reference (int | "longest" | "shortest" | "median" | "first"
        | "last"), reference_text, id. None values are left out.
        """
        payload = _prompt_fields(prompt, "rank")
        payload["candidates"] = list(candidates)
        payload.update(_options(options, _RANK_OPTIONS + ("id",), "rank"))
        return self._request("POST", "/v1/rank", payload)

    def rank_many(self, records: Sequence[Any], **options: Any) -> List[Dict[str, Any]]:
        """POST /v1/rank, batch form: one request for all the records.

        records: dicts ({"prompt" | "messages", "candidates", "id"?, ...}; a "prompt" that is a list of
        messages is sent as "messages") or (prompt, candidates) pairs. options: as rank() without id.
        Returns one entry per record, in order; a record the server refused is its {"error": {"line",
        "field", "message"}} object, not an exception.
        """
        body_records = []
        for i, r in enumerate(records):
            if isinstance(r, Mapping):
                body_records.append(_normalize_prompt_key(r, f"rank_many record {i}"))
            elif isinstance(r, (list, tuple)) and len(r) == 2:
                rec = _prompt_fields(r[0], f"rank_many record {i}")
                rec["candidates"] = list(r[1])
                body_records.append(rec)
            else:
                raise TypeError(f"rank_many: record {i} must be a dict or a (prompt, candidates) pair")
        opts = _options(options, _RANK_OPTIONS, "rank_many")
        # The server reads a reference text from each record: one given here goes into every record.
        if "reference_text" in opts:
            shared = opts.pop("reference_text")
            body_records = [{**r, "reference_text": r.get("reference_text", shared)} for r in body_records]
        payload: Dict[str, Any] = {"records": body_records}
        payload.update(opts)
        if not body_records:
            return []
        results = self._get_list(self._request("POST", "/v1/rank", payload), "results", "/v1/rank")
        self._check_count(results, len(body_records), "/v1/rank")
        return results

    def compare(self, prompt: Prompt, a: str, b: str, order: Optional[str] = None) -> Dict[str, Any]:
        """POST /v1/compare, single form: {"logit_ab", "logit_ba", "margin", "p_a_better", "winner"}.

        order: "both" (default on the server), "ab" or "ba".
        """
        payload = _prompt_fields(prompt, "compare")
        payload["a"] = a
        payload["b"] = b
        if order is not None:
            payload["order"] = order
        return self._request("POST", "/v1/compare", payload)

    def compare_many(self, pairs: Sequence[Any], order: Optional[str] = None) -> List[Dict[str, Any]]:
        """POST /v1/compare, batch form. pairs: (prompt, a, b) triples or dicts ({"prompt" | "messages",
        "a", "b"} or {"conversation_a", "conversation_b"}). A refused pair's entry is its {"error": ...}."""
        body_pairs = []
        for i, p in enumerate(pairs):
            if isinstance(p, Mapping):
                body_pairs.append(_normalize_prompt_key(p, f"compare_many pair {i}"))
            elif isinstance(p, (list, tuple)) and len(p) == 3:
                rec = _prompt_fields(p[0], f"compare_many pair {i}")
                rec["a"], rec["b"] = p[1], p[2]
                body_pairs.append(rec)
            else:
                raise TypeError(f"compare_many: pair {i} must be a dict or a (prompt, a, b) triple")
        if not body_pairs:
            return []
        payload: Dict[str, Any] = {"pairs": body_pairs}
        if order is not None:
            payload["order"] = order
        results = self._get_list(self._request("POST", "/v1/compare", payload), "results", "/v1/compare")
        self._check_count(results, len(body_pairs), "/v1/compare")
        return results

    def rank_with_ref(
        self,
        prompt: Prompt,
        candidates: Sequence[str],
        reference: Union[int, str] = "longest",
        reference_text: Optional[str] = None,
    ) -> List[float]:
        """Rewards of the candidates against a reference: reward_j = M[j][ref] - M[ref][j].

        reference: an index into candidates or one of "longest", "shortest", "median", "first", "last"
        (LLM-Blender's rank_with_ref modes). reference_text: score against this text instead (then
        reference is ignored).
        """
        options: Dict[str, Any] = {}
        if reference_text is not None:
            if not isinstance(reference_text, str):
                raise TypeError("rank_with_ref: reference_text must be a str")
            options["reference_text"] = reference_text
        else:
            _check_reference(reference, "rank_with_ref")
            options["reference"] = reference
        result = self.rank(prompt, candidates, **options)
        return [float(x) for x in self._get_list(result, "rewards", "/v1/rank")]

    def rerank(
        self, query: str, documents: Sequence[str], top_n: Optional[int] = None, return_documents: bool = False
    ) -> List[Dict[str, Any]]:
        """POST /v1/rerank: [{"index", "relevance_score"(, "document")}], best first."""
        payload: Dict[str, Any] = {"query": query, "documents": list(documents)}
        if top_n is not None:
            payload["top_n"] = top_n
        if return_documents:
            payload["return_documents"] = True
        return self._get_list(self._request("POST", "/v1/rerank", payload), "results", "/v1/rerank")

    def get_reward(self, queries: Sequence[str], prompts: Sequence[str], labels: Sequence[str]) -> List[float]:
        """POST /get_reward, OpenRLHF's remote reward model form: {"query", "prompts", "labels"}.

        queries[i] is prompt + response; the server removes the prompts[i] prefix and scores the
        response against labels[i]. Returns the "rewards" list.
        """
        queries, prompts, labels = list(queries), list(prompts), list(labels)
        if not (len(queries) == len(prompts) == len(labels)):
            raise ValueError(
                f"get_reward: {len(queries)} queries, {len(prompts)} prompts and {len(labels)} labels differ in length"
            )
        if not queries:
            return []
        result = self._request("POST", "/get_reward", {"query": queries, "prompts": prompts, "labels": labels})
        rewards = self._get_list(result, "rewards", "/get_reward")
        self._check_count(rewards, len(queries), "/get_reward")
        return [float(x) for x in rewards]

    def health(self) -> bool:
        """GET /health: True when the model is loaded and warmed up; False while loading or draining, or
        when nothing answers. Raises PairRMError on any other answer."""
        try:
            status, data, text = self._exchange("GET", "/health")
        except PairRMConnectionError:
            return False
        if status == 200:
            return True
        if status == 503:
            return False
        raise _error_from_body(status, data, text, self.url + "/health")

    def wait_until_ready(self, timeout: float = 300.0, interval: float = 0.5) -> None:
        """Poll health() until it is True; raises PairRMConnectionError (type "timeout") after timeout s."""
        deadline = time.monotonic() + timeout
        while not self.health():
            if time.monotonic() >= deadline:
                raise PairRMConnectionError(f"{self.url} was not ready within {timeout} s", self.url + "/health", "timeout")
            time.sleep(interval)

    def model(self) -> Dict[str, Any]:
        """GET /v1/model: the model's info (as `pairrm info --json`) plus "sha256" and "devices"."""
        return self._request("GET", "/v1/model")

    def _check_count(self, results: List[Any], expected: int, path: str) -> None:
        if len(results) != expected:
            raise PairRMError(
                200, "invalid_response", f"{self.url + path} answered {len(results)} results for {expected} inputs",
                None, self.url + path, None,
            )


def _error_from_body(status: int, data: Any, text: str, url: str) -> PairRMError:
    """A PairRMError from an error answer: {"error": "msg", "type": "t", "field"?: "f"} (the server's
    form), also accepting {"error": {"message", "type", "field"}}; any other body is quoted."""
    if isinstance(data, Mapping):
        err = data.get("error")
        if isinstance(err, Mapping):
            message = err.get("message")
            etype = err.get("type") or data.get("type")
            field = err.get("field") or err.get("param") or data.get("field")
        else:
            message = err if isinstance(err, str) else data.get("message") or data.get("detail")
            etype = data.get("type")
            field = data.get("field")
        if message is None:
            message = json.dumps(data)[:_SNIPPET]
        return PairRMError(status, etype, str(message), field, url, data)
    reason = http.client.responses.get(status, "error")
    shown = _snippet(text)
    message = f"{reason} (the body is not a JSON error: {shown!r})" if shown else f"{reason} (empty body)"
    return PairRMError(status, "http_error", message, None, url, shown)
