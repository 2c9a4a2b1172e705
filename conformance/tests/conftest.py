"""Fixtures: the sandbox's base URL (from conformance/run), Google's client
built from the discovery documents, and schema validation of every reply."""

import json
import os
import urllib.request
import uuid

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from discovery_schema import Schemas, load_document

DEV_TOKEN = "sandbox-dev-token"
ACCOUNT = "accounts/C00sandbox"


@pytest.fixture(scope="session")
def base_url():
    url = os.environ.get("SANDBOX_URL")
    if not url:
        pytest.exit("SANDBOX_URL is not set: run conformance/run", returncode=2)
    return url.rstrip("/")


@pytest.fixture(scope="session")
def channel_doc():
    return load_document("cloudchannel.v1.json")


@pytest.fixture(scope="session")
def directory_doc():
    return load_document("admin.directory_v1.json")


@pytest.fixture(scope="session")
def channel_schemas(channel_doc):
    return Schemas(channel_doc)


@pytest.fixture(scope="session")
def directory_schemas(directory_doc):
    return Schemas(directory_doc)


def build(document, base_url, credentials):
    return build_from_document(
        document,
        credentials=credentials,
        client_options={"api_endpoint": base_url + "/"},
    )


@pytest.fixture(scope="session")
def channel(channel_doc, base_url):
    return build(channel_doc, base_url, Credentials(DEV_TOKEN))


@pytest.fixture(scope="session")
def directory(directory_doc, base_url):
    return build(directory_doc, base_url, Credentials(DEV_TOKEN))


class Checked:
    """Executes client requests and validates each response against the
    discovery schema of the method that produced it."""

    def __init__(self, schemas):
        self.schemas = schemas

    def __call__(self, request):
        response = request.execute()
        self.schemas.validate_response(request.methodId, response)
        return response

    def error(self, request):
        """Executes a request that must fail; returns (HTTP status, error body)."""
        with pytest.raises(HttpError) as caught:
            request.execute()
        body = json.loads(caught.value.content.decode("utf-8"))
        error = body["error"]
        assert error["code"] == caught.value.resp.status
        assert error["message"]
        return caught.value.resp.status, error


@pytest.fixture(scope="session")
def checked(channel_schemas):
    return Checked(channel_schemas)


@pytest.fixture(scope="session")
def checked_directory(directory_schemas):
    return Checked(directory_schemas)


class Console:
    """The customer's side of the simulation (plain HTTP)."""

    def __init__(self, base_url):
        self.base_url = base_url

    def post(self, path, body=None):
        data = json.dumps(body or {}).encode("utf-8")
        request = urllib.request.Request(
            self.base_url + path, data=data, method="POST",
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request) as reply:
            return json.loads(reply.read().decode("utf-8"))

    def act(self, customer, verb, body=None):
        return self.post("/sandbox/v1/customers/%s:%s" % (customer, verb), body)

    def advance(self, seconds=0, days=0):
        """Moves the sandbox's clock (term ends, trial ends, the filter lag)."""
        return self.post("/sandbox/v1/clock:advance", {"seconds": seconds, "days": days})

    def seed(self, domain, edition, **extra):
        """A Google account the reseller does not own (another reseller's, Google's)."""
        return self.post("/sandbox/v1/accounts", dict(extra, domain=domain, edition=edition))


@pytest.fixture(scope="session")
def console(base_url):
    return Console(base_url)


def request_id():
    return str(uuid.uuid4())


def unique_domain(prefix):
    return "%s-%s.example.se" % (prefix, uuid.uuid4().hex[:8])


@pytest.fixture(scope="session")
def offers(channel, checked):
    return checked(channel.accounts().offers().list(parent=ACCOUNT, pageSize=1000))["offers"]


def provision(channel, checked, customer_body, domain):
    """Creates and provisions a domain customer; returns its Channel record."""
    customers = channel.accounts().customers()
    customer = checked(customers.create(parent=ACCOUNT, body=customer_body))
    operation = checked(customers.provisionCloudIdentity(customer=customer["name"], body={
        "cloudIdentityInfo": {"customerType": "DOMAIN", "alternateEmail": "recovery@example.org"},
        "user": {"email": "admin@" + domain, "givenName": "Ada", "familyName": "Admin"}}))
    for _ in range(20):
        if operation.get("done"):
            return operation["response"]
        operation = checked(channel.operations().get(name=operation["name"]))
    raise AssertionError("provisioning never finished")
