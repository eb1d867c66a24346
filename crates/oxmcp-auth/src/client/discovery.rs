//! Discovery in the spec's order: the protected resource metadata (the challenge's
//! `resource_metadata`, then the path-inserted and root well-known URIs), the check of its
//! `resource` against the MCP server URL, then the authorization server metadata (RFC 8414
//! path-inserted, OpenID Connect path-inserted and path-appended) with the issuer checked.
//!
//! A server without protected resource metadata is treated as a 2025-03-26 server: its
//! origin is the authorization server, with metadata at the origin's well-known URIs, or
//! else the default endpoints `/authorize`, `/token` and `/register`.

use http::StatusCode;
use url::Url;

use super::challenge::BearerChallenge;
use super::error::OAuthError;
use super::fetch::Fetcher;
use super::metadata::{AuthorizationServerMetadata, ProtectedResourceMetadata};
use super::safety;

/// What discovery found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Discovered {
    /// The resource indicator sent on authorization and token requests (RFC 8707).
    pub resource: String,
    /// The protected resource metadata, when the server has some.
    pub resource_metadata: Option<ProtectedResourceMetadata>,
    /// The authorization server's issuer.
    pub issuer: String,
    /// Its metadata (defaults for a 2025-03-26 server without any).
    pub metadata: AuthorizationServerMetadata,
    /// Whether this is the 2025-03-26 fallback (no protected resource metadata).
    pub legacy: bool,
}

/// Runs discovery for the MCP server at `server`.
pub(crate) async fn discover(
    fetcher: &Fetcher,
    server: &Url,
    challenge: Option<&BearerChallenge>,
) -> Result<Discovered, OAuthError> {
    let hinted = challenge.and_then(BearerChallenge::resource_metadata);
    let Some(prm) = resource_metadata(fetcher, server, hinted).await? else {
        return legacy(fetcher, server).await;
    };
    let resource = prm.resource.clone().unwrap_or_default();
    if !resource_matches(&resource, server) {
        return Err(OAuthError::ResourceMismatch {
            resource,
            server: server.to_string(),
        });
    }
    let issuer = prm.authorization_servers[0].clone();
    let issuer_url = safety::parse(&issuer)?;
    let metadata = as_metadata(fetcher, &issuer_url, &issuer, false)
        .await?
        .ok_or_else(|| OAuthError::NoMetadata(issuer.clone()))?;
    Ok(Discovered {
        resource,
        resource_metadata: Some(prm),
        issuer,
        metadata,
        legacy: false,
    })
}

/// The well-known URL `/.well-known/<name>` with the URL's path appended (or nothing for
/// a root path).
fn inserted(url: &Url, name: &str) -> Url {
    let mut out = url.clone();
    let path = url.path().trim_end_matches('/');
    out.set_path(&format!("/.well-known/{name}{path}"));
    out.set_query(None);
    out.set_fragment(None);
    out
}

/// The protected resource metadata: from the challenge's URL, else the path-inserted then
/// root well-known URIs. `None` when the server has none.
async fn resource_metadata(
    fetcher: &Fetcher,
    server: &Url,
    hinted: Option<&str>,
) -> Result<Option<ProtectedResourceMetadata>, OAuthError> {
    let mut candidates = Vec::new();
    if let Some(hint) = hinted {
        candidates.push(safety::parse(hint)?);
    }
    let path_inserted = inserted(server, "oauth-protected-resource");
    let mut root = path_inserted.clone();
    root.set_path("/.well-known/oauth-protected-resource");
    if path_inserted != root {
        candidates.push(path_inserted);
    }
    candidates.push(root);
    for url in candidates {
        let fetched = fetcher.get(&url).await?;
        if !fetched.status.is_success() {
            tracing::debug!(%url, status = %fetched.status, "no protected resource metadata here");
            continue;
        }
        let prm: ProtectedResourceMetadata = fetched.json(&url)?;
        if prm.resource.as_deref().is_none_or(str::is_empty) {
            return Err(metadata_error(&url, "no `resource`"));
        }
        if prm.authorization_servers.is_empty() {
            return Err(metadata_error(&url, "no `authorization_servers`"));
        }
        return Ok(Some(prm));
    }
    Ok(None)
}

fn metadata_error(url: &Url, reason: &str) -> OAuthError {
    OAuthError::Metadata {
        url: url.to_string(),
        reason: reason.to_owned(),
    }
}

/// Whether the metadata's `resource` names the MCP server: the same origin, and a path that
/// is the server's path or a parent of it (segment-wise).
pub fn resource_matches(resource: &str, server: &Url) -> bool {
    let Ok(resource) = Url::parse(resource) else {
        return false;
    };
    if resource.fragment().is_some() || resource.origin() != server.origin() {
        return false;
    }
    let want = resource.path().trim_end_matches('/');
    let have = server.path().trim_end_matches('/');
    have == want || have.starts_with(&format!("{want}/"))
}

/// The metadata URLs of an issuer, in the spec's order.
pub(crate) fn metadata_urls(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    if path.is_empty() {
        return vec![
            inserted(issuer, "oauth-authorization-server"),
            inserted(issuer, "openid-configuration"),
        ];
    }
    let mut appended = issuer.clone();
    appended.set_path(&format!("{path}/.well-known/openid-configuration"));
    vec![
        inserted(issuer, "oauth-authorization-server"),
        inserted(issuer, "openid-configuration"),
        appended,
    ]
}

/// Fetches the authorization server metadata; `None` when every URL answered 4xx.
async fn as_metadata(
    fetcher: &Fetcher,
    issuer_url: &Url,
    issuer: &str,
    legacy: bool,
) -> Result<Option<AuthorizationServerMetadata>, OAuthError> {
    for url in metadata_urls(issuer_url) {
        let fetched = fetcher.get(&url).await?;
        if fetched.status.is_client_error() {
            tracing::debug!(%url, status = %fetched.status, "no authorization server metadata here");
            continue;
        }
        if fetched.status != StatusCode::OK {
            return Err(OAuthError::Http {
                url: url.to_string(),
                reason: format!("answered {}", fetched.status),
            });
        }
        let metadata: AuthorizationServerMetadata = fetched.json(&url)?;
        check_issuer(&metadata.issuer, issuer, issuer_url, legacy)?;
        return Ok(Some(metadata));
    }
    Ok(None)
}

/// RFC 8414 §3.3: the metadata's issuer is the one it was fetched for. For the 2025-03-26
/// fallback, where the issuer was derived from the server URL rather than named, the
/// metadata's issuer must have the server's origin.
fn check_issuer(
    found: &str,
    expected: &str,
    expected_url: &Url,
    legacy: bool,
) -> Result<(), OAuthError> {
    let same = if legacy {
        Url::parse(found).is_ok_and(|u| u.origin() == expected_url.origin())
    } else {
        found.trim_end_matches('/') == expected.trim_end_matches('/')
    };
    if same {
        Ok(())
    } else {
        Err(OAuthError::IssuerMismatch {
            expected: expected.to_owned(),
            found: found.to_owned(),
        })
    }
}

/// The 2025-03-26 fallback: the server's origin is the authorization server.
async fn legacy(fetcher: &Fetcher, server: &Url) -> Result<Discovered, OAuthError> {
    let origin = safety::parse(&server.origin().ascii_serialization())?;
    let issuer = origin.as_str().trim_end_matches('/').to_owned();
    let metadata = match as_metadata(fetcher, &origin, &issuer, true).await? {
        Some(metadata) => metadata,
        None => {
            let at = |path: &str| origin.join(path).map(|u| u.to_string()).ok();
            AuthorizationServerMetadata {
                issuer: issuer.clone(),
                authorization_endpoint: at("/authorize"),
                token_endpoint: at("/token"),
                registration_endpoint: at("/register"),
                // The 2025-03-26 revision requires PKCE S256 of every server.
                code_challenge_methods_supported: Some(vec!["S256".to_owned()]),
                ..AuthorizationServerMetadata::default()
            }
        }
    };
    let mut resource = server.clone();
    resource.set_fragment(None);
    Ok(Discovered {
        resource: resource.to_string(),
        resource_metadata: None,
        issuer: metadata.issuer.clone(),
        metadata,
        legacy: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn metadata_urls_follow_the_spec_order() {
        let with_path: Vec<String> = metadata_urls(&url("https://auth.example.com/tenant1"))
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            with_path,
            [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
            ]
        );
        let root: Vec<String> = metadata_urls(&url("https://auth.example.com"))
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            root,
            [
                "https://auth.example.com/.well-known/oauth-authorization-server",
                "https://auth.example.com/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn prm_well_knowns() {
        assert_eq!(
            inserted(
                &url("https://mcp.example.com/public/mcp?x=1"),
                "oauth-protected-resource"
            )
            .as_str(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp"
        );
        assert_eq!(
            inserted(&url("https://mcp.example.com/"), "oauth-protected-resource").as_str(),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn resource_must_name_the_server() {
        let server = url("https://mcp.example.com/api/mcp");
        assert!(resource_matches("https://mcp.example.com/api/mcp", &server));
        assert!(resource_matches(
            "https://mcp.example.com/api/mcp/",
            &server
        ));
        assert!(resource_matches("https://mcp.example.com", &server));
        assert!(resource_matches("https://MCP.example.com/api", &server));
        assert!(!resource_matches("https://mcp.example.com/ap", &server));
        assert!(!resource_matches(
            "https://evil.example.com/api/mcp",
            &server
        ));
        assert!(!resource_matches("http://mcp.example.com/api/mcp", &server));
        assert!(!resource_matches(
            "https://mcp.example.com:8443/api/mcp",
            &server
        ));
        assert!(!resource_matches(
            "https://mcp.example.com/api/mcp#x",
            &server
        ));
        assert!(!resource_matches("not a url", &server));
    }

    #[test]
    fn issuers_must_be_equal() {
        let expected = url("https://auth.example.com/tenant1");
        check_issuer(
            "https://auth.example.com/tenant1",
            expected.as_str(),
            &expected,
            false,
        )
        .unwrap();
        check_issuer(
            "https://auth.example.com/tenant1/",
            "https://auth.example.com/tenant1",
            &expected,
            false,
        )
        .unwrap();
        assert!(
            check_issuer(
                "https://evil.example.com/tenant1",
                "https://auth.example.com/tenant1",
                &expected,
                false
            )
            .is_err()
        );
        assert!(
            check_issuer(
                "https://auth.example.com/tenant2",
                "https://auth.example.com/tenant1",
                &expected,
                false
            )
            .is_err()
        );
        let origin = url("https://mcp.example.com");
        check_issuer(
            "https://mcp.example.com/oauth",
            "https://mcp.example.com",
            &origin,
            true,
        )
        .unwrap();
        assert!(
            check_issuer(
                "https://other.example.com",
                "https://mcp.example.com",
                &origin,
                true
            )
            .is_err()
        );
    }
}
