//! [`Principal`]: who is calling, as authentication established it.

use std::fmt;

use oxmcp_types::JsonObject;

/// The authenticated caller of a request: a subject, the issuer that vouches for it, the
/// scopes granted, and the raw claims. Any transport can carry one: the Streamable HTTP
/// server puts the one its authentication names on every request, and a stdio server can be
/// given one for its session. Handlers read it with
/// [`RequestContext::principal`](crate::RequestContext::principal).
///
/// Two principals are the same caller when their issuer and subject are equal
/// ([`key`](Self::key)); task ownership and session binding compare that.
///
/// `Debug` shows the subject, issuer and scopes, never the claims (they may hold personal
/// data).
///
/// ```
/// use oxmcp_core::Principal;
///
/// let alice = Principal::new("alice")
///     .with_issuer("https://auth.example.com")
///     .with_scopes(["tools:read", "tools:call"]);
/// assert!(alice.has_scope("tools:call") && !alice.has_scope("admin"));
/// assert_eq!(alice.key(), "24:https://auth.example.com#alice");
/// assert_eq!(Principal::new("bob").key(), "0:#bob");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Principal {
    /// Who the caller is (a token's `sub`, a user name, a client id).
    pub subject: String,
    /// Who vouches for the subject (a token's `iss`), if known.
    pub issuer: Option<String>,
    /// The scopes granted to this caller.
    pub scopes: Vec<String>,
    /// The raw claims (of a token, for example), for handlers that need more.
    pub claims: JsonObject,
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("scopes", &self.scopes)
            .field("claims", &format_args!("<{} claims>", self.claims.len()))
            .finish()
    }
}

impl Principal {
    /// A principal with this subject, no issuer, no scopes and no claims.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            issuer: None,
            scopes: Vec::new(),
            claims: JsonObject::new(),
        }
    }

    /// Sets the issuer.
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets the scopes.
    #[must_use]
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the raw claims.
    #[must_use]
    pub fn with_claims(mut self, claims: JsonObject) -> Self {
        self.claims = claims;
        self
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The caller's identity as one string, `<issuer length>:<issuer>#<subject>` (an empty
    /// issuer when unknown): equal for two principals exactly when they are the same caller,
    /// whatever characters the issuer and subject hold.
    pub fn key(&self) -> String {
        let issuer = self.issuer.as_deref().unwrap_or("");
        format!("{}:{issuer}#{}", issuer.len(), self.subject)
    }

    /// Whether `other` is the same caller (same issuer and subject).
    pub fn same_caller(&self, other: &Self) -> bool {
        self.issuer == other.issuer && self.subject == other.subject
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_claims() {
        let mut claims = JsonObject::new();
        claims.insert("email".into(), "alice@example.com".into());
        let p = Principal::new("alice").with_claims(claims);
        let shown = format!("{p:?}");
        assert!(shown.contains("alice") && shown.contains("<1 claims>"));
        assert!(!shown.contains("example.com"));
    }

    #[test]
    fn the_key_separates_issuers() {
        let a = Principal::new("x").with_issuer("https://a");
        let b = Principal::new("x").with_issuer("https://b");
        assert_ne!(a.key(), b.key());
        assert!(!a.same_caller(&b));
        assert!(a.same_caller(&a.clone().with_scopes(["s"])));
        // A '#' in the issuer or subject cannot make two callers one.
        let left = Principal::new("c").with_issuer("a#b");
        let right = Principal::new("b#c").with_issuer("a");
        assert_ne!(left.key(), right.key());
    }
}
