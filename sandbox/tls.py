"""A self-signed certificate for serving the fake over HTTPS on loopback, as Slack serves its API.

Production traffic to Slack pays a TLS handshake that loopback HTTP never shows; a benchmark or test that wants to
see it serves the fake with this certificate and makes the client trust it (an `ssl.SSLContext` loading
`cert_path`, or `SSL_CERT_FILE` for a whole process).
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 7


@dataclass(frozen=True)
class Certificate:
    """A PEM certificate and its unencrypted private key, on disk (uvicorn and `ssl` read files)."""

    cert_path: Path
    key_path: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate only, with hostname checks on."""
        return ssl.create_default_context(cafile=str(self.cert_path))


def write_self_signed_certificate(directory: str | Path) -> Certificate:
    """Write `fake-slack.pem` and `fake-slack-key.pem` into `directory`: a certificate for 127.0.0.1 and localhost
    (subject alternative names, which clients check; the common name is ignored), valid for a week from now."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())  # fast to make and to handshake with, unlike RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake Slack on loopback")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fake-slack.pem", folder / "fake-slack-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(cert_path, key_path)
