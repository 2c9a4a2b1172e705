"""The sandbox behaves as Google documents it. Each test names its source:
a method or field description of the discovery document
(src/api/discovery/cloudchannel.v1.json), Google's provisioning codelab
(GoogleCloudPlatform/python-docs-samples, channel/workspace/provisioning/,
whose CI test runs against a real Test Partner Sales Console), or a help
page. The clock-moving test is last: it moves time for everyone."""

import http.client
import json
import os
import socket
import subprocess
import time
import urllib.parse

import pytest
from googleapiclient.errors import HttpError

from conftest import ACCOUNT, DEV_TOKEN, build, provision, request_id, unique_domain
from google.oauth2.credentials import Credentials
from test_flow import customer_body, find_offer, wait


def error_of(checked, request):
    status, error = checked.error(request)
    return status, error["status"], [d.get("reason") for d in error.get("details", [])]


def seats(parameter, value):
    return [{"name": parameter, "value": {"int64Value": str(value)}}]


def order(channel, checked, customer, offer, parameters, commitment=False, **extra):
    entitlement = dict(extra, offer=offer["name"], parameters=parameters)
    if commitment:
        entitlement["commitmentSettings"] = {"renewalSettings": {
            "enableRenewal": True, "paymentPlan": "COMMITMENT",
            "paymentCycle": {"periodType": "YEAR", "duration": 1}}}
    return checked(channel.accounts().customers().entitlements().create(
        parent=customer, body={"requestId": request_id(), "entitlement": entitlement}))


def test_a_domain_belongs_to_one_google_account(channel, checked, console):
    """support.google.com/a/answer/182080: "A domain name can be associated
    with only one Google account at a time". Another reseller's customer
    owns the domain: our Channel record may exist, but a second Cloud
    Identity cannot be provisioned for it."""
    domain = unique_domain("taken")
    console.seed(domain, "other-reseller")
    customers = channel.accounts().customers()
    customer = checked(customers.create(parent=ACCOUNT, body=customer_body(domain)))
    provisioning = customers.provisionCloudIdentity(customer=customer["name"], body={
        "cloudIdentityInfo": {"customerType": "DOMAIN", "alternateEmail": "recovery@example.org"},
        "user": {"email": "kari@" + domain}})
    assert error_of(checked, provisioning)[:2] == (409, "ALREADY_EXISTS")
    accounts = checked(channel.accounts().checkCloudIdentityAccountsExist(
        parent=ACCOUNT, body={"domain": domain}))["cloudIdentityAccounts"]
    assert len(accounts) == 1 and not accounts[0].get("owned")


def test_googles_provisioning_codelab_runs_as_on_a_test_partner_console(channel, checked, offers):
    """The codelab (create_entitlement.py) orders Business Standard on a
    commitment with `"int64_value": 5` (a JSON number), for a customer who
    has not accepted the Terms of Service, suspends it at once, transfers it
    to Google and deletes the customer; its CI test asserts every step
    succeeds. support.google.com/channelservices/answer/9548324: "you can
    still manage and provision your customers before they accept the TOS"."""
    domain = unique_domain("codelab")
    customer = provision(channel, checked, customer_body(domain), domain)
    offer = find_offer(offers, "Google Workspace Business Standard", "COMMITMENT", "YEAR")
    ordered = order(channel, checked, customer["name"], offer,
                    [{"name": "num_units", "value": {"int64_value": 5}}], commitment=True,
                    purchaseOrderId="A codelab test")
    entitlement = wait(channel, checked, ordered)["response"]
    assert entitlement["suspensionReasons"] == ["PENDING_TOS_ACCEPTANCE"]
    entitlements = channel.accounts().customers().entitlements()
    suspended = wait(channel, checked, checked(entitlements.suspend(
        name=entitlement["name"], body={"requestId": request_id()})))["response"]
    # The reseller's reason adds to the pending one; it does not replace it.
    assert suspended["suspensionReasons"] == ["PENDING_TOS_ACCEPTANCE", "RESELLER_INITIATED"]
    again = entitlements.suspend(name=entitlement["name"], body={"requestId": request_id()})
    assert error_of(checked, again) == (400, "FAILED_PRECONDITION", ["NOT_ACTIVE"])
    customers = channel.accounts().customers()
    as_resource = {k: v for k, v in suspended.items() if k != "@type"}
    transferred = wait(channel, checked, checked(customers.transferEntitlementsToGoogle(
        parent=customer["name"], body={"entitlements": [as_resource]})))
    assert transferred["response"]["@type"] == "type.googleapis.com/google.protobuf.Empty"
    checked(customers.delete(name=customer["name"]))


def test_effects_appear_when_the_operation_is_done(channel, checked, offers, console):
    """Discovery, entitlements.create: "Return value: The ID of a long-running
    operation"; the entitlement is the operation's `response` once `done`.
    Until then neither the entitlement nor its change log shows it."""
    domain = unique_domain("pending")
    customer = provision(channel, checked, customer_body(domain), domain)["name"]
    offer = find_offer(offers, "Google Workspace Business Starter", "FLEXIBLE")
    entitlements = channel.accounts().customers().entitlements()
    operation = order(channel, checked, customer, offer, seats("max_units", 3))
    assert not operation.get("done")
    assert checked(entitlements.list(parent=customer)).get("entitlements", []) == []
    changes = checked(entitlements.listEntitlementChanges(parent=customer + "/entitlements/-"))
    assert changes.get("entitlementChanges", []) == []
    done = wait(channel, checked, operation)
    listed = checked(entitlements.list(parent=customer))["entitlements"]
    assert [e["name"] for e in listed] == [done["response"]["name"]]


def test_filtered_lists_lag_creation(channel, checked, console):
    """cloud.google.com/channel/docs/concepts/google-cloud/filter-customers:
    a new customer shows up in filtered results "usually a few seconds"
    after creation; get and the unfiltered list have it at once."""
    domain = unique_domain("lag")
    customers = channel.accounts().customers()
    created = checked(customers.create(parent=ACCOUNT, body=customer_body(domain)))
    query = 'domain="%s"' % domain
    assert checked(customers.list(parent=ACCOUNT, filter=query)).get("customers", []) == []
    assert checked(customers.get(name=created["name"]))["domain"] == domain
    console.advance(seconds=6)
    listed = checked(customers.list(parent=ACCOUNT, filter=query))["customers"]
    assert [c["name"] for c in listed] == [created["name"]]


def test_num_units_is_editable_only_while_active(channel, checked, offers, console):
    """Discovery, Parameter.editable: "num_units is editable when entitlement
    is active"; changeParameters is refused while it is not."""
    domain = unique_domain("editable")
    customer = provision(channel, checked, customer_body(domain), domain)["name"]
    offer = find_offer(offers, "Google Workspace Business Standard", "COMMITMENT", "YEAR")
    entitlement = wait(channel, checked, order(channel, checked, customer, offer,
                                               seats("num_units", 5), commitment=True))["response"]
    num_units = [p for p in entitlement["parameters"] if p["name"] == "num_units"][0]
    assert not num_units.get("editable")
    entitlements = channel.accounts().customers().entitlements()
    change = entitlements.changeParameters(name=entitlement["name"], body={
        "requestId": request_id(), "parameters": seats("num_units", 6)})
    assert error_of(checked, change)[:2] == (400, "FAILED_PRECONDITION")
    console.act(domain, "acceptTos")
    active = checked(entitlements.get(name=entitlement["name"]))
    assert [p for p in active["parameters"] if p["name"] == "num_units"][0]["editable"] is True
    wait(channel, checked, checked(entitlements.changeParameters(name=entitlement["name"], body={
        "requestId": request_id(), "parameters": seats("num_units", 6)})))


def test_region_codes_are_cldr(channel, checked):
    """Discovery, GoogleTypePostalAddress.regionCode: "Required. CLDR region
    code of the country/region of the address" (e.g. "CH")."""
    customers = channel.accounts().customers()
    for bad in ["SWE", "se", "XX"]:
        body = customer_body(unique_domain("region"))
        body["orgPostalAddress"]["regionCode"] = bad
        assert error_of(checked, customers.create(parent=ACCOUNT, body=body))[:2] == (400, "INVALID_ARGUMENT"), bad
    body = customer_body(unique_domain("region"))
    body["orgPostalAddress"]["regionCode"] = "SE"
    checked(customers.create(parent=ACCOUNT, body=body))


def test_customer_filters_are_the_documented_ones(channel, checked):
    """filter-customers page: exact match on domain, org_display_name,
    cloud_identity_id and channel_partner_id, prefix (`:"…*"`) on the first
    two only; no `!=`."""
    customers = channel.accounts().customers()
    checked(customers.list(parent=ACCOUNT, filter='domain : "lag*"'))
    checked(customers.list(parent=ACCOUNT, filter='org_display_name : "Conf*"'))
    checked(customers.list(parent=ACCOUNT, filter='cloud_identity_id = "C0abc"'))
    for bad in ['cloud_identity_id : "C0*"', 'channel_partner_id : "p*"', 'domain != "x.se"']:
        assert error_of(checked, customers.list(parent=ACCOUNT, filter=bad))[:2] == (400, "INVALID_ARGUMENT"), bad


def test_json_follows_the_proto3_mapping(channel, checked, offers):
    """developers.google.com/protocol-buffers/docs/proto3#json: int64 is
    accepted as a number or a string, int32 as a string, an enum as its
    number (YEAR is 3), and `null` is the field's default value."""
    domain = unique_domain("proto3")
    customer = provision(channel, checked, customer_body(domain), domain)["name"]
    offer = find_offer(offers, "Google Workspace Business Standard", "COMMITMENT", "YEAR")
    entitlement = {
        "offer": offer["name"],
        "parameters": [{"name": "num_units", "value": {"int64Value": 7}}],
        "commitmentSettings": {"renewalSettings": {
            "enableRenewal": True, "paymentPlan": "COMMITMENT",
            "paymentCycle": {"periodType": 3, "duration": "1"}}},
        "purchaseOrderId": None,
    }
    operation = checked(channel.accounts().customers().entitlements().create(
        parent=customer, body={"requestId": request_id(), "entitlement": entitlement}))
    created = wait(channel, checked, operation)["response"]
    assert [p for p in created["parameters"] if p["name"] == "num_units"][0]["value"] == {"int64Value": "7"}


def test_new_orders_log_the_start_of_their_service(channel, checked, offers):
    """Discovery, EntitlementChange.changeType: besides CREATED, a paid order
    starts a paid subscription (PAID_SUBSCRIPTION_STARTED) and a trial order
    a trial (TRIAL_STARTED)."""
    domain = unique_domain("changes")
    customer = provision(channel, checked, customer_body(domain), domain)["name"]
    entitlements = channel.accounts().customers().entitlements()
    trial = find_offer(offers, "Google Workspace Business Starter", "TRIAL")
    vault = find_offer(offers, "Google Vault", "FLEXIBLE")
    base = wait(channel, checked, order(channel, checked, customer, trial, seats("max_units", 5)))["response"]
    add_on = wait(channel, checked, order(channel, checked, customer, vault, seats("max_units", 5)))["response"]
    for entitlement, started in [(base, "TRIAL_STARTED"), (add_on, "PAID_SUBSCRIPTION_STARTED")]:
        changes = checked(entitlements.listEntitlementChanges(parent=entitlement["name"]))
        assert [c["changeType"] for c in changes["entitlementChanges"]] == ["CREATED", started]


def test_keep_alive_connections_survive_refusals(base_url):
    """RFC 9112 §9.6: a server that answers before reading the whole request
    body must close the connection (and say so) or read the body first; a
    client reusing the connection must not find it broken."""
    parsed = urllib.parse.urlparse(base_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    body = json.dumps({"domain": "x" * 20000})
    for _ in range(30):
        connection.request("POST", "/v1/nowhere", body=body,
                           headers={"authorization": "Bearer " + DEV_TOKEN, "content-type": "application/json"})
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 404
        connection.request("POST", "/v1/%s:checkCloudIdentityAccountsExist" % ACCOUNT, body=body,
                           headers={"content-type": "application/json"})
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 401
        connection.request("GET", "/v1/%s/customers?pageSize=1" % ACCOUNT,
                           headers={"authorization": "Bearer " + DEV_TOKEN})
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 200


@pytest.fixture(scope="module")
def metered(channel_doc):
    """A second sandbox with Google's per-minute quota buckets switched on."""
    binary = os.environ.get("RESOLD_BIN")
    if not binary:
        pytest.skip("RESOLD_BIN is not set: run conformance/run")
    server = subprocess.Popen([binary, "sandbox", "serve", "--addr", "127.0.0.1:0",
                               "--quota-window-seconds", "60"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip().rsplit(" ", 1)[-1]
        yield build(channel_doc, url, Credentials(DEV_TOKEN))
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_quota_errors_carry_googles_error_info(metered):
    """googleapis google/api/error_reason.proto, RATE_LIMIT_EXCEEDED: domain
    "googleapis.com", metadata service, consumer, quota_metric and
    quota_limit; Google documents no Retry-After. customers.list has 24 a
    minute (cloud.google.com/channel/docs/quotas)."""
    customers = metered.accounts().customers()
    for _ in range(24):
        customers.list(parent=ACCOUNT).execute()
    with pytest.raises(HttpError) as caught:
        customers.list(parent=ACCOUNT).execute()
    assert caught.value.resp.status == 429
    assert "retry-after" not in caught.value.resp
    error = json.loads(caught.value.content)["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    info = [d for d in error["details"] if d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"][0]
    assert info["reason"] == "RATE_LIMIT_EXCEEDED" and info["domain"] == "googleapis.com"
    assert info["metadata"]["service"] == "cloudchannel.googleapis.com"
    assert set(info["metadata"]) >= {"service", "consumer", "quota_metric", "quota_limit"}


def test_turning_renewal_back_on_revives_a_lapsed_commitment(channel, checked, offers, console):
    """Discovery, EntitlementChange.activationReason RENEWAL_SETTINGS_CHANGED:
    "Reseller updated the renewal settings on an entitlement that was
    suspended due to cancellation, and this update reactivated the
    entitlement". Runs last: it moves the clock a year."""
    domain = unique_domain("revive")
    customer = provision(channel, checked, customer_body(domain), domain)["name"]
    console.act(domain, "acceptTos")
    offer = find_offer(offers, "Google Workspace Business Standard", "COMMITMENT", "YEAR")
    entitlements = channel.accounts().customers().entitlements()
    operation = checked(entitlements.create(parent=customer, body={"requestId": request_id(), "entitlement": {
        "offer": offer["name"], "parameters": seats("num_units", 5),
        "commitmentSettings": {"renewalSettings": {"enableRenewal": False}}}}))
    name = wait(channel, checked, operation)["response"]["name"]
    console.advance(days=366)
    lapsed = checked(entitlements.get(name=name))
    assert lapsed["suspensionReasons"] == ["RENEWAL_WITH_TYPE_CANCEL"]
    activate = entitlements.activate(name=name, body={"requestId": request_id()})
    assert error_of(checked, activate) == (400, "FAILED_PRECONDITION", ["SUSPENSION_NOT_RESELLER_INITIATED"])
    revived = wait(channel, checked, checked(entitlements.changeRenewalSettings(name=name, body={
        "requestId": request_id(),
        "renewalSettings": {"enableRenewal": True, "paymentPlan": "COMMITMENT",
                            "paymentCycle": {"periodType": "YEAR", "duration": 1}}})))["response"]
    assert revived["provisioningState"] == "ACTIVE"
    changes = checked(entitlements.listEntitlementChanges(parent=name, pageSize=50))["entitlementChanges"]
    assert changes[-1]["changeType"] == "ACTIVATED"
    assert changes[-1]["activationReason"] == "RENEWAL_SETTINGS_CHANGED"
