"""Pinning keeps TLS honest: the certificate is verified against the URL's host name while the
connection goes to the checked address."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from yarrow.net import StaticResolver, build_ssrf_client
from yarrow.settings.ssrf import SsrfSettings


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = f"tls ok host={self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _QuietTLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the refused handshake of one test ends badly on purpose


@pytest.fixture
def tls_origin(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cert, key = _self_signed(tmp_path, "public.test")
    server = _QuietTLSServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _client(cert: Path) -> httpx.AsyncClient:
    settings = SsrfSettings.model_validate({"yarrow_ssrf_allowed_networks": "127.0.0.1/32"})
    resolver = StaticResolver({"public.test": "127.0.0.1", "other.test": "127.0.0.1"})
    return build_ssrf_client(
        settings, resolver=resolver, ssl_context=ssl.create_default_context(cafile=str(cert))
    )


async def test_pinned_https_verifies_the_host_name(tls_origin: tuple[int, Path]) -> None:
    port, cert = tls_origin
    async with _client(cert) as client:
        response = await client.get(f"https://public.test:{port}/")
    assert response.text == f"tls ok host=public.test:{port}"


async def test_certificate_for_another_name_is_refused(tls_origin: tuple[int, Path]) -> None:
    port, cert = tls_origin
    async with _client(cert) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED|hostname"):
            await client.get(f"https://other.test:{port}/")
