"""A real service-account flow (JWT-bearer grant with a subject, as Google's
codelab does) against the sandbox's token endpoint."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

from conftest import ACCOUNT, build


def test_service_account_with_subject_gets_a_working_token(channel_doc, base_url, checked):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode("ascii")
    info = {
        "type": "service_account",
        "project_id": "resold-conformance",
        "private_key_id": "conformance",
        "private_key": pem,
        "client_email": "resold@resold-conformance.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": base_url + "/token",
    }
    credentials = service_account.Credentials.from_service_account_info(
        info, scopes=["https://www.googleapis.com/auth/apps.order"], subject="admin@reseller.example")
    channel = build(channel_doc, base_url, credentials)
    products = checked(channel.products().list(account=ACCOUNT))
    assert products["products"]
    assert credentials.token and credentials.token != "sandbox-dev-token"
