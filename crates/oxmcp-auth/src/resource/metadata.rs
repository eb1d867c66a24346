//! Metadata: the authorization server's (read to find its keys and introspection
//! endpoint), and this resource's own (RFC 9728, served to clients).

use serde::{Deserialize, Serialize};
use url::Url;

use super::http::Upstream;
use crate::client::discovery::metadata_urls;

/// The members of an authorization server's metadata a resource server reads.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IssuerMetadata {
    pub(crate) issuer: String,
    #[serde(default)]
    pub(crate) jwks_uri: Option<String>,
    #[serde(default)]
    pub(crate) introspection_endpoint: Option<String>,
}

/// The issuer's metadata, from the first of the spec's well-known URLs that answers
/// (RFC 8414 path insertion, then OpenID Connect discovery); its `issuer` must be
/// `issuer` exactly (RFC 8414 §3.3).
pub(crate) async fn issuer_metadata(
    upstream: &Upstream,
    issuer: &str,
) -> Result<IssuerMetadata, String> {
    let url = Url::parse(issuer).map_err(|e| format!("the issuer is not a URL: {e}"))?;
    let mut errors = Vec::new();
    for candidate in metadata_urls(&url) {
        match upstream.get(&candidate).await {
            Ok(body) => {
                let metadata: IssuerMetadata = match serde_json::from_slice(&body) {
                    Ok(metadata) => metadata,
                    Err(e) => {
                        errors.push(format!(
                            "{candidate}: not authorization server metadata: {e}"
                        ));
                        continue;
                    }
                };
                if metadata.issuer != issuer {
                    return Err(format!(
                        "{candidate} names the issuer {:?}, not {issuer:?}",
                        metadata.issuer
                    ));
                }
                return Ok(metadata);
            }
            Err(e) => errors.push(e),
        }
    }
    Err(format!("no metadata for the issuer: {}", errors.join("; ")))
}

/// This resource's protected resource metadata document (RFC 9728 §2).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ResourceMetadataDocument<'a> {
    pub(crate) resource: &'a str,
    pub(crate) authorization_servers: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) scopes_supported: &'a [String],
    pub(crate) bearer_methods_supported: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) resource_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) resource_documentation: Option<&'a str>,
}
