"""Transfers as the discovery document describes them: listTransferableSkus,
listTransferableOffers, customers.import with the customer's transfer token
(support.google.com/a/answer/7643790), transferEntitlements and
transferEntitlementsToGoogle. The other reseller's and Google's customers are
seeded through the sandbox's console surface."""

import pytest

from conftest import ACCOUNT, request_id, unique_domain
from test_flow import find_offer, wait
from test_semantics import error_of, seats


def sku_named(offers, display):
    return find_offer(offers, display, "FLEXIBLE")["sku"]["name"]


@pytest.fixture()
def elsewhere(console):
    """Another reseller's customer: Business Standard on a commitment with 10
    seats and Vault on a flexible plan, with a fresh transfer token."""
    domain = unique_domain("elsewhere")
    seeded = console.seed(domain, "other-reseller", skus=[
        {"sku": "business-standard", "plan": "annual-yearly", "seats": 10},
        {"sku": "vault", "plan": "flexible", "seats": 3}])
    return seeded


def test_transferable_skus_need_the_customers_token(channel, checked, elsewhere):
    """listTransferableSkus: PERMISSION_DENIED when "The customer doesn't
    belong to the reseller and has no auth token" or "The supplied auth
    token is invalid"."""
    accounts = channel.accounts()
    identity = elsewhere["cloudIdentityId"]
    for token in [None, "tt-wrong"]:
        body = {"cloudIdentityId": identity}
        if token:
            body["authToken"] = token
        assert error_of(checked, accounts.listTransferableSkus(parent=ACCOUNT, body=body))[:2] == \
            (403, "PERMISSION_DENIED")
    listed = checked(accounts.listTransferableSkus(parent=ACCOUNT, body={
        "cloudIdentityId": identity, "authToken": elsewhere["authToken"]}))["transferableSkus"]
    names = [s["sku"]["marketingInfo"]["displayName"] for s in listed]
    assert names == ["Google Workspace Business Standard", "Google Vault"]
    assert all(s["transferEligibility"]["isEligible"] for s in listed)


def test_an_expired_token_is_refused_until_the_customer_makes_a_new_one(channel, checked, console):
    """ImportCustomerRequest.authToken; customers.import: INVALID_ARGUMENT
    when "the auth_token is expired or invalid". The customer's super admin
    can make a new one."""
    domain = unique_domain("expired")
    seeded = console.seed(domain, "direct", tokenValidDays=0)
    customers = channel.accounts().customers()
    body = {"domain": domain, "authToken": seeded["authToken"], "overwriteIfExists": False}
    assert error_of(checked, customers.import_(parent=ACCOUNT, body=body))[:2] == (400, "INVALID_ARGUMENT")
    fresh = console.act(seeded["cloudIdentityId"], "generateTransferToken")["transferToken"]
    body["authToken"] = fresh["token"]
    imported = checked(customers.import_(parent=ACCOUNT, body=body))
    assert imported["cloudIdentityId"] == seeded["cloudIdentityId"]


def test_a_legacy_free_edition_is_not_transferable(channel, checked, console):
    """TransferEligibility.ineligibilityReason SKU_NOT_ELIGIBLE."""
    seeded = console.seed(unique_domain("legacy"), "legacy-free")
    listed = checked(channel.accounts().listTransferableSkus(parent=ACCOUNT, body={
        "cloudIdentityId": seeded["cloudIdentityId"], "authToken": seeded["authToken"]}))["transferableSkus"]
    assert listed[0]["transferEligibility"]["ineligibilityReason"] == "SKU_NOT_ELIGIBLE"
    assert not listed[0]["transferEligibility"].get("isEligible")
    assert listed[0]["legacySku"]


def test_another_resellers_customer_moves_with_all_its_skus_and_its_commitment(
        channel, checked, offers, elsewhere):
    """import, then transferEntitlements: every transferable SKU in one
    request ("Specify all transferring entitlements"), add-ons with their
    base; the commitment keeps its seats (listTransferableOffers: "Offer
    with parameter constraints updated to allow the Transfer") and its end."""
    accounts = channel.accounts()
    customers = accounts.customers()
    identity = elsewhere["cloudIdentityId"]
    standard_sku = sku_named(offers, "Google Workspace Business Standard")
    transferable = checked(accounts.listTransferableOffers(parent=ACCOUNT, body={
        "cloudIdentityId": identity, "sku": standard_sku}))["transferableOffers"]
    assert transferable and all(o["offer"]["plan"]["paymentPlan"] == "COMMITMENT" for o in transferable)
    minimum = transferable[0]["offer"]["parameterDefinitions"][0]["minValue"]["int64Value"]
    assert minimum == "10"

    customer = checked(customers.import_(parent=ACCOUNT, body={
        "domain": elsewhere["domain"], "authToken": elsewhere["authToken"], "overwriteIfExists": False}))
    name = customer["name"]
    annual = find_offer(offers, "Google Workspace Business Standard", "COMMITMENT", "YEAR")
    vault = find_offer(offers, "Google Vault", "FLEXIBLE")
    renewal = {"renewalSettings": {"enableRenewal": True, "paymentPlan": "COMMITMENT",
                                   "paymentCycle": {"periodType": "YEAR", "duration": 1}}}
    standard = {"offer": annual["name"], "parameters": seats("num_units", 10), "commitmentSettings": renewal}
    add_on = {"offer": vault["name"], "parameters": seats("max_units", 3)}

    def transfer(entitlements):
        return customers.transferEntitlements(parent=name, body={
            "requestId": request_id(), "entitlements": entitlements})

    assert error_of(checked, transfer([standard]))[:2] == (400, "FAILED_PRECONDITION")
    fewer = dict(standard, parameters=seats("num_units", 9))
    assert error_of(checked, transfer([fewer, add_on]))[:2] == (400, "INVALID_ARGUMENT")
    operation = checked(transfer([standard, add_on]))
    assert operation["metadata"]["operationType"] == "TRANSFER_ENTITLEMENTS"
    moved = wait(channel, checked, operation)["response"]["entitlements"]
    assert sorted(e["offer"] for e in moved) == sorted([annual["name"], vault["name"]])
    held = [h for h in elsewhere["holdings"] if h["skuKey"] == "business-standard"][0]
    committed = [e for e in moved if e["offer"] == annual["name"]][0]
    assert committed["commitmentSettings"]["endTime"] == held["commitmentEndTime"]
    again = checked(accounts.listTransferableSkus(parent=ACCOUNT, body={"customerName": name}))
    assert again.get("transferableSkus", []) == []
    assert error_of(checked, transfer([standard]))[:2] == (409, "ALREADY_EXISTS")


def test_back_to_google_moves_add_ons_with_their_base(channel, checked, offers, console):
    """transferEntitlementsToGoogle: FAILED_PRECONDITION when "An Add-On SKU
    … is missing the pre-requisite SKU"; done, its response is Empty, the
    change log says CANCELLED with RELATIONSHIP_ENDED, and the customer can
    be deleted (the codelab's last two steps)."""
    domain = unique_domain("togoogle")
    seeded = console.seed(domain, "direct", skus=[{"sku": "business-starter", "plan": "flexible", "seats": 4},
                                                  {"sku": "vault", "plan": "flexible", "seats": 2}])
    customers = channel.accounts().customers()
    name = checked(customers.import_(parent=ACCOUNT, body={
        "cloudIdentityId": seeded["cloudIdentityId"], "domain": domain,
        "authToken": seeded["authToken"]}))["name"]
    starter = find_offer(offers, "Google Workspace Business Starter", "FLEXIBLE")
    vault = find_offer(offers, "Google Vault", "FLEXIBLE")
    moved = wait(channel, checked, checked(customers.transferEntitlements(parent=name, body={
        "requestId": request_id(), "entitlements": [
            {"offer": starter["name"], "parameters": seats("max_units", 4)},
            {"offer": vault["name"], "parameters": seats("max_units", 2)}]})))["response"]["entitlements"]
    moved = [{k: v for k, v in e.items() if k != "@type"} for e in moved]
    base = [e for e in moved if e["offer"] == starter["name"]][0]
    alone = customers.transferEntitlementsToGoogle(parent=name, body={"entitlements": [base]})
    assert error_of(checked, alone)[:2] == (400, "FAILED_PRECONDITION")
    done = wait(channel, checked, checked(customers.transferEntitlementsToGoogle(
        parent=name, body={"requestId": request_id(), "entitlements": moved})))
    assert done["response"]["@type"] == "type.googleapis.com/google.protobuf.Empty"
    entitlements = customers.entitlements()
    assert checked(entitlements.list(parent=name)).get("entitlements", []) == []
    changes = checked(entitlements.listEntitlementChanges(parent=name + "/entitlements/-",
                                                          pageSize=50))["entitlementChanges"]
    ended = [c for c in changes if c["changeType"] == "CANCELLED"]
    assert len(ended) == 2 and all(c["cancellationReason"] == "RELATIONSHIP_ENDED" for c in ended)
    checked(customers.delete(name=name))
    accounts = checked(channel.accounts().checkCloudIdentityAccountsExist(
        parent=ACCOUNT, body={"domain": domain}))["cloudIdentityAccounts"]
    assert not accounts[0].get("owned")
