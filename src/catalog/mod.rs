//! The SKU catalogue: friendly keys and aliases to Google's identifiers, plus
//! the facts the validator needs (customer types, plans, prerequisites,
//! education). The data lives in `catalog.yaml`, compiled into the binary.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{CustomerType, PlanKind};

/// Largest seat count Google accepts without a support case.
pub const MAX_SEATS: u32 = 50_000;
/// Trials carry at most this many seats (Reseller and Channel quotas).
pub const MAX_TRIAL_SEATS: u32 = 10;

const DATA: &str = include_str!("catalog.yaml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    WorkspaceEdition,
    Education,
    AddOn,
    Standalone,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::WorkspaceEdition => "workspace-edition",
            Group::Education => "education",
            Group::AddOn => "add-on",
            Group::Standalone => "standalone",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResellerIds {
    pub product_id: String,
    pub sku_id: String,
}

/// One orderable product.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sku {
    pub key: String,
    pub display: String,
    #[serde(default)]
    pub formerly: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub reseller: ResellerIds,
    pub group: Group,
    /// SKUs of one family are mutually exclusive per customer (Channel's
    /// "same product family" rule): changing between them is `changeOffer`.
    #[serde(default)]
    pub family: Option<String>,
    pub customer_types: Vec<CustomerType>,
    pub plans: Vec<PlanKind>,
    /// Catalogue keys or `group:<group>`; one of them must be ordered too.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub education_only: bool,
    /// Editions that already include this product.
    #[serde(default)]
    pub included_in: Vec<String>,
}

impl Sku {
    pub fn allows_type(&self, customer_type: CustomerType) -> bool {
        self.customer_types.contains(&customer_type)
    }

    pub fn allows_plan(&self, plan: PlanKind) -> bool {
        self.plans.contains(&plan)
    }

    /// Highest seat count an order of this SKU on `plan` may carry.
    pub fn max_seats(&self, plan: PlanKind) -> u32 {
        if plan == PlanKind::Trial {
            MAX_TRIAL_SEATS
        } else {
            MAX_SEATS
        }
    }

    /// True when `other` satisfies one of this SKU's `requires` entries.
    pub fn is_satisfied_by(&self, other: &Sku) -> bool {
        self.requires
            .iter()
            .any(|req| match req.strip_prefix("group:") {
                Some(group) => other.group.as_str() == group,
                None => *req == other.key,
            })
    }
}

/// The whole catalogue with its lookup indexes.
#[derive(Debug)]
pub struct Catalog {
    skus: Vec<Sku>,
    by_name: BTreeMap<String, usize>,
}

/// Why the compiled-in data is unusable; a unit test keeps this from shipping.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog.yaml does not parse: {0}")]
    Parse(String),
    #[error("catalog.yaml names `{0}` twice (as key or alias)")]
    Duplicate(String),
    #[error("catalog.yaml: `{sku}` requires unknown `{requirement}`")]
    UnknownRequirement { sku: String, requirement: String },
}

impl Catalog {
    /// The compiled-in catalogue.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            // The data is compiled in and checked by `builtin_catalog_is_consistent`.
            Catalog::parse(DATA).unwrap_or_else(|e| panic!("built-in SKU catalogue is broken: {e}"))
        })
    }

    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let skus: Vec<Sku> =
            serde_saphyr::from_str(text).map_err(|e| CatalogError::Parse(e.to_string()))?;
        let mut by_name = BTreeMap::new();
        for (index, sku) in skus.iter().enumerate() {
            for name in std::iter::once(&sku.key).chain(&sku.aliases) {
                if by_name.insert(name.to_ascii_lowercase(), index).is_some() {
                    return Err(CatalogError::Duplicate(name.clone()));
                }
            }
        }
        let catalog = Catalog { skus, by_name };
        for sku in &catalog.skus {
            for requirement in sku.requires.iter().chain(&sku.included_in) {
                let known = match requirement.strip_prefix("group:") {
                    Some(group) => catalog.skus.iter().any(|s| s.group.as_str() == group),
                    None => catalog.by_name.contains_key(requirement.as_str()),
                };
                if !known {
                    return Err(CatalogError::UnknownRequirement {
                        sku: sku.key.clone(),
                        requirement: requirement.clone(),
                    });
                }
            }
        }
        Ok(catalog)
    }

    /// Looks a key or alias up, case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Sku> {
        self.by_name
            .get(&name.trim().to_ascii_lowercase())
            .map(|&i| &self.skus[i])
    }

    /// Finds the SKU with these Reseller/Licensing ids (as Channel reports them
    /// in `provisionedService`).
    pub fn by_reseller_ids(&self, product_id: &str, sku_id: &str) -> Option<&Sku> {
        self.skus
            .iter()
            .find(|s| s.reseller.sku_id == sku_id && s.reseller.product_id == product_id)
    }

    /// Finds the SKU whose display name (or a former one) matches, compared
    /// after trimming, collapsing white space and folding case (docs/catalog.md §2).
    pub fn by_display_name(&self, display: &str) -> Option<&Sku> {
        let wanted = fold(display);
        self.skus
            .iter()
            .find(|s| fold(&s.display) == wanted || s.formerly.iter().any(|f| fold(f) == wanted))
    }

    pub fn all(&self) -> &[Sku] {
        &self.skus
    }

    /// Every key and alias, for the JSON Schema's list of allowed `sku` values.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.skus.iter().flat_map(|s| {
            std::iter::once(s.key.as_str()).chain(s.aliases.iter().map(String::as_str))
        })
    }

    /// The key closest to a misspelt name, for "did you mean" help.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        let wanted = name.trim().to_ascii_lowercase();
        self.names()
            .map(|candidate| {
                (
                    strsim::jaro_winkler(&wanted, &candidate.to_ascii_lowercase()),
                    candidate,
                )
            })
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .and_then(|(_, candidate)| self.get(candidate).map(|s| s.key.as_str()))
    }
}

fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_consistent() {
        let catalog = Catalog::parse(DATA).expect("catalog.yaml is valid");
        assert!(catalog.all().len() > 40);
    }

    #[test]
    fn keys_and_aliases_resolve_to_the_same_sku() {
        let catalog = Catalog::builtin();
        let by_key = catalog.get("business-standard").unwrap();
        assert_eq!(catalog.get("1010020028").unwrap().key, by_key.key);
        assert_eq!(
            catalog.get(" Workspace-Business-Standard ").unwrap().key,
            by_key.key
        );
        assert_eq!(by_key.reseller.sku_id, "1010020028");
    }

    #[test]
    fn misspelt_names_get_the_nearest_key() {
        let catalog = Catalog::builtin();
        assert!(catalog.get("busines-standard").is_none());
        assert_eq!(
            catalog.suggest("busines-standard"),
            Some("business-standard")
        );
        assert_eq!(catalog.suggest("vualt"), Some("vault"));
        assert_eq!(catalog.suggest("zzzzzzzz"), None);
    }

    #[test]
    fn display_names_match_current_and_former_names() {
        let catalog = Catalog::builtin();
        assert_eq!(
            catalog.by_display_name("g suite  enterprise").unwrap().key,
            "enterprise-plus"
        );
        assert_eq!(
            catalog
                .by_reseller_ids("Google-Vault", "Google-Vault")
                .unwrap()
                .key,
            "vault"
        );
    }

    #[test]
    fn add_ons_need_a_base_edition() {
        let catalog = Catalog::builtin();
        let vault = catalog.get("vault").unwrap();
        assert!(vault.is_satisfied_by(catalog.get("business-starter").unwrap()));
        assert!(!vault.is_satisfied_by(catalog.get("cloud-identity-free").unwrap()));
        assert!(
            catalog
                .get("essentials")
                .unwrap()
                .allows_type(CustomerType::Team)
        );
        assert!(
            !catalog
                .get("vault")
                .unwrap()
                .allows_type(CustomerType::Team)
        );
    }

    #[test]
    fn a_broken_catalogue_is_reported_not_loaded() {
        let dup = "- {key: a, display: A, reseller: {productId: p, skuId: s}, group: add-on, customerTypes: [domain], plans: [flexible], aliases: [a]}";
        assert!(matches!(
            Catalog::parse(dup),
            Err(CatalogError::Duplicate(_))
        ));
    }
}
