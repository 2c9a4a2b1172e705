"""Documented error cases come back with Google's code, status and reason."""

import httplib2
import pytest
from googleapiclient.discovery import build_from_document

from conftest import ACCOUNT, request_id, unique_domain
from test_flow import customer_body, find_offer, wait


def error_of(checked, request):
    status, error = checked.error(request)
    return status, error["status"], [d.get("reason") for d in error.get("details", [])]


def test_malformed_domain_is_invalid_value(channel, checked):
    status, name, reasons = error_of(checked, channel.accounts().checkCloudIdentityAccountsExist(
        parent=ACCOUNT, body={"domain": "not a domain!"}))
    assert (status, name, reasons) == (400, "INVALID_ARGUMENT", ["INVALID_VALUE"])


def test_customer_errors(channel, checked):
    customers = channel.accounts().customers()
    assert error_of(checked, customers.get(name=ACCOUNT + "/customers/missing"))[:2] == (404, "NOT_FOUND")
    body = customer_body(unique_domain("mismatch"))
    body["primaryContactInfo"]["email"] = "someone@elsewhere.example"
    assert error_of(checked, customers.create(parent=ACCOUNT, body=body))[:2] == (400, "INVALID_ARGUMENT")
    missing = customer_body(unique_domain("missing"))
    del missing["orgDisplayName"]
    assert error_of(checked, customers.create(parent=ACCOUNT, body=missing))[:2] == (400, "INVALID_ARGUMENT")
    created = checked(customers.create(parent=ACCOUNT, body=customer_body(unique_domain("mask"))))
    assert error_of(checked, customers.patch(name=created["name"], updateMask="cloudIdentityInfo",
                                             body=created))[:2] == (400, "INVALID_ARGUMENT")


@pytest.fixture(scope="module")
def provisioned(channel, checked, console):
    domain = unique_domain("errors")
    customers = channel.accounts().customers()
    customer = checked(customers.create(parent=ACCOUNT, body=customer_body(domain)))
    wait(channel, checked, checked(customers.provisionCloudIdentity(customer=customer["name"], body={
        "cloudIdentityInfo": {"customerType": "DOMAIN"},
        "user": {"email": "kari@" + domain, "givenName": "Kari", "familyName": "Nordmann"}})))
    return customer["name"], domain


def test_order_errors(channel, checked, provisioned, console):
    name, domain = provisioned
    customers = channel.accounts().customers()
    entitlements = customers.entitlements()
    offers = checked(channel.accounts().offers().list(parent=ACCOUNT, pageSize=1000))["offers"]
    trial = find_offer(offers, "Google Workspace Business Starter", "TRIAL")
    annual = find_offer(offers, "Google Workspace Business Starter", "COMMITMENT", "MONTH")
    vault = find_offer(offers, "Google Vault", "FLEXIBLE")

    def order(offer, parameter, value, commitment=False, rid=None):
        entitlement = {"offer": offer["name"],
                       "parameters": [{"name": parameter, "value": {"int64Value": str(value)}}]}
        if commitment:
            entitlement["commitmentSettings"] = {"renewalSettings": {"enableRenewal": True}}
        return entitlements.create(parent=name, body={"requestId": rid or request_id(),
                                                      "entitlement": entitlement})

    assert error_of(checked, order(trial, "max_units", 11))[:2] == (400, "INVALID_ARGUMENT")
    assert error_of(checked, order(vault, "max_units", 2))[:2] == (400, "FAILED_PRECONDITION")
    unknown = dict(trial, name=ACCOUNT + "/offers/doesnotexist")
    assert error_of(checked, order(unknown, "max_units", 1))[:2] == (404, "NOT_FOUND")
    assert error_of(checked, order(trial, "max_units", 1, rid="not-a-uuid"))[:2] == (400, "INVALID_ARGUMENT")

    rid = request_id()
    first = checked(order(annual, "num_units", 5, commitment=True, rid=rid))
    again = checked(order(annual, "num_units", 5, commitment=True, rid=rid))
    assert first["name"] == again["name"], "same requestId: same operation"
    base = wait(channel, checked, first)["response"]["name"]
    assert error_of(checked, order(annual, "num_units", 5, commitment=True))[:2] == (409, "ALREADY_EXISTS")
    activate = entitlements.activate(name=base, body={"requestId": request_id()})
    assert error_of(checked, activate) == (400, "FAILED_PRECONDITION", ["SUSPENSION_NOT_RESELLER_INITIATED"])
    console.act(domain, "acceptTos")
    decrease = entitlements.changeParameters(name=base, body={
        "requestId": request_id(), "parameters": [{"name": "num_units", "value": {"int64Value": "4"}}]})
    assert error_of(checked, decrease)[:2] == (400, "INVALID_ARGUMENT")
    cancel = entitlements.cancel(name=base, body={"requestId": request_id()})
    assert error_of(checked, cancel) == (400, "FAILED_PRECONDITION", ["DELETION_TYPE_NOT_ALLOWED"])
    activate = entitlements.activate(name=base, body={"requestId": request_id()})
    assert error_of(checked, activate) == (400, "FAILED_PRECONDITION", ["NOT_SUSPENDED"])
    paid = entitlements.startPaidService(name=base, body={"requestId": request_id()})
    assert error_of(checked, paid) == (400, "FAILED_PRECONDITION", ["NOT_IN_TRIAL"])
    delete = customers.delete(name=name)
    assert error_of(checked, delete)[:2] == (400, "FAILED_PRECONDITION")
    again = customers.provisionCloudIdentity(customer=name, body={
        "cloudIdentityInfo": {"customerType": "DOMAIN"}, "user": {"email": "other@" + domain}})
    assert error_of(checked, again)[:2] == (409, "ALREADY_EXISTS")


def test_directory_view_is_forbidden_until_granted(directory, checked_directory, provisioned, channel, checked):
    name, _ = provisioned
    cloud_identity = checked(channel.accounts().customers().get(name=name))["cloudIdentityId"]
    status, error = checked_directory.error(directory.customers().get(customerKey=cloud_identity))
    assert status == 403 and error["errors"][0]["reason"] == "forbidden"


def test_calls_without_credentials_are_unauthenticated(channel_doc, base_url, checked):
    # A bare HTTP client: no Authorization header at all.
    anonymous = build_from_document(channel_doc, http=httplib2.Http(),
                                    client_options={"api_endpoint": base_url + "/"})
    status, name, reasons = error_of(checked, anonymous.products().list(account=ACCOUNT))
    assert (status, name) == (401, "UNAUTHENTICATED")


def test_unknown_request_fields_are_rejected_like_google(channel, checked):
    body = customer_body(unique_domain("typo"))
    body["orgDisplayNmae"] = body.pop("orgDisplayName")
    status, name, _ = error_of(checked, channel.accounts().customers().create(parent=ACCOUNT, body=body))
    assert (status, name) == (400, "INVALID_ARGUMENT")
