//! Protocol revisions and version negotiation.

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
    /// `2025-11-25`: tasks, URL elicitation, sampling with tools, icons.
    V2025_11_25,
}

impl ProtocolVersion {
    /// The newest revision oxmcp implements.
    pub const LATEST: Self = Self::V2025_11_25;

    /// Every supported revision, newest first.
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
        }
    }

    /// The version a server answers to a client that requested `requested`:
    /// the same version when supported, otherwise the latest one.
    ///
    /// ```
    /// use oxmcp_types::ProtocolVersion;
    /// assert_eq!(ProtocolVersion::negotiate("2025-03-26"), ProtocolVersion::V2025_03_26);
    /// assert_eq!(ProtocolVersion::negotiate("1999-01-01"), ProtocolVersion::LATEST);
    /// ```
    pub fn negotiate(requested: &str) -> Self {
        requested.parse().unwrap_or(Self::LATEST)
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

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
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
        for v in ProtocolVersion::ALL {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{v}\""));
            assert_eq!(serde_json::from_str::<ProtocolVersion>(&json).unwrap(), v);
        }
        assert!(serde_json::from_str::<ProtocolVersion>("\"2025-01-01\"").is_err());
    }

    #[test]
    fn only_2025_03_26_allows_batches() {
        let batching: Vec<_> = ProtocolVersion::ALL
            .into_iter()
            .filter(|v| v.allows_batches())
            .collect();
        assert_eq!(batching, [ProtocolVersion::V2025_03_26]);
    }
}
