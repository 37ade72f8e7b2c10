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
import difflib
import ssl
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

from .errors import PairRMConnectionError, PairRMError

Message = Mapping[str, Any]
Prompt = Union[str, Sequence[Message]]

DEFAULT_URL = "http://127.0.0.1:8080"
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


def _check_option(spec: Mapping[str, Any], value: Any, where: str) -> None:
    """One option's value against the server's description of it (GET /v1/options)."""
    name, kind = spec["name"], spec.get("type")
    choices = spec.get("choices") or []
    if kind == "choice":
        if not isinstance(value, str):
            raise TypeError(f"{where}: {name} must be one of {', '.join(choices)}")
        if value not in choices:
            raise ValueError(f"{where}: {name} {value!r} is not one of {', '.join(choices)}")
    elif kind == "reference":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise TypeError(f"{where}: {name} must be an int index or one of {', '.join(choices)}")
        if isinstance(value, str) and value not in choices:
            raise ValueError(f"{where}: {name} {value!r} is not one of {', '.join(choices)}")
        if isinstance(value, int) and value < 0:
            raise ValueError(f"{where}: {name} must be an index of at least 0, got {value}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
        if value < spec.get("min", 0):
            raise ValueError(f"{where}: {name} must be at least {spec.get('min', 0)}, got {value}")
    elif kind == "boolean" and not isinstance(value, bool):
        raise TypeError(f"{where}: {name} must be a bool, got {type(value).__name__}")
    elif kind == "string" and not isinstance(value, str):
        raise TypeError(f"{where}: {name} must be a str, got {type(value).__name__}")


def _options(specs: Optional[Sequence[Mapping[str, Any]]], options: Mapping[str, Any], extra: Sequence[str],
             where: str) -> Dict[str, Any]:
    """The options that are not None, checked against the server's list (None: an older server that
    does not describe its options; it checks them itself). `extra`: this method's own keywords."""
    out = {k: v for k, v in options.items() if v is not None}
    if specs is None:
        return out
    by_name = {spec["name"]: spec for spec in specs}
    allowed = sorted(by_name) + list(extra)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        near = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise TypeError(f"{where}() got unknown option(s) {', '.join(unknown)}{hint}; allowed: {', '.join(allowed)}")
    for k, v in out.items():
        if k in by_name:
            _check_option(by_name[k], v, where)
    return out


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
        # GET /v1/options, fetched on the first call that needs it: the server's own list of its
        # request options (types, choices, minimums), so the rules live in one place, the server.
        # The one thing a Client caches; replacing it whole is safe with threads sharing the Client.
        self._option_specs: Optional[Dict[str, Any]] = None

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

    def options(self) -> Dict[str, Any]:
        """GET /v1/options: {"rank": [...], "compare": [...]}, each option {"name", "type", "default",
        "help", "choices"?, "min"?}. Fetched once per Client; {} from a server too old to have it."""
        if self._option_specs is None:
            try:
                specs = self._request("GET", "/v1/options")
            except PairRMError as e:
                if e.status != 404:
                    raise
                specs = {}
            self._option_specs = specs if isinstance(specs, dict) else {}
        return self._option_specs

    def _specs(self, endpoint: str) -> Optional[Sequence[Mapping[str, Any]]]:
        return self.options().get(endpoint)

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
        payload.update(_options(self._specs("rank"), options, ("reference_text", "id"), "rank"))
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
        opts = _options(self._specs("rank"), options, ("reference_text",), "rank_many")
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
        payload.update(_options(self._specs("compare"), {"order": order}, (), "compare"))
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
        payload.update(_options(self._specs("compare"), {"order": order}, (), "compare_many"))
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
            options["reference"] = reference  # checked by rank() against the server's list
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
