//! What URLs the client will fetch or open (the SSRF and authorization-URL rules of the
//! spec's security best practices).
//!
//! - Fetched URLs (metadata, registration, token endpoints: every URL a server hands the
//!   client) must be `https:`, or `http:` on a loopback host when
//!   [`UrlPolicy::allow_http_loopback`] is on (the default, for development), and must not
//!   carry credentials or a fragment.
//! - Their host must not be (or resolve to) a private, loopback, link-local or otherwise
//!   internal address, unless [`UrlPolicy::internal_addresses`] allows it; by default it
//!   is allowed only when the MCP server itself is on such an address. The check is made
//!   on the addresses the connection then uses (a resolver that filters them), so a DNS
//!   answer that changes between check and use does not get through.
//! - URLs opened for the user (the authorization URL) must be `https:`, or `http:` on a
//!   loopback host; `javascript:`, `data:`, `file:` and every other scheme is refused. The
//!   library never starts a shell or a browser itself: the host's hook opens the URL.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::error::OAuthError;

/// Whether internal (private, loopback, link-local) addresses may be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum InternalAddresses {
    /// Only when the MCP server's own host is internal (the default).
    #[default]
    SameAsServer,
    /// Always (a deployment on a private network).
    Allow,
    /// Never.
    Deny,
}

/// The safety rules for URLs (see the [module docs](self)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UrlPolicy {
    /// Whether `http:` is accepted for loopback hosts (default true).
    pub allow_http_loopback: bool,
    /// Whether internal addresses may be fetched (default: when the server is there).
    pub internal_addresses: InternalAddresses,
}

impl Default for UrlPolicy {
    fn default() -> Self {
        Self {
            allow_http_loopback: true,
            internal_addresses: InternalAddresses::SameAsServer,
        }
    }
}

/// Parses an absolute URL.
pub(crate) fn parse(url: &str) -> Result<Url, OAuthError> {
    Url::parse(url).map_err(|e| OAuthError::InvalidUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })
}

fn refused(url: &Url, reason: impl Into<String>) -> OAuthError {
    OAuthError::UrlRefused {
        url: url.to_string(),
        reason: reason.into(),
    }
}

/// Whether the URL's host is a loopback name or address.
pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The scheme rule shared by fetched and opened URLs.
fn check_scheme(url: &Url, allow_http_loopback: bool) -> Result<(), OAuthError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http_loopback && is_loopback_host(url) => Ok(()),
        "http" => Err(refused(
            url,
            "http: is allowed only for loopback hosts; use https:",
        )),
        other => Err(refused(
            url,
            format!("the `{other}:` scheme is not allowed"),
        )),
    }
}

/// Checks a URL the client is about to fetch (the address check of names happens in the
/// resolver; literal addresses are checked here). `internal_ok` is the resolved policy.
pub(crate) fn check_fetch(
    url: &Url,
    policy: &UrlPolicy,
    internal_ok: bool,
) -> Result<(), OAuthError> {
    check_scheme(url, policy.allow_http_loopback)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(url, "URLs with credentials are not allowed"));
    }
    if url.fragment().is_some() {
        return Err(refused(url, "URLs with a fragment are not allowed"));
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(Host::Domain(_)) => None,
        None => return Err(refused(url, "no host")),
    };
    if let Some(ip) = ip
        && is_internal(ip)
        && !internal_ok
    {
        return Err(refused(
            url,
            format!("{ip} is an internal address and the MCP server is not on one"),
        ));
    }
    Ok(())
}

/// Checks a URL the host is asked to open for the user (the authorization URL).
pub fn check_open(url: &Url, policy: &UrlPolicy) -> Result<(), OAuthError> {
    check_scheme(url, policy.allow_http_loopback)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(url, "URLs with credentials are not allowed"));
    }
    Ok(())
}

/// Whether an address is not on the public internet: loopback, private (RFC 1918),
/// shared (RFC 6598), link-local, unspecified, broadcast, multicast, documentation,
/// unique-local IPv6, and IPv4-mapped forms of these.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            is_internal_v6(v6)
        }
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0xdb8)
        || (first == 0x64 && ip.segments()[1] == 0xff9b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn authorization_urls_with_dangerous_schemes_are_refused() {
        let policy = UrlPolicy::default();
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>1</script>",
            "vbscript:msgbox",
            "http://auth.example.com/authorize",
            "ftp://auth.example.com/",
            "https://user:pw@auth.example.com/authorize",
        ] {
            let e = check_open(&url(bad), &policy).expect_err(bad);
            assert!(matches!(e, OAuthError::UrlRefused { .. }), "{bad}: {e}");
        }
        for good in [
            "https://auth.example.com/authorize?x=1",
            "http://localhost:8080/authorize",
            "http://127.0.0.1/authorize",
            "http://[::1]:9/authorize",
        ] {
            check_open(&url(good), &policy).expect(good);
        }
        let strict = UrlPolicy {
            allow_http_loopback: false,
            ..UrlPolicy::default()
        };
        assert!(check_open(&url("http://localhost/authorize"), &strict).is_err());
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        let policy = UrlPolicy::default();
        for bad in [
            "https://10.0.0.1/.well-known/oauth-authorization-server",
            "https://169.254.169.254/latest/meta-data",
            "https://192.168.1.1/",
            "https://172.16.5.4/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://127.0.0.1/",
            "https://0.0.0.0/",
            "https://100.64.0.1/",
        ] {
            assert!(check_fetch(&url(bad), &policy, false).is_err(), "{bad}");
            check_fetch(&url(bad), &policy, true).expect(bad);
        }
        check_fetch(&url("https://93.184.216.34/x"), &policy, false).unwrap();
        check_fetch(&url("https://auth.example.com/x"), &policy, false).unwrap();
        assert!(check_fetch(&url("https://a.example/x#frag"), &policy, true).is_err());
        assert!(check_fetch(&url("https://u:p@a.example/x"), &policy, true).is_err());
        assert!(check_fetch(&url("file:///etc/passwd"), &policy, true).is_err());
    }

    #[test]
    fn loopback_names() {
        assert!(is_loopback_host(&url("http://localhost:1/")));
        assert!(is_loopback_host(&url("http://a.localhost/")));
        assert!(is_loopback_host(&url("http://127.9.9.9/")));
        assert!(!is_loopback_host(&url("http://localhost.example.com/")));
        assert!(!is_loopback_host(&url("http://10.0.0.1/")));
    }
}
