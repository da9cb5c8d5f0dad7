"""A local OAuth 2.0 / OpenID Connect issuer on loopback: discovery, JWKS, and token minting.

Keys are made with `cryptography`; tokens are signed with PyJWT, except the attacks PyJWT rightly
refuses to produce (`alg: none`, HS256 keyed with the public key), which are assembled by hand.
The server can be stopped and started again on the same port to play "issuer down".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import ssl
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.bff._pki import Pki


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    """A private key, its kid and algorithm, and its public JWK."""

    def __init__(self, kid: str, alg: str) -> None:
        self.kid, self.alg = kid, alg
        self.private: Any = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if alg.startswith(("RS", "PS"))
            else ec.generate_private_key(ec.SECP256R1())
        )

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self) -> dict[str, Any]:
        algorithm = (
            jwt.algorithms.RSAAlgorithm if self.alg.startswith(("RS", "PS")) else jwt.algorithms.ECAlgorithm
        )
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


class Issuer:
    """An HTTPS issuer at https://127.0.0.1:<port>/ with the keys it publishes."""

    def __init__(self, pki: Pki, audience: str) -> None:
        self.audience = audience
        self.published: list[SigningKey] = [SigningKey("rsa-1", "RS256"), SigningKey("ec-1", "ES256")]
        self.requests: Counter[str] = Counter()
        self.last_request: dict[str, float] = {}
        self.minted: list[str] = []
        """Every token handed out, so the tests can look for them in logs and metrics."""
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(pki.cert_file, pki.key_file)
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    def key(self, kid: str) -> SigningKey:
        return next(k for k in self.published if k.kid == kid)

    def publish(self, key: SigningKey) -> None:
        with self._lock:
            self.published.append(key)

    def count(self, path: str) -> int:
        with self._lock:
            return self.requests[path]

    def _document(self, path: str) -> dict[str, Any] | None:
        with self._lock:
            self.requests[path] += 1
            self.last_request[path] = time.monotonic()
            if path == "/.well-known/openid-configuration":
                return {"issuer": self.url, "jwks_uri": self.url + "jwks"}
            if path == "/jwks":
                return {"keys": [k.jwk() for k in self.published]}
        return None

    def start(self) -> None:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                document = issuer._document(self.path)
                body = json.dumps(document or {"error": "not_found"}).encode()
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, name="test-issuer", daemon=True).start()

    def stop(self) -> None:
        """Close the listening socket: connections are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- tokens ----------------------------------------------------------------------------------

    def claims(self, app: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.audience,
            "sub": f"device-of-{app}",
            "client_id": app,
            "iat": now,
            "nbf": now,
            "exp": now + 600,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, app: str, kid: str = "rsa-1", key: SigningKey | None = None, **overrides: Any) -> str:
        """A token for `app`, signed by the published key `kid` (or by `key`, under that kid)."""
        signer = key or self.key(kid)
        return self._mint(
            jwt.encode(self.claims(app, **overrides), signer.private, signer.alg, headers={"kid": kid})
        )

    def _mint(self, token: str) -> str:
        self.minted.append(token)
        return token

    def seconds_since_jwks_fetch(self) -> float:
        with self._lock:
            last = self.last_request.get("/jwks")
        return float("inf") if last is None else time.monotonic() - last

    def unsigned_token(self, app: str) -> str:
        """`alg: none` (RFC 7519 section 6): no signature at all."""
        header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": "rsa-1"}).encode())
        return self._mint(f"{header}.{b64url(json.dumps(self.claims(app)).encode())}.")

    def hmac_with_public_key(self, app: str) -> str:
        """HS256 keyed with the issuer's public key: the algorithm-confusion attack (CVE-2015-9235 class)."""
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
        signing_input = f"{header}.{b64url(json.dumps(self.claims(app)).encode())}"
        signature = hmac.new(self.key("rsa-1").public_pem, signing_input.encode(), hashlib.sha256).digest()
        return self._mint(f"{signing_input}.{b64url(signature)}")
