//! List paging as Google documents it (docs/google-apis.md §1.7): a default and a
//! maximum page size per method, larger sizes coerced, and opaque page tokens
//! bound to the query that produced them, so a token replayed against another
//! query is INVALID_ARGUMENT instead of a silently wrong page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::errors::{ApiError, ApiResult};
use super::query::Query;
use super::world::stable_hash;

/// Default and maximum page size of one list method.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    pub default: usize,
    pub max: usize,
}

pub const CUSTOMERS: PageLimits = PageLimits {
    default: 10,
    max: 50,
};
pub const ENTITLEMENTS: PageLimits = PageLimits {
    default: 50,
    max: 100,
};
pub const CHANGES: PageLimits = PageLimits {
    default: 10,
    max: 50,
};
pub const OFFERS: PageLimits = PageLimits {
    default: 500,
    max: 1000,
};
pub const CATALOG: PageLimits = PageLimits {
    default: 100,
    max: 1000,
};

/// One page of `items` and the token for the next, if any.
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_token: String,
}

/// Cuts the page the query asks for. `scope` names the collection (the
/// parent), so tokens do not carry over between customers either.
pub fn page<T: Clone>(
    items: &[T],
    query: &Query,
    scope: &str,
    limits: PageLimits,
) -> ApiResult<Page<T>> {
    let size = page_size(query, limits)?;
    let fingerprint = fingerprint(query, scope);
    let start = match query.get("pageToken").filter(|t| !t.is_empty()) {
        Some(token) => decode(token, fingerprint)?,
        None => 0,
    };
    let start = start.min(items.len());
    let end = (start + size).min(items.len());
    let next_page_token = if end < items.len() {
        encode(end, fingerprint)
    } else {
        String::new()
    };
    Ok(Page {
        items: items[start..end].to_vec(),
        next_page_token,
    })
}

fn page_size(query: &Query, limits: PageLimits) -> ApiResult<usize> {
    let Some(raw) = query.get("pageSize") else {
        return Ok(limits.default);
    };
    let size: i64 = raw
        .parse()
        .map_err(|_| ApiError::invalid_argument(format!("Invalid page_size: {raw}.")))?;
    match size {
        ..0 => Err(ApiError::invalid_argument(
            "page_size must not be negative.",
        )),
        0 => Ok(limits.default),
        // Google coerces sizes above the maximum rather than refusing them.
        size => Ok((size as usize).min(limits.max)),
    }
}

/// Every parameter except the paging ones must repeat unchanged with a token.
fn fingerprint(query: &Query, scope: &str) -> u64 {
    let mut text = String::from(scope);
    for (key, value) in query.pairs() {
        if key != "pageToken" && key != "pageSize" && !super::query::is_standard(key) {
            text.push_str(&format!("\n{key}={value}"));
        }
    }
    stable_hash(&text)
}

fn encode(offset: usize, fingerprint: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{fingerprint:016x}:{offset}"))
}

fn decode(token: &str, fingerprint: u64) -> ApiResult<usize> {
    let invalid = || ApiError::invalid_argument(format!("Invalid page token: {token}."));
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (hash, offset) = text.split_once(':').ok_or_else(invalid)?;
    if hash != format!("{fingerprint:016x}") {
        return Err(ApiError::invalid_argument(
            "The page token does not belong to this query: repeat every other parameter unchanged.",
        ));
    }
    offset.parse().map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Query {
        Query::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn pages_follow_tokens_to_the_end_and_sizes_are_coerced() {
        let items: Vec<u32> = (0..120).collect();
        let first = page(&items, &query(&[("pageSize", "1000")]), "p", CUSTOMERS).unwrap();
        assert_eq!(first.items.len(), 50);
        let second = page(
            &items,
            &query(&[("pageSize", "1000"), ("pageToken", &first.next_page_token)]),
            "p",
            CUSTOMERS,
        )
        .unwrap();
        assert_eq!(second.items[0], 50);
        let default = page(&items, &query(&[]), "p", CUSTOMERS).unwrap();
        assert_eq!(default.items.len(), 10);
    }

    #[test]
    fn a_token_from_another_query_is_refused() {
        let items: Vec<u32> = (0..30).collect();
        let first = page(&items, &query(&[("filter", "a")]), "p", CUSTOMERS).unwrap();
        let other = query(&[("filter", "b"), ("pageToken", &first.next_page_token)]);
        assert!(page(&items, &other, "p", CUSTOMERS).is_err());
        assert!(page(&items, &query(&[("pageToken", "garbage")]), "p", CUSTOMERS).is_err());
        assert!(page(&items, &query(&[("pageSize", "-1")]), "p", CUSTOMERS).is_err());
    }
}
