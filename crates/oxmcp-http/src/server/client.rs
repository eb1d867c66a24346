//! Who a session is counted against for the per-client session cap
//! ([`max_sessions_per_client`](super::HttpServerConfig::max_sessions_per_client)).

use std::net::IpAddr;

use super::Principal;
use super::inbound::RemoteAddr;

/// The bucket of a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ClientKey {
    /// An authenticated caller: the [`key`](Principal::key) (issuer and subject) of the
    /// principal the auth hook named.
    Principal(String),
    /// An anonymous caller, by its address (IPv6 by its /64 prefix, which one host usually
    /// has whole).
    Addr(IpAddr),
    /// A caller of unknown address (behind a service that gives no [`RemoteAddr`]): not
    /// capped per client, only by the session cap.
    Unknown,
}

impl ClientKey {
    /// The bucket of a request: its principal when there is one, else its remote address.
    pub(crate) fn of(principal: Option<&Principal>, remote: Option<&RemoteAddr>) -> Self {
        if let Some(p) = principal {
            return Self::Principal(p.key());
        }
        match remote {
            Some(RemoteAddr(addr)) => Self::Addr(bucket(addr.ip())),
            None => Self::Unknown,
        }
    }
}

/// The address a client is counted by: IPv4 (and IPv4-mapped IPv6) as is, IPv6 by /64.
pub(crate) fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(addr: &str) -> RemoteAddr {
        RemoteAddr(addr.parse().unwrap())
    }

    #[test]
    fn buckets() {
        let key = |a: &str| ClientKey::of(None, Some(&remote(a)));
        assert_eq!(key("127.0.0.1:1"), key("127.0.0.1:2"));
        assert_ne!(key("127.0.0.1:1"), key("127.0.0.2:1"));
        assert_eq!(key("[2001:db8::1]:1"), key("[2001:db8::ffff:2]:9"));
        assert_ne!(key("[2001:db8::1]:1"), key("[2001:db8:0:1::1]:1"));
        assert_eq!(key("[::ffff:10.0.0.1]:1"), key("10.0.0.1:5"));
        assert_eq!(ClientKey::of(None, None), ClientKey::Unknown);
        let principal = Principal::new("alice");
        assert!(matches!(
            ClientKey::of(Some(&principal), Some(&remote("127.0.0.1:1"))),
            ClientKey::Principal(_)
        ));
    }
}
