"""A small client of MLflow's REST API 2.0: GET an endpoint, get a JSON object, or an
:class:`~compliance_tool.errors.ObserveError` that says what went wrong and how to fix it.

Only the standard library (``urllib.request``): the ``mlflow`` package is large, slow to
import and not needed to read a registry. Credentials come from MLflow's own environment
variables (:data:`TOKEN`, :data:`USERNAME` and :data:`PASSWORD`), TLS from
:data:`INSECURE_TLS`, :data:`SERVER_CERT_PATH` and :data:`CLIENT_CERT_PATH`, as the MLflow
client reads them. A URI with a user or password in it is refused, and no message of this
module shows a credential: every text that leaves it passes through :meth:`Rest.redact`.

Each request is bounded: ``timeout`` seconds for the whole answer (not only for each read
of the socket), :data:`MAX_RESPONSE_BYTES` of body, no redirect (a redirect would carry
the credentials to another address).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from compliance_tool.errors import ObserveError
from compliance_tool.observe.base import public_address

TOKEN = "MLFLOW_TRACKING_TOKEN"
USERNAME = "MLFLOW_TRACKING_USERNAME"
PASSWORD = "MLFLOW_TRACKING_PASSWORD"
INSECURE_TLS = "MLFLOW_TRACKING_INSECURE_TLS"
SERVER_CERT_PATH = "MLFLOW_TRACKING_SERVER_CERT_PATH"
CLIENT_CERT_PATH = "MLFLOW_TRACKING_CLIENT_CERT_PATH"

API = "/api/2.0/mlflow/"
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The largest answer read (a page of 10,000 versions is a few MiB)."""
_ERROR_BODY_BYTES = 64 * 1024
_CHUNK = 256 * 1024

CREDENTIALS_HINT = f"set {TOKEN}, or {USERNAME} and {PASSWORD}"
SERVER_HINT = "is --tracking-uri the address of an MLflow tracking server (2.x or later)?"
_TRUE = ("true", "1")
_FALSE = ("false", "0", "")


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the requests carry; ``secrets`` are the values no message may show."""

    authorization: str | None
    variables: str
    """Which environment variables they came from (for hints), empty when none."""
    secrets: tuple[str, ...]


def credentials(environ: Mapping[str, str]) -> Credentials:
    """MLflow's order: user name and password (Basic) first, then the token (Bearer)."""
    username, password, token = environ.get(USERNAME), environ.get(PASSWORD), environ.get(TOKEN)
    if bool(username) != bool(password):
        given, missing = (USERNAME, PASSWORD) if username else (PASSWORD, USERNAME)
        raise ObserveError(
            f"{given} is set but {missing} is not", hint=f"set both, or {TOKEN} instead"
        )
    if username and password:
        pair = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        secrets = (password, pair, f"{username}:{password}")
        return Credentials(f"Basic {pair}", f"{USERNAME} and {PASSWORD}", secrets)
    if token:
        return Credentials(f"Bearer {token}", TOKEN, (token,))
    return Credentials(None, "", ())


def tls_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    """The TLS settings of MLflow's environment variables (the system's CAs by default)."""
    insecure_text = environ.get(INSECURE_TLS, "").strip().lower()
    if insecure_text not in _TRUE + _FALSE:
        raise ObserveError(f"{INSECURE_TLS} must be true or false", hint="unset it or set false")
    insecure = insecure_text in _TRUE
    server_cert, client_cert = environ.get(SERVER_CERT_PATH), environ.get(CLIENT_CERT_PATH)
    if insecure and server_cert:
        raise ObserveError(
            f"{INSECURE_TLS} and {SERVER_CERT_PATH} cannot both be set",
            hint=f"unset {INSECURE_TLS} to verify the server with {SERVER_CERT_PATH}",
        )
    try:
        context = ssl.create_default_context(cafile=server_cert or None)
        if client_cert:
            context.load_cert_chain(client_cert)
    except (OSError, ssl.SSLError) as error:
        variable = SERVER_CERT_PATH if server_cert else CLIENT_CERT_PATH
        raise ObserveError(
            f"cannot use the certificate of {variable}: {error.strerror or error}",
            hint=f"{variable} must name a readable PEM file",
        ) from None
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def address_of(tracking_uri: str) -> str:
    """:func:`public_address`, also of a URI whose port is not a number."""
    try:
        return public_address(tracking_uri)
    except ValueError:
        parts = urllib.parse.urlsplit(tracking_uri)
        netloc = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def base_url(tracking_uri: str) -> str:
    """The http(s) address the endpoints are under, or an error with a hint."""
    address = address_of(tracking_uri)
    try:
        parts = urllib.parse.urlsplit(tracking_uri.strip())
        port = parts.port
    except ValueError:
        raise ObserveError(
            f"'{address}' is not a valid tracking URI", hint="give http(s)://HOST[:PORT]"
        ) from None
    scheme = parts.scheme.lower()
    if scheme.startswith("databricks") or tracking_uri.strip().lower().startswith("databricks"):
        raise ObserveError(
            f"cannot observe '{address}': a databricks profile is not an address",
            hint=f"give the workspace URL https://WORKSPACE.cloud.databricks.com and set {TOKEN}",
        )
    if scheme not in ("http", "https") or not parts.hostname:
        raise ObserveError(
            f"cannot observe '{address}': the registry is read from a tracking server over "
            "http or https, not from a file or database",
            hint="start 'mlflow server --backend-store-uri STORE' and give its http(s) address",
        )
    if parts.username is not None or parts.password is not None:
        raise ObserveError(
            f"the tracking URI {address} holds a user name or password, which would end up "
            "in shell histories and logs",
            hint=f"remove it from the URI and {CREDENTIALS_HINT}",
        )
    if parts.query or parts.fragment:
        raise ObserveError(
            f"the tracking URI {address} has a query or fragment, which MLflow does not use",
            hint="give http(s)://HOST[:PORT][/PATH] only",
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    return urllib.parse.urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer is raised as an HTTPError instead


class Rest:
    """GET requests to one tracking server, counted in :attr:`requests`."""

    def __init__(
        self, tracking_uri: str, *, timeout: float, environ: Mapping[str, str] | None = None
    ) -> None:
        self.address = address_of(tracking_uri)
        environ = os.environ if environ is None else environ
        self.base = base_url(tracking_uri)
        self.credentials = credentials(environ)
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if self.base.startswith("https:"):
            handlers.append(urllib.request.HTTPSHandler(context=tls_context(environ)))
        self._opener = urllib.request.build_opener(*handlers)
        self.requests = 0

    def redact(self, text: str) -> str:
        """``text`` without any credential, and with control characters escaped."""
        for secret in self.credentials.secrets:
            text = text.replace(secret, "***")
        return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text

    def fail(self, endpoint: str, problem: str, hint: str) -> NoReturn:
        raise ObserveError(
            self.redact(f"MLflow at {self.address}: GET {API}{endpoint}: {problem}"),
            hint=self.redact(hint),
        )

    def get(self, endpoint: str, params: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """The JSON object that ``GET /api/2.0/mlflow/ENDPOINT?PARAMS`` answers."""
        query = urllib.parse.urlencode(list(params))
        request = urllib.request.Request(
            f"{self.base}{API}{endpoint}?{query}", headers={"Accept": "application/json"}
        )
        if self.credentials.authorization:
            request.add_unredirected_header("Authorization", self.credentials.authorization)
        self.requests += 1
        deadline = time.monotonic() + self.timeout
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = self._read(endpoint, response, deadline, MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as error:
            with error:
                self._refused(endpoint, error, deadline)
        except TimeoutError:
            self._slow(endpoint)
        except urllib.error.URLError as error:
            self._unreachable(endpoint, error.reason)
        except (OSError, http.client.HTTPException) as error:
            self._unreachable(endpoint, error)
        return self._json(endpoint, body)

    def _read(self, endpoint: str, response: Any, deadline: float, limit: int) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            self._too_large(endpoint, limit)
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(_CHUNK):
            size += len(chunk)
            if size > limit:
                self._too_large(endpoint, limit)
            if time.monotonic() > deadline:
                self._slow(endpoint)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, endpoint: str, limit: int) -> NoReturn:
        self.fail(
            endpoint,
            f"the answer is larger than {limit // (1024 * 1024)} MiB",
            "lower --page-size, or check that --tracking-uri is an MLflow tracking server",
        )

    def _slow(self, endpoint: str) -> NoReturn:
        self.fail(
            endpoint,
            f"no complete answer within {self.timeout:g} s",
            "raise --timeout, or check that the server is not overloaded",
        )

    def _unreachable(self, endpoint: str, reason: object) -> NoReturn:
        if isinstance(reason, TimeoutError):
            self._slow(endpoint)
        if isinstance(reason, ssl.SSLCertVerificationError):
            self.fail(
                endpoint,
                f"the server's TLS certificate cannot be verified ({reason.verify_message})",
                f"set {SERVER_CERT_PATH} to the CA bundle that signed it "
                f"(or, for a test server only, {INSECURE_TLS}=true)",
            )
        if isinstance(reason, ConnectionRefusedError):
            problem = "connection refused"
        elif isinstance(reason, socket.gaierror):
            problem = "the host name cannot be resolved"
        else:
            problem = f"cannot connect ({type(reason).__name__}: {reason})"
        self.fail(endpoint, problem, "check --tracking-uri and that the server is running")

    def _refused(self, endpoint: str, error: urllib.error.HTTPError, deadline: float) -> NoReturn:
        status = error.code
        if status == 401:
            problem = (
                f"the server refused the credentials of {self.credentials.variables} (401)"
                if self.credentials.authorization
                else "the server asks for credentials (401)"
            )
            self.fail(endpoint, problem, f"{CREDENTIALS_HINT} to those of a user of the server")
        if status == 403:
            who = self.credentials.variables or "anonymous requests"
            self.fail(
                endpoint,
                f"the server refused access to the user of {who} (403)",
                f"give that user READ permission on the registered models, or {CREDENTIALS_HINT} "
                "to those of another user",
            )
        if 300 <= status < 400:
            location = address_of(error.headers.get("Location") or "?")
            self.fail(
                endpoint,
                f"the server redirects to {location} ({status}), which is not followed",
                "give the address the server redirects to as --tracking-uri",
            )
        if status == 404:
            self.fail(endpoint, "no such endpoint (404)", SERVER_HINT)
        detail = ""
        try:
            answer = json.loads(self._read(endpoint, error, deadline, _ERROR_BODY_BYTES))
            if isinstance(answer, dict) and "error_code" in answer:
                detail = f": {answer.get('error_code')}: {str(answer.get('message', ''))[:300]}"
        except (ObserveError, ValueError, OSError, http.client.HTTPException):
            pass
        self.fail(
            endpoint,
            f"the server answered {status} {error.reason}{detail}",
            "check the server's log" if status >= 500 else SERVER_HINT,
        )

    def _json(self, endpoint: str, body: bytes) -> dict[str, Any]:
        try:
            answer = json.loads(body)
        except ValueError:
            self.fail(endpoint, "the answer is not JSON", SERVER_HINT)
        if not isinstance(answer, dict):
            self.fail(endpoint, "the answer is not a JSON object", SERVER_HINT)
        return answer
