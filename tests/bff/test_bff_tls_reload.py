"""The served certificate is reloaded when the kubelet swaps the mounted files (a cert-manager renewal),
checked with real TLS handshakes against an asyncio server using the BFF's own server context."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path

from cryptography import x509

from bff.server import CertificateReloader, server_tls
from tests.bff._pki import Pki, make_pki


def kubelet_tls_dir(root: Path, pki: Pki, generation: str) -> Path:
    """What the kubelet writes for a Secret volume: `..<ts>/` with the files, `..data` pointing at it,
    and `tls.crt`/`tls.key` links through `..data` (an update swaps `..data` atomically)."""
    root.mkdir(exist_ok=True)
    target = root / f"..{generation}"
    target.mkdir()
    (target / "tls.crt").write_bytes(pki.cert_file.read_bytes())
    (target / "tls.key").write_bytes(pki.key_file.read_bytes())
    staged = root / "..data_tmp"
    os.symlink(target.name, staged)
    os.replace(staged, root / "..data")
    for name in ("tls.crt", "tls.key"):
        if not (root / name).is_symlink():
            os.symlink(f"..data/{name}", root / name)
    return root


async def served_serial(context: ssl.SSLContext, ca: Path) -> int:
    """The serial of the certificate a fresh TLS connection to a server with `context` is shown."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    client = ssl.create_default_context(cafile=str(ca))
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client, server_hostname="localhost")
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    return x509.load_der_x509_certificate(der).serial_number


def _serial(pki: Pki) -> int:
    return x509.load_pem_x509_certificate(pki.cert_file.read_bytes()).serial_number


def test_a_renewed_certificate_is_served_without_a_restart(tmp_path: Path) -> None:
    first = make_pki(tmp_path / "first")
    mounted = kubelet_tls_dir(tmp_path / "tls", first, "2026_01_01")
    context = server_tls(str(mounted / "tls.crt"), str(mounted / "tls.key"))
    reloader = CertificateReloader(context, str(mounted / "tls.crt"), str(mounted / "tls.key"))
    assert asyncio.run(served_serial(context, first.ca_file)) == _serial(first)
    assert reloader.check() is False, "nothing changed"

    renewed = make_pki(tmp_path / "renewed", "renewed")  # its own CA: trust both for the second handshake
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(first.ca_file.read_bytes() + renewed.ca_file.read_bytes())
    kubelet_tls_dir(mounted, renewed, "2026_03_02")
    assert asyncio.run(served_serial(context, bundle)) == _serial(first), "not until the check"
    assert reloader.check() is True and reloader.reloads == 1
    assert asyncio.run(served_serial(context, bundle)) == _serial(renewed)
    assert reloader.check() is False, "once per renewal"


def test_a_mismatched_pair_mid_swap_keeps_the_current_certificate(tmp_path: Path) -> None:
    first = make_pki(tmp_path / "first")
    other = make_pki(tmp_path / "other", "other")
    mounted = kubelet_tls_dir(tmp_path / "tls", first, "a")
    context = server_tls(str(mounted / "tls.crt"), str(mounted / "tls.key"))
    reloader = CertificateReloader(context, str(mounted / "tls.crt"), str(mounted / "tls.key"))
    # A new certificate beside the old key (what a reader could see straddling a swap).
    mixed = Pki(first.ca_file, other.cert_file, first.key_file)
    kubelet_tls_dir(mounted, mixed, "b")
    assert reloader.check() is False
    assert asyncio.run(served_serial(context, first.ca_file)) == _serial(first), "still the good pair"
    kubelet_tls_dir(mounted, other, "c")
    assert reloader.check() is True
    assert asyncio.run(served_serial(context, other.ca_file)) == _serial(other)
