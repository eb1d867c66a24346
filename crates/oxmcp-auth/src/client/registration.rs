//! Client registration in the spec's order of preference: pre-registered credentials, a
//! Client ID Metadata Document (a URL as `client_id`, SEP-991), then Dynamic Client
//! Registration (RFC 7591). Credentials are kept per issuer and never sent to another
//! authorization server.

use serde::Serialize;
use serde_json::json;

use super::error::OAuthError;
use super::fetch::Fetcher;
use super::metadata::AuthorizationServerMetadata;
use super::token::{AuthMethod, ClientIdentity, Secret};
use super::{safety, store::RegisteredClient};

/// Credentials registered out of band.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PreRegistered {
    /// The issuer they are for; `None` uses them with every authorization server (for a host
    /// that talks to one known server).
    pub issuer: Option<String>,
    /// The client's identity there.
    pub identity: ClientIdentity,
}

impl PreRegistered {
    /// Credentials for `issuer` (or for any, with `None`).
    pub fn new(issuer: Option<String>, identity: ClientIdentity) -> Self {
        Self { issuer, identity }
    }

    pub(crate) fn is_for(&self, issuer: &str) -> bool {
        self.issuer
            .as_deref()
            .is_none_or(|i| i.trim_end_matches('/') == issuer.trim_end_matches('/'))
    }
}

/// A Client ID Metadata Document: the JSON a host serves at its `client_id` URL.
///
/// ```
/// use oxmcp_auth::client::ClientMetadataDocument;
///
/// let doc = ClientMetadataDocument::new(
///     "https://app.example.com/oauth/client.json",
///     "Example App",
///     vec!["http://127.0.0.1:8976/callback".into()],
/// )
/// .unwrap();
/// let json = doc.to_json();
/// assert_eq!(json["client_id"], "https://app.example.com/oauth/client.json");
/// assert_eq!(json["token_endpoint_auth_method"], "none");
/// ```
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ClientMetadataDocument {
    /// The document's own URL.
    pub client_id: String,
    /// The name shown to users.
    pub client_name: String,
    /// The redirect URIs.
    pub redirect_uris: Vec<String>,
    /// The grant types (`authorization_code`, `refresh_token`).
    pub grant_types: Vec<String>,
    /// The response types (`code`).
    pub response_types: Vec<String>,
    /// `none` for a public client.
    pub token_endpoint_auth_method: String,
    /// The client's home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
}

impl ClientMetadataDocument {
    /// A document for a public client; `client_id` must be an `https:` URL with a path.
    pub fn new(
        client_id: &str,
        client_name: &str,
        redirect_uris: Vec<String>,
    ) -> Result<Self, OAuthError> {
        check_cimd_url(client_id)?;
        Ok(Self {
            client_id: client_id.to_owned(),
            client_name: client_name.to_owned(),
            redirect_uris,
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            response_types: vec!["code".into()],
            token_endpoint_auth_method: "none".into(),
            client_uri: None,
        })
    }

    /// The JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A `client_id` URL must be `https:` with a path other than `/`.
pub(crate) fn check_cimd_url(url: &str) -> Result<(), OAuthError> {
    let parsed = safety::parse(url)?;
    if parsed.scheme() != "https" || parsed.path() == "/" || parsed.fragment().is_some() {
        return Err(OAuthError::InvalidUrl {
            url: url.to_owned(),
            reason: "a Client ID Metadata Document URL must be https: with a path".into(),
        });
    }
    Ok(())
}

/// What the client asks for when it registers dynamically.
#[derive(Debug, Clone)]
pub(crate) struct RegistrationRequest<'a> {
    pub(crate) client_name: &'a str,
    pub(crate) client_uri: Option<&'a str>,
    pub(crate) redirect_uri: &'a str,
    pub(crate) refresh: bool,
}

/// The method to ask for: a public client when the server takes one.
fn preferred_method(metadata: &AuthorizationServerMetadata) -> AuthMethod {
    match &metadata.token_endpoint_auth_methods_supported {
        Some(m) if m.iter().any(|x| x == "none") => AuthMethod::None,
        Some(m)
            if m.iter().any(|x| x == "client_secret_post")
                && !m.iter().any(|x| x == "client_secret_basic") =>
        {
            AuthMethod::ClientSecretPost
        }
        Some(_) => AuthMethod::ClientSecretBasic,
        None => AuthMethod::None,
    }
}

/// Registers with the server's registration endpoint (RFC 7591).
pub(crate) async fn register(
    fetcher: &Fetcher,
    metadata: &AuthorizationServerMetadata,
    request: &RegistrationRequest<'_>,
) -> Result<RegisteredClient, OAuthError> {
    let endpoint = metadata
        .registration_endpoint
        .as_deref()
        .ok_or_else(|| OAuthError::Registration("no registration_endpoint".into()))?;
    let endpoint = safety::parse(endpoint)?;
    let mut grant_types = vec!["authorization_code"];
    if request.refresh {
        grant_types.push("refresh_token");
    }
    let method = preferred_method(metadata);
    let mut body = json!({
        "client_name": request.client_name,
        "redirect_uris": [request.redirect_uri],
        "grant_types": grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": method.name(),
    });
    if let Some(uri) = request.client_uri {
        body["client_uri"] = json!(uri);
    }
    let fetched = fetcher.post_json(&endpoint, &body).await?;
    if !fetched.status.is_success() {
        return Err(OAuthError::Registration(format!(
            "the server answered {}: {}",
            fetched.status,
            String::from_utf8_lossy(&fetched.body)
                .chars()
                .take(200)
                .collect::<String>()
        )));
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        client_id: Option<String>,
        client_secret: Option<String>,
        token_endpoint_auth_method: Option<String>,
    }
    let answer: Answer = serde_json::from_slice(&fetched.body)
        .map_err(|e| OAuthError::Registration(format!("invalid answer: {e}")))?;
    let client_id = answer
        .client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::Registration("the answer has no client_id".into()))?;
    let secret = answer.client_secret.filter(|s| !s.is_empty());
    let method = match (
        answer
            .token_endpoint_auth_method
            .as_deref()
            .and_then(AuthMethod::from_name),
        &secret,
    ) {
        (Some(m), _) => m,
        (None, None) => AuthMethod::None,
        (None, Some(_)) if metadata.supports_auth_method("client_secret_basic") => {
            AuthMethod::ClientSecretBasic
        }
        (None, Some(_)) => AuthMethod::ClientSecretPost,
    };
    Ok(RegisteredClient {
        client_id,
        client_secret: secret.map(Secret::new),
        token_endpoint_auth_method: method.name().to_owned(),
    })
}

impl RegisteredClient {
    /// The identity these credentials give.
    pub fn identity(&self) -> ClientIdentity {
        let method =
            AuthMethod::from_name(&self.token_endpoint_auth_method).unwrap_or(AuthMethod::None);
        ClientIdentity {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            method,
            signing_key: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cimd_urls_must_be_https_with_a_path() {
        check_cimd_url("https://app.example.com/client.json").unwrap();
        assert!(check_cimd_url("https://app.example.com/").is_err());
        assert!(check_cimd_url("https://app.example.com").is_err());
        assert!(check_cimd_url("http://app.example.com/client.json").is_err());
        assert!(check_cimd_url("not a url").is_err());
    }

    #[test]
    fn pre_registered_credentials_are_for_their_issuer_only() {
        let id = ClientIdentity::public("c");
        let bound = PreRegistered::new(Some("https://as.example.com".into()), id.clone());
        assert!(bound.is_for("https://as.example.com/"));
        assert!(!bound.is_for("https://other.example.com"));
        assert!(PreRegistered::new(None, id).is_for("https://anything.example.com"));
    }

    #[test]
    fn a_public_client_is_preferred() {
        let mut m = AuthorizationServerMetadata::default();
        assert_eq!(preferred_method(&m), AuthMethod::None);
        m.token_endpoint_auth_methods_supported = Some(vec!["client_secret_post".into()]);
        assert_eq!(preferred_method(&m), AuthMethod::ClientSecretPost);
        m.token_endpoint_auth_methods_supported =
            Some(vec!["client_secret_basic".into(), "none".into()]);
        assert_eq!(preferred_method(&m), AuthMethod::None);
        m.token_endpoint_auth_methods_supported = Some(vec!["client_secret_basic".into()]);
        assert_eq!(preferred_method(&m), AuthMethod::ClientSecretBasic);
    }
}
