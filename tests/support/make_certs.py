#!/usr/bin/env python3
"""make_certs.py DIR: writes a throwaway PKI for TLS tests into DIR (python3-cryptography).

ca.pem                    the CA that signs the rest
server.pem, server.key    a server certificate for localhost and 127.0.0.1
client.pem, client.key    a client certificate the CA signed
stranger.pem, stranger.key  a client certificate from another CA, which the server must refuse

Every certificate is valid from a day ago for a day; keys are P-256.
"""

import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate(subject, key, issuer, issuer_key, ca=False, san=None, usage=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write(directory, stem, cert, key=None):
    with open(os.path.join(directory, stem + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        with open(os.path.join(directory, stem + ".key"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_certs.py DIR")
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(name("notify test CA"), ca_key, name("notify test CA"), ca_key, ca=True)
    write(directory, "ca", ca)

    server_key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    write(directory, "server",
          certificate(name("localhost"), server_key, ca.subject, ca_key, san=san,
                      usage=ExtendedKeyUsageOID.SERVER_AUTH), server_key)

    client_key = ec.generate_private_key(ec.SECP256R1())
    write(directory, "client",
          certificate(name("notification-gateway"), client_key, ca.subject, ca_key,
                      usage=ExtendedKeyUsageOID.CLIENT_AUTH), client_key)

    other_key = ec.generate_private_key(ec.SECP256R1())
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    write(directory, "stranger",
          certificate(name("stranger"), stranger_key, name("another CA"), other_key,
                      usage=ExtendedKeyUsageOID.CLIENT_AUTH), stranger_key)


if __name__ == "__main__":
    main()
