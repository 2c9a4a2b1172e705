//! Admin SDK Directory: the customer's own Admin console profile (Add a Google Workspace customer, step 14)
//! and domain verification. `customerKey` is the Channel `cloudIdentityId`,
//! never `my_customer` (that would name the reseller's own account).

use std::sync::Arc;

use reqwest::Method;

use crate::api::directory::{DirectoryCustomer, DirectoryDomain};

use super::error::{ErrorKind, ProviderError};
use super::http::{Call, Http};
use super::limits::Bucket;

pub struct Directory {
    http: Arc<Http>,
    base: String,
}

/// What a read of the Admin console view gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleRead {
    Found(Box<DirectoryCustomer>),
    /// 403: reseller access not granted (Add a Google Workspace customer, step 16), with Google's reason.
    Forbidden(String),
}

impl Directory {
    pub fn new(http: Arc<Http>, base: &str) -> Directory {
        Directory {
            http,
            base: base.to_string(),
        }
    }

    fn customer_url(&self, customer_key: &str) -> String {
        format!("{}/admin/directory/v1/customers/{customer_key}", self.base)
    }

    /// `customers.get`; a 403 that is not about quota is an answer (access not
    /// granted), not an error.
    pub async fn get_customer(&self, customer_key: &str) -> Result<ConsoleRead, ProviderError> {
        let call = Call::new(
            "directory.customers.get",
            Bucket::Directory,
            self.customer_url(customer_key),
        );
        match self.http.send::<DirectoryCustomer>(&call).await {
            Ok(customer) => Ok(ConsoleRead::Found(Box::new(customer))),
            Err(error) if error.is_kind(ErrorKind::PermissionDenied) => {
                let reason = error
                    .api()
                    .map(|api| match &api.reason {
                        Some(reason) => format!("{reason}: {}", api.message),
                        None => api.message.clone(),
                    })
                    .unwrap_or_default();
                Ok(ConsoleRead::Forbidden(reason))
            }
            Err(error) => Err(error),
        }
    }

    /// `customers.patch`: only the fields present in `body` change.
    pub async fn patch_customer(
        &self,
        customer_key: &str,
        body: &DirectoryCustomer,
    ) -> Result<DirectoryCustomer, ProviderError> {
        let method = "directory.customers.patch";
        let json = serde_json::to_value(body).map_err(|e| ProviderError::Decode {
            method: method.to_string(),
            message: e.to_string(),
        })?;
        let call = Call::new(method, Bucket::Directory, self.customer_url(customer_key))
            .with_body(Method::PATCH, json);
        self.http.send(&call).await
    }

    /// Whether `domain` is verified; `None` when the API cannot say (not
    /// found, no access).
    pub async fn domain_verified(
        &self,
        customer_key: &str,
        domain: &str,
    ) -> Result<Option<bool>, ProviderError> {
        let url = format!(
            "{}/admin/directory/v1/customer/{customer_key}/domains/{domain}",
            self.base
        );
        let call = Call::new("directory.domains.get", Bucket::Directory, url);
        match self.http.send::<DirectoryDomain>(&call).await {
            Ok(found) => Ok(Some(found.verified)),
            Err(error)
                if error.is_kind(ErrorKind::NotFound)
                    || error.is_kind(ErrorKind::PermissionDenied)
                    || error.is_kind(ErrorKind::Other) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}
