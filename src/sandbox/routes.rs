//! Maps a request line to a route. Google's custom methods put `:verb` inside
//! the last path segment (`customers/C:provisionCloudIdentity`), which path
//! routers do not express, so the sandbox matches segments itself; anything
//! unknown gets Google's 404 body rather than a framework default.

use axum::http::Method;

use super::errors::{ApiError, Surface};
use crate::api::EntitlementAction;

/// `accounts/{account}/customers/{customer}` split into its ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRef {
    pub account: String,
    pub customer: String,
}

impl CustomerRef {
    pub fn name(&self) -> String {
        format!("accounts/{}/customers/{}", self.account, self.customer)
    }
}

/// `accounts/{a}/customers/{c}/entitlements/{e}`; `e` may be `-` for change lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitlementRef {
    pub customer: CustomerRef,
    pub entitlement: String,
}

impl EntitlementRef {
    pub fn name(&self) -> String {
        format!("{}/entitlements/{}", self.customer.name(), self.entitlement)
    }
}

/// What the customer does in its Admin console (simulated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleAction {
    AdminConsoleEdit,
    GrantResellerAccess,
    RevokeResellerAccess,
    AcceptTos,
    VerifyDomain,
    SetLicenses,
    DisableApiAccess,
    EnableApiAccess,
    GenerateTransferToken,
}

impl ConsoleAction {
    pub const ALL: [ConsoleAction; 9] = [
        ConsoleAction::AdminConsoleEdit,
        ConsoleAction::GrantResellerAccess,
        ConsoleAction::RevokeResellerAccess,
        ConsoleAction::AcceptTos,
        ConsoleAction::VerifyDomain,
        ConsoleAction::SetLicenses,
        ConsoleAction::DisableApiAccess,
        ConsoleAction::EnableApiAccess,
        ConsoleAction::GenerateTransferToken,
    ];

    pub fn verb(self) -> &'static str {
        match self {
            ConsoleAction::AdminConsoleEdit => "adminConsoleEdit",
            ConsoleAction::GrantResellerAccess => "grantResellerAccess",
            ConsoleAction::RevokeResellerAccess => "revokeResellerAccess",
            ConsoleAction::AcceptTos => "acceptTos",
            ConsoleAction::VerifyDomain => "verifyDomain",
            ConsoleAction::SetLicenses => "setLicenses",
            ConsoleAction::DisableApiAccess => "disableApiAccess",
            ConsoleAction::EnableApiAccess => "enableApiAccess",
            ConsoleAction::GenerateTransferToken => "generateTransferToken",
        }
    }

    fn parse(verb: &str) -> Option<ConsoleAction> {
        ConsoleAction::ALL.into_iter().find(|a| a.verb() == verb)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Token,
    CheckAccounts {
        account: String,
    },
    TransferableSkus {
        account: String,
    },
    TransferableOffers {
        account: String,
    },
    TransferEntitlements(CustomerRef),
    TransferToGoogle(CustomerRef),
    CustomersCreate {
        account: String,
    },
    CustomersList {
        account: String,
    },
    CustomersImport {
        account: String,
    },
    CustomersGet(CustomerRef),
    CustomersPatch(CustomerRef),
    CustomersDelete(CustomerRef),
    Provision(CustomerRef),
    PurchasableSkus(CustomerRef),
    PurchasableOffers(CustomerRef),
    OffersList {
        account: String,
    },
    ProductsList,
    SkusList {
        product: String,
    },
    EntitlementsCreate(CustomerRef),
    EntitlementsList(CustomerRef),
    EntitlementsGet(EntitlementRef),
    EntitlementsMutate(EntitlementRef, EntitlementAction),
    EntitlementChanges(EntitlementRef),
    LookupOffer(EntitlementRef),
    OperationsGet {
        id: String,
    },
    DirectoryGet {
        key: String,
    },
    DirectoryPatch {
        key: String,
    },
    DirectoryUpdate {
        key: String,
    },
    DirectoryDomainGet {
        key: String,
        domain: String,
    },
    Console {
        customer: String,
        action: ConsoleAction,
    },
    SeedAccount,
    ClockAdvance,
    FaultsPut,
    FaultsDelete,
    FaultsGet,
    World,
}

impl Route {
    /// The discovery method id fault rules match on.
    pub fn method_id(&self) -> String {
        let id = match self {
            Route::Token => "oauth2.token",
            Route::CheckAccounts { .. } => "cloudchannel.accounts.checkCloudIdentityAccountsExist",
            Route::TransferableSkus { .. } => "cloudchannel.accounts.listTransferableSkus",
            Route::TransferableOffers { .. } => "cloudchannel.accounts.listTransferableOffers",
            Route::TransferEntitlements(_) => {
                "cloudchannel.accounts.customers.transferEntitlements"
            }
            Route::TransferToGoogle(_) => {
                "cloudchannel.accounts.customers.transferEntitlementsToGoogle"
            }
            Route::CustomersCreate { .. } => "cloudchannel.accounts.customers.create",
            Route::CustomersList { .. } => "cloudchannel.accounts.customers.list",
            Route::CustomersImport { .. } => "cloudchannel.accounts.customers.import",
            Route::CustomersGet(_) => "cloudchannel.accounts.customers.get",
            Route::CustomersPatch(_) => "cloudchannel.accounts.customers.patch",
            Route::CustomersDelete(_) => "cloudchannel.accounts.customers.delete",
            Route::Provision(_) => "cloudchannel.accounts.customers.provisionCloudIdentity",
            Route::PurchasableSkus(_) => "cloudchannel.accounts.customers.listPurchasableSkus",
            Route::PurchasableOffers(_) => "cloudchannel.accounts.customers.listPurchasableOffers",
            Route::OffersList { .. } => "cloudchannel.accounts.offers.list",
            Route::ProductsList => "cloudchannel.products.list",
            Route::SkusList { .. } => "cloudchannel.products.skus.list",
            Route::EntitlementsCreate(_) => "cloudchannel.accounts.customers.entitlements.create",
            Route::EntitlementsList(_) => "cloudchannel.accounts.customers.entitlements.list",
            Route::EntitlementsGet(_) => "cloudchannel.accounts.customers.entitlements.get",
            Route::EntitlementsMutate(_, action) => {
                return format!(
                    "cloudchannel.accounts.customers.entitlements.{}",
                    action.verb()
                );
            }
            Route::EntitlementChanges(_) => {
                "cloudchannel.accounts.customers.entitlements.listEntitlementChanges"
            }
            Route::LookupOffer(_) => "cloudchannel.accounts.customers.entitlements.lookupOffer",
            Route::OperationsGet { .. } => "cloudchannel.operations.get",
            Route::DirectoryGet { .. } => "directory.customers.get",
            Route::DirectoryPatch { .. } => "directory.customers.patch",
            Route::DirectoryUpdate { .. } => "directory.customers.update",
            Route::DirectoryDomainGet { .. } => "directory.domains.get",
            Route::Console { action, .. } => return format!("sandbox.customers.{}", action.verb()),
            Route::SeedAccount => "sandbox.accounts.create",
            Route::ClockAdvance => "sandbox.clock.advance",
            Route::FaultsPut => "sandbox.faults.put",
            Route::FaultsDelete => "sandbox.faults.delete",
            Route::FaultsGet => "sandbox.faults.get",
            Route::World => "sandbox.world.get",
        };
        id.to_string()
    }

    pub fn surface(&self) -> Surface {
        match self {
            Route::DirectoryGet { .. }
            | Route::DirectoryPatch { .. }
            | Route::DirectoryUpdate { .. }
            | Route::DirectoryDomainGet { .. } => Surface::Directory,
            Route::Token
            | Route::Console { .. }
            | Route::SeedAccount
            | Route::ClockAdvance
            | Route::FaultsPut
            | Route::FaultsDelete
            | Route::FaultsGet
            | Route::World => Surface::Sandbox,
            _ => Surface::Channel,
        }
    }

    /// Changes the world (and so is persisted before the reply).
    pub fn is_mutation(&self) -> bool {
        matches!(
            self,
            Route::CustomersCreate { .. }
                | Route::CustomersImport { .. }
                | Route::CustomersPatch(_)
                | Route::CustomersDelete(_)
                | Route::Provision(_)
                | Route::EntitlementsCreate(_)
                | Route::EntitlementsMutate(..)
                | Route::TransferEntitlements(_)
                | Route::TransferToGoogle(_)
                | Route::DirectoryPatch { .. }
                | Route::DirectoryUpdate { .. }
                | Route::Console { .. }
                | Route::SeedAccount
                | Route::ClockAdvance
        )
    }

    /// Answers with a long-running operation.
    pub fn is_lro(&self) -> bool {
        matches!(
            self,
            Route::Provision(_)
                | Route::EntitlementsCreate(_)
                | Route::EntitlementsMutate(..)
                | Route::TransferEntitlements(_)
                | Route::TransferToGoogle(_)
        )
    }

    /// Google's APIs want a bearer token; the token endpoint and the
    /// customer's side of the simulation do not.
    pub fn needs_token(&self) -> bool {
        self.surface() != Surface::Sandbox
    }
}

/// Parses `method` + `path` (percent-encoded, as received).
pub fn parse(method: &Method, path: &str) -> Result<Route, ApiError> {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let route = match parts.as_slice() {
        ["token"] => only(method, Method::POST, Route::Token),
        ["v1", rest @ ..] => channel(method, rest),
        ["admin", "directory", "v1", rest @ ..] => directory(method, rest),
        ["sandbox", "v1", rest @ ..] => sandbox(method, rest),
        _ => None,
    };
    route.ok_or_else(|| not_found(method, path))
}

/// Which API a path belongs to, for requests refused before routing.
pub fn surface_of(path: &str) -> Surface {
    if path.starts_with("/admin/") {
        Surface::Directory
    } else if path.starts_with("/sandbox/") {
        Surface::Sandbox
    } else {
        Surface::Channel
    }
}

fn not_found(method: &Method, path: &str) -> ApiError {
    let surface = surface_of(path);
    let message = format!("The requested URL {method} {path} was not found on this server.");
    match surface {
        Surface::Directory => ApiError::directory(crate::api::Code::NotFound, "notFound", message),
        _ => ApiError::not_found(message),
    }
}

fn only(method: &Method, wanted: Method, route: Route) -> Option<Route> {
    (*method == wanted).then_some(route)
}

/// Splits `name:verb` into its parts.
fn verb_of(segment: &str) -> (&str, Option<&str>) {
    match segment.split_once(':') {
        Some((id, verb)) => (id, Some(verb)),
        None => (segment, None),
    }
}

fn customer_ref(account: &str, customer: &str) -> CustomerRef {
    CustomerRef {
        account: account.to_string(),
        customer: customer.to_string(),
    }
}

fn channel(method: &Method, parts: &[&str]) -> Option<Route> {
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    match parts {
        ["accounts", last] => match verb_of(last) {
            (account, Some("checkCloudIdentityAccountsExist")) if post => {
                Some(Route::CheckAccounts {
                    account: account.to_string(),
                })
            }
            (account, Some("listTransferableSkus")) if post => Some(Route::TransferableSkus {
                account: account.to_string(),
            }),
            (account, Some("listTransferableOffers")) if post => Some(Route::TransferableOffers {
                account: account.to_string(),
            }),
            _ => None,
        },
        ["accounts", account, "customers"] => {
            let account = account.to_string();
            match *method {
                Method::GET => Some(Route::CustomersList { account }),
                Method::POST => Some(Route::CustomersCreate { account }),
                _ => None,
            }
        }
        ["accounts", account, "customers:import"] if post => Some(Route::CustomersImport {
            account: account.to_string(),
        }),
        ["accounts", account, "offers"] if get => Some(Route::OffersList {
            account: account.to_string(),
        }),
        ["accounts", account, "customers", last] => {
            let (customer, verb) = verb_of(last);
            let reference = customer_ref(account, customer);
            match (method.clone(), verb) {
                (Method::GET, None) => Some(Route::CustomersGet(reference)),
                (Method::PATCH, None) => Some(Route::CustomersPatch(reference)),
                (Method::DELETE, None) => Some(Route::CustomersDelete(reference)),
                (Method::POST, Some("provisionCloudIdentity")) => Some(Route::Provision(reference)),
                (Method::POST, Some("transferEntitlements")) => {
                    Some(Route::TransferEntitlements(reference))
                }
                (Method::POST, Some("transferEntitlementsToGoogle")) => {
                    Some(Route::TransferToGoogle(reference))
                }
                (Method::GET, Some("listPurchasableSkus")) => {
                    Some(Route::PurchasableSkus(reference))
                }
                (Method::GET, Some("listPurchasableOffers")) => {
                    Some(Route::PurchasableOffers(reference))
                }
                _ => None,
            }
        }
        ["accounts", account, "customers", customer, "entitlements"] => {
            let reference = customer_ref(account, customer);
            match *method {
                Method::GET => Some(Route::EntitlementsList(reference)),
                Method::POST => Some(Route::EntitlementsCreate(reference)),
                _ => None,
            }
        }
        [
            "accounts",
            account,
            "customers",
            customer,
            "entitlements",
            last,
        ] => {
            let (entitlement, verb) = verb_of(last);
            let reference = EntitlementRef {
                customer: customer_ref(account, customer),
                entitlement: entitlement.to_string(),
            };
            match (method.clone(), verb) {
                (Method::GET, None) => Some(Route::EntitlementsGet(reference)),
                (Method::GET, Some("listEntitlementChanges")) => {
                    Some(Route::EntitlementChanges(reference))
                }
                (Method::GET, Some("lookupOffer")) => Some(Route::LookupOffer(reference)),
                (Method::POST, Some(verb)) => EntitlementAction::parse(verb)
                    .map(|action| Route::EntitlementsMutate(reference, action)),
                _ => None,
            }
        }
        ["operations", id] if get && !id.contains(':') => {
            Some(Route::OperationsGet { id: id.to_string() })
        }
        ["products"] if get => Some(Route::ProductsList),
        ["products", product, "skus"] if get => Some(Route::SkusList {
            product: product.to_string(),
        }),
        _ => None,
    }
}

fn directory(method: &Method, parts: &[&str]) -> Option<Route> {
    match parts {
        ["customers", key] => {
            let key = key.to_string();
            match *method {
                Method::GET => Some(Route::DirectoryGet { key }),
                Method::PATCH => Some(Route::DirectoryPatch { key }),
                Method::PUT => Some(Route::DirectoryUpdate { key }),
                _ => None,
            }
        }
        ["customer", key, "domains", domain] if *method == Method::GET => {
            Some(Route::DirectoryDomainGet {
                key: key.to_string(),
                domain: domain.to_string(),
            })
        }
        _ => None,
    }
}

fn sandbox(method: &Method, parts: &[&str]) -> Option<Route> {
    match parts {
        ["customers", last] if *method == Method::POST => {
            let (customer, verb) = verb_of(last);
            let action = ConsoleAction::parse(verb?)?;
            Some(Route::Console {
                customer: customer.to_string(),
                action,
            })
        }
        ["accounts"] => only(method, Method::POST, Route::SeedAccount),
        ["clock:advance"] => only(method, Method::POST, Route::ClockAdvance),
        ["faults"] => match *method {
            Method::PUT => Some(Route::FaultsPut),
            Method::DELETE => Some(Route::FaultsDelete),
            Method::GET => Some(Route::FaultsGet),
            _ => None,
        },
        ["world"] => only(method, Method::GET, Route::World),
        _ => None,
    }
}

/// Decodes `%XX` escapes; invalid escapes are kept as they are.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_methods_are_split_from_the_last_segment() {
        let route = parse(
            &Method::POST,
            "/v1/accounts/A/customers/C%3AprovisionCloudIdentity",
        )
        .unwrap();
        assert_eq!(route, Route::Provision(customer_ref("A", "C")));
        let route = parse(
            &Method::POST,
            "/v1/accounts/A/customers/C/entitlements/E:suspend",
        );
        assert_eq!(
            route.unwrap().method_id(),
            "cloudchannel.accounts.customers.entitlements.suspend"
        );
    }

    #[test]
    fn unknown_paths_and_verbs_are_not_found() {
        assert!(parse(&Method::GET, "/v2/whatever").is_err());
        assert!(parse(&Method::POST, "/v1/accounts/A/customers/C:explode").is_err());
        assert!(parse(&Method::DELETE, "/v1/operations/x").is_err());
    }
}
