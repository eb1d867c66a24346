//! Protocol revisions, their eras, and version negotiation.
//!
//! Two eras share one endpoint. The **legacy** era (2025-11-25 and older) negotiates a
//! version once, with `initialize`, and keeps it for the session. The **modern** era
//! (2026-07-28 and newer) has no handshake: every request names its version in
//! `_meta["io.modelcontextprotocol/protocolVersion"]`. [`ProtocolVersion::era`] tells the
//! revisions apart; [`crate::era::classify_request`] tells incoming requests apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A revision of the Model Context Protocol that oxmcp speaks.
///
/// Variants are ordered chronologically, so `a < b` means `a` is the older revision.
///
/// ```
/// use oxmcp_types::ProtocolVersion;
///
/// let v: ProtocolVersion = "2025-06-18".parse().unwrap();
/// assert!(v < ProtocolVersion::LATEST);
/// assert_eq!(v.as_str(), "2025-06-18");
/// assert!("2099-01-01".parse::<ProtocolVersion>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// `2024-11-05`, the first public revision.
    V2024_11_05,
    /// `2025-03-26`: Streamable HTTP, batching, audio, tool annotations, completions.
    V2025_03_26,
    /// `2025-06-18`: structured tool output, elicitation, resource links, titles.
    V2025_06_18,
    /// `2025-11-25`: tasks, URL elicitation, sampling with tools, icons. The last revision
    /// of the legacy (handshake) era.
    V2025_11_25,
    /// `2026-07-28`: the first revision of the modern era: stateless, per-request `_meta`,
    /// `server/discover`, multi round-trip requests, `subscriptions/listen`, tasks as an
    /// extension.
    V2026_07_28,
}

/// The two eras of the protocol, which differ in how a version is agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Era {
    /// 2025-11-25 and older: `initialize` negotiates the version of a session.
    Legacy,
    /// 2026-07-28 and newer: each request carries its version in `_meta`.
    Modern,
}

impl ProtocolVersion {
    /// The newest revision that `initialize` can negotiate (the legacy era's latest). This
    /// is what a session answers to an unknown requested version.
    pub const LATEST: Self = Self::V2025_11_25;

    /// The newest modern-era revision oxmcp implements.
    pub const LATEST_MODERN: Self = Self::V2026_07_28;

    /// Every modern-era revision, newest first: what `server/discover` and
    /// `UnsupportedProtocolVersion` list.
    pub const MODERN: [Self; 1] = [Self::V2026_07_28];

    /// Every revision of both eras, newest first.
    pub const EVERY: [Self; 5] = [
        Self::V2026_07_28,
        Self::V2025_11_25,
        Self::V2025_06_18,
        Self::V2025_03_26,
        Self::V2024_11_05,
    ];

    /// Every legacy-era revision (those `initialize` negotiates), newest first.
    pub const ALL: [Self; 4] = [
        Self::V2025_11_25,
        Self::V2025_06_18,
        Self::V2025_03_26,
        Self::V2024_11_05,
    ];

    /// The revision's date string as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// The era of this revision.
    ///
    /// ```
    /// use oxmcp_types::ProtocolVersion;
    /// use oxmcp_types::version::Era;
    /// assert_eq!(ProtocolVersion::V2025_11_25.era(), Era::Legacy);
    /// assert_eq!(ProtocolVersion::V2026_07_28.era(), Era::Modern);
    /// ```
    pub const fn era(self) -> Era {
        match self {
            Self::V2026_07_28 => Era::Modern,
            _ => Era::Legacy,
        }
    }

    /// Whether this revision belongs to the modern (per-request `_meta`) era.
    pub const fn is_modern(self) -> bool {
        matches!(self.era(), Era::Modern)
    }

    /// A modern-era revision named by a request's `_meta`: `Err` with the string when it is
    /// not one oxmcp speaks, a legacy revision included (those need `initialize`), which
    /// the server answers with `UnsupportedProtocolVersion` (-32022).
    ///
    /// ```
    /// use oxmcp_types::ProtocolVersion;
    /// assert_eq!(ProtocolVersion::parse_modern("2026-07-28"), Ok(ProtocolVersion::V2026_07_28));
    /// assert!(ProtocolVersion::parse_modern("2025-11-25").is_err());
    /// ```
    pub fn parse_modern(s: &str) -> Result<Self, UnsupportedVersion> {
        Self::MODERN
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnsupportedVersion(s.to_owned()))
    }

    /// A legacy-era revision, as `initialize` and `MCP-Protocol-Version` of a session name
    /// it: `Err` for anything else, a modern revision included.
    pub fn parse_legacy(s: &str) -> Result<Self, UnsupportedVersion> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnsupportedVersion(s.to_owned()))
    }

    /// The version a server answers to an `initialize` that requested `requested`: the same
    /// version when it is a legacy revision oxmcp speaks, otherwise [`Self::LATEST`] (a
    /// modern revision included: it has no `initialize`).
    ///
    /// ```
    /// use oxmcp_types::ProtocolVersion;
    /// assert_eq!(ProtocolVersion::negotiate("2025-03-26"), ProtocolVersion::V2025_03_26);
    /// assert_eq!(ProtocolVersion::negotiate("1999-01-01"), ProtocolVersion::LATEST);
    /// assert_eq!(ProtocolVersion::negotiate("2026-07-28"), ProtocolVersion::LATEST);
    /// ```
    pub fn negotiate(requested: &str) -> Self {
        Self::parse_legacy(requested).unwrap_or(Self::LATEST)
    }

    /// Whether JSON-RPC batches are part of this revision (only `2025-03-26`).
    pub const fn allows_batches(self) -> bool {
        matches!(self, Self::V2025_03_26)
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a version string oxmcp does not implement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported MCP protocol version `{0}`")]
pub struct UnsupportedVersion(pub String);

impl FromStr for ProtocolVersion {
    type Err = UnsupportedVersion;

    /// Any revision of either era.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::EVERY
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnsupportedVersion(s.to_owned()))
    }
}

impl Serialize for ProtocolVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProtocolVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_is_chronological() {
        let mut all = ProtocolVersion::ALL;
        all.sort();
        assert_eq!(all[0], ProtocolVersion::V2024_11_05);
        assert_eq!(all[3], ProtocolVersion::LATEST);
    }

    #[test]
    fn round_trips_as_string() {
        for v in ProtocolVersion::EVERY {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{v}\""));
            assert_eq!(serde_json::from_str::<ProtocolVersion>(&json).unwrap(), v);
        }
        assert!(serde_json::from_str::<ProtocolVersion>("\"2025-01-01\"").is_err());
    }

    #[test]
    fn eras_partition_every_revision() {
        for v in ProtocolVersion::EVERY {
            assert_eq!(
                ProtocolVersion::ALL.contains(&v),
                v.era() == Era::Legacy,
                "{v}"
            );
            assert_eq!(ProtocolVersion::MODERN.contains(&v), v.is_modern(), "{v}");
            assert_eq!(v.as_str().parse::<ProtocolVersion>(), Ok(v));
        }
        // Every modern revision is newer than every legacy one.
        assert!(
            ProtocolVersion::MODERN
                .iter()
                .all(|m| ProtocolVersion::ALL.iter().all(|l| l < m))
        );
        assert_eq!(ProtocolVersion::LATEST.era(), Era::Legacy);
        assert!(ProtocolVersion::LATEST_MODERN.is_modern());
    }

    #[test]
    fn each_era_parses_only_its_own_revisions() {
        assert_eq!(
            ProtocolVersion::parse_legacy("2024-11-05"),
            Ok(ProtocolVersion::V2024_11_05)
        );
        assert!(ProtocolVersion::parse_legacy("2026-07-28").is_err());
        assert!(ProtocolVersion::parse_modern("2025-11-25").is_err());
        assert!(ProtocolVersion::parse_modern("2027-01-01").is_err());
        assert_eq!(
            ProtocolVersion::parse_modern("2026-07-28"),
            Ok(ProtocolVersion::V2026_07_28)
        );
        // `initialize` never lands on a modern revision.
        assert_eq!(
            ProtocolVersion::negotiate("2026-07-28"),
            ProtocolVersion::LATEST
        );
    }

    #[test]
    fn only_2025_03_26_allows_batches() {
        let batching: Vec<_> = ProtocolVersion::EVERY
            .into_iter()
            .filter(|v| v.allows_batches())
            .collect();
        assert_eq!(batching, [ProtocolVersion::V2025_03_26]);
    }
}
