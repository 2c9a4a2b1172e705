"""The whole provisioning flow through Google's client: check account, create
customer, provision, list offers, order, change seats, change renewal,
suspend, activate, cancel, read the Admin console view."""

from conftest import ACCOUNT, request_id, unique_domain


def wait(channel, checked, operation):
    for _ in range(20):
        if operation.get("done"):
            return operation
        operation = checked(channel.operations().get(name=operation["name"]))
    raise AssertionError("operation never finished: %r" % operation)


def customer_body(domain):
    return {
        "orgDisplayName": "Conformance " + domain,
        "domain": domain,
        "orgPostalAddress": {"regionCode": "NO", "postalCode": "0150",
                             "addressLines": ["Karl Johans gate 1"], "locality": "Oslo"},
        "primaryContactInfo": {"firstName": "Kari", "lastName": "Nordmann", "email": "kari@" + domain},
        "alternateEmail": "recovery@example.org",
        "languageCode": "nb",
    }


def find_offer(offers, display, payment_plan, period=None):
    for offer in offers:
        plan = offer["plan"]
        if (offer["sku"]["marketingInfo"]["displayName"] == display
                and plan["paymentPlan"] == payment_plan
                and (period is None or plan["paymentCycle"]["periodType"] == period)):
            return offer
    raise AssertionError("no %s offer for %s" % (payment_plan, display))


def test_full_provisioning_flow(channel, directory, checked, checked_directory, console):
    domain = unique_domain("flow")
    customers = channel.accounts().customers()

    exists = checked(channel.accounts().checkCloudIdentityAccountsExist(
        parent=ACCOUNT, body={"domain": domain}))
    assert exists.get("cloudIdentityAccounts", []) == []

    customer = checked(customers.create(parent=ACCOUNT, body=customer_body(domain)))
    name = customer["name"]
    assert name.startswith(ACCOUNT + "/customers/")
    assert "cloudIdentityId" not in customer
    assert checked(customers.get(name=name))["domain"] == domain
    # Filtered lists lag creation by a few seconds (test_semantics.py); step past it.
    console.post("/sandbox/v1/clock:advance", {"seconds": 6})
    listed = checked(customers.list(parent=ACCOUNT, filter='domain="%s"' % domain))
    assert [c["name"] for c in listed["customers"]] == [name]

    operation = checked(customers.provisionCloudIdentity(customer=name, body={
        "cloudIdentityInfo": {"customerType": "DOMAIN", "alternateEmail": "recovery@example.org",
                              "languageCode": "nb"},
        "user": {"email": "kari@" + domain, "givenName": "Kari", "familyName": "Nordmann"}}))
    assert operation["metadata"]["operationType"] == "PROVISION_CLOUD_IDENTITY"
    provisioned = wait(channel, checked, operation)["response"]
    cloud_identity = provisioned["cloudIdentityId"]
    assert provisioned["cloudIdentityInfo"]["primaryDomain"] == domain

    owned = checked(channel.accounts().checkCloudIdentityAccountsExist(
        parent=ACCOUNT, body={"domain": domain}))["cloudIdentityAccounts"]
    assert owned[0]["owned"] is True and owned[0]["customerName"] == name

    products = checked(channel.products().list(account=ACCOUNT))["products"]
    assert products
    skus = checked(channel.products().skus().list(parent="products/-", account=ACCOUNT,
                                                   languageCode="en-US", pageSize=1000))["skus"]
    assert any(s["marketingInfo"]["displayName"] == "Google Workspace Business Standard" for s in skus)
    offers = checked(channel.accounts().offers().list(parent=ACCOUNT, pageSize=1000))["offers"]
    annual = find_offer(offers, "Google Workspace Business Standard", "COMMITMENT", "YEAR")
    purchasable = checked(customers.listPurchasableOffers(
        customer=name, createEntitlementPurchase_sku=annual["sku"]["name"]))["purchasableOffers"]
    assert annual["name"] in [p["offer"]["name"] for p in purchasable]
    purchasable_skus = checked(customers.listPurchasableSkus(
        customer=name, createEntitlementPurchase_product="products/-"))["purchasableSkus"]
    assert purchasable_skus

    entitlements = customers.entitlements()
    operation = checked(entitlements.create(parent=name, body={
        "requestId": request_id(),
        "entitlement": {
            "offer": annual["name"],
            "parameters": [{"name": "num_units", "value": {"int64Value": "20"}}],
            "commitmentSettings": {"renewalSettings": {
                "enableRenewal": True, "paymentPlan": "COMMITMENT",
                "paymentCycle": {"periodType": "YEAR", "duration": 1}}},
            "purchaseOrderId": "PO-CONFORMANCE"}}))
    entitlement = wait(channel, checked, operation)["response"]
    ent_name = entitlement["name"]
    assert entitlement["suspensionReasons"] == ["PENDING_TOS_ACCEPTANCE"]

    console.act(domain, "acceptTos")
    assert checked(entitlements.get(name=ent_name))["provisioningState"] == "ACTIVE"

    seats = wait(channel, checked, checked(entitlements.changeParameters(name=ent_name, body={
        "requestId": request_id(),
        "parameters": [{"name": "num_units", "value": {"int64Value": "25"}}]})))["response"]
    assert seats["parameters"][0]["value"]["int64Value"] == "25"

    renewal = wait(channel, checked, checked(entitlements.changeRenewalSettings(name=ent_name, body={
        "requestId": request_id(),
        "renewalSettings": {"enableRenewal": True, "resizeUnitCount": True, "paymentPlan": "COMMITMENT",
                            "paymentCycle": {"periodType": "YEAR", "duration": 1}}})))["response"]
    assert renewal["commitmentSettings"]["renewalSettings"]["resizeUnitCount"] is True

    suspended = wait(channel, checked, checked(entitlements.suspend(
        name=ent_name, body={"requestId": request_id()})))["response"]
    assert suspended["suspensionReasons"] == ["RESELLER_INITIATED"]
    activated = wait(channel, checked, checked(entitlements.activate(
        name=ent_name, body={"requestId": request_id()})))["response"]
    assert activated["provisioningState"] == "ACTIVE"

    vault = find_offer(offers, "Google Vault", "FLEXIBLE")
    add_on = wait(channel, checked, checked(entitlements.create(parent=name, body={
        "requestId": request_id(),
        "entitlement": {"offer": vault["name"],
                        "parameters": [{"name": "max_units", "value": {"int64Value": "5"}}]}})))["response"]
    assert add_on["associationInfo"]["baseEntitlement"] == ent_name
    cancelled = wait(channel, checked, checked(entitlements.cancel(
        name=add_on["name"], body={"requestId": request_id()})))
    assert cancelled["response"]["@type"] == "type.googleapis.com/google.protobuf.Empty"

    listed = checked(entitlements.list(parent=name))["entitlements"]
    assert [e["name"] for e in listed] == [ent_name]
    changes = checked(entitlements.listEntitlementChanges(parent=name + "/entitlements/-", pageSize=50))
    kinds = [c["changeType"] for c in changes["entitlementChanges"]]
    assert kinds[0] == "CREATED" and kinds[-1] == "CANCELLED"
    assert checked(entitlements.lookupOffer(entitlement=ent_name))["name"] == annual["name"]

    console.act(cloud_identity, "grantResellerAccess")
    console.act(cloud_identity, "adminConsoleEdit", {"phoneNumber": "+4722334455"})
    view = checked_directory(directory.customers().get(customerKey=cloud_identity))
    assert view["customerDomain"] == domain
    assert view["phoneNumber"] == "+4722334455"
    patched = checked_directory(directory.customers().patch(
        customerKey=cloud_identity, body={"language": "en"}))
    assert patched["language"] == "en"
    assert checked(customers.get(name=name))["languageCode"] == "nb"


def test_paging_follows_tokens(channel, checked):
    customers = channel.accounts().customers()
    for index in range(12):
        checked(customers.create(parent=ACCOUNT, body=customer_body(unique_domain("page%d" % index))))
    request = customers.list(parent=ACCOUNT, pageSize=5)
    names = []
    while request is not None:
        page = checked(request)
        assert len(page.get("customers", [])) <= 5
        names += [c["name"] for c in page.get("customers", [])]
        request = customers.list_next(request, page)
    assert len(names) == len(set(names)) >= 12
