//! A strict parser of the `host[:port]` of a `Host` header, a URI authority or an
//! `Origin`: IP literals are parsed (never cut at the first `]` and trusted), names are
//! checked against the characters a host name may have, and anything else is refused.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The host of an authority, normalized for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    /// A host name, ASCII-lowercased.
    Name(String),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 literal (written in brackets).
    V6(Ipv6Addr),
}

impl Host {
    /// `localhost`, `127.0.0.1` or `::1`.
    pub(crate) fn is_loopback(&self) -> bool {
        match self {
            Self::Name(name) => name == "localhost",
            Self::V4(ip) => *ip == Ipv4Addr::LOCALHOST,
            Self::V6(ip) => *ip == Ipv6Addr::LOCALHOST,
        }
    }
}

/// A parsed `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authority {
    pub(crate) host: Host,
    pub(crate) port: Option<u16>,
}

/// Whether `b` may appear in a host name (`reg-name` of RFC 3986 without percent-encoding
/// and sub-delimiters, which no DNS name has).
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// The port after a host: empty, or `:` and at most five digits that fit a `u16`.
fn port(rest: &str) -> Result<Option<u16>, ()> {
    if rest.is_empty() {
        return Ok(None);
    }
    let digits = rest.strip_prefix(':').ok_or(())?;
    if digits.is_empty() {
        // `host:` is allowed by the grammar (`port = *DIGIT`): no port.
        return Ok(None);
    }
    if digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    digits.parse().map(Some).map_err(|_| ())
}

/// Parses `host[:port]` (no userinfo, no path, no whitespace); `None` when malformed.
pub(crate) fn parse(text: &str) -> Option<Authority> {
    if let Some(inner) = text.strip_prefix('[') {
        let (literal, rest) = inner.split_once(']')?;
        let ip: Ipv6Addr = literal.parse().ok()?;
        let port = port(rest).ok()?;
        return Some(Authority {
            host: Host::V6(ip),
            port,
        });
    }
    let (name, port) = match text.find(':') {
        Some(colon) => (&text[..colon], port(&text[colon..]).ok()?),
        None => (text, None),
    };
    if name.is_empty() || !name.bytes().all(name_byte) {
        return None;
    }
    let host = match name.parse::<Ipv4Addr>() {
        Ok(ip) => Host::V4(ip),
        Err(_) => Host::Name(name.to_ascii_lowercase()),
    };
    Some(Authority { host, port })
}

/// Parses a serialized origin, `http(s)://host[:port]`, returning its scheme and
/// authority; `None` for `null`, other schemes, paths and malformed authorities.
pub(crate) fn parse_origin(text: &str) -> Option<(&'static str, Authority)> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme = if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else {
        return None;
    };
    parse(rest).map(|authority| (scheme, authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_ports() {
        let v6 = parse("[::1]:3000").unwrap();
        assert_eq!(
            (v6.host, v6.port),
            (Host::V6(Ipv6Addr::LOCALHOST), Some(3000))
        );
        let v4 = parse("127.0.0.1").unwrap();
        assert_eq!((v4.host, v4.port), (Host::V4(Ipv4Addr::LOCALHOST), None));
        let name = parse("LocalHost:").unwrap();
        assert_eq!(
            (name.host, name.port),
            (Host::Name("localhost".into()), None)
        );
        assert!(parse("[0:0:0:0:0:0:0:1]").unwrap().host.is_loopback());
        for bad in [
            "",
            ":80",
            "[::1].evil.com:80",
            "[::1]evil.com",
            "[::1",
            "[evil.com]",
            "[::1]:80:80",
            "localhost:80:80",
            "localhost:99999",
            "localhost:123456",
            "localhost:8o",
            "user@localhost",
            "local host",
            "localhost/x",
            "localhost\t",
            "l\u{f6}calhost",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn origins() {
        let (scheme, a) = parse_origin("HTTPS://[::1]:9").unwrap();
        assert_eq!((scheme, a.port), ("https", Some(9)));
        assert!(a.host.is_loopback());
        for bad in [
            "null",
            "file://localhost",
            "http://[::1].evil.com",
            "http://localhost/x",
            "http://",
            "http//localhost",
        ] {
            assert_eq!(parse_origin(bad), None, "{bad:?}");
        }
    }
}
