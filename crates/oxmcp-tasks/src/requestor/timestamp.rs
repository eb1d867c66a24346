//! Reading the ISO 8601 (RFC 3339) timestamps of tasks, to tell a stale status from a new
//! one when polls and notifications cross.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch of an RFC 3339 date-time such as
/// `2025-11-25T10:30:00Z`, `2025-11-25T10:30:00.123Z` or `2025-11-25T12:30:00+02:00`
/// (`t`/`z` and a space separator accepted). `None` when it does not parse.
pub(crate) fn parse_ms(text: &str) -> Option<i64> {
    // RFC 3339 allows a space for the `T` (section 5.6, note); the parser takes `T`/`t` only.
    let spaced = text.as_bytes().get(10) == Some(&b' ');
    let parsed = if spaced {
        let mut fixed = text.to_owned();
        fixed.replace_range(10..11, "T");
        OffsetDateTime::parse(&fixed, &Rfc3339)
    } else {
        OffsetDateTime::parse(text, &Rfc3339)
    };
    let nanos = parsed.ok()?.unix_timestamp_nanos();
    i64::try_from(nanos.div_euclid(1_000_000)).ok()
}

/// Whether `candidate` is strictly older than `reference`. Timestamps that do not parse
/// are never called older: a status is only dropped when the order is certain.
pub(crate) fn is_older(candidate: &str, reference: &str) -> bool {
    match (parse_ms(candidate), parse_ms(reference)) {
        (Some(c), Some(r)) => c < r,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_receivers_write() {
        assert_eq!(parse_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_ms("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(parse_ms("1970-01-01T00:00:01.123456789Z"), Some(1_123));
        assert_eq!(parse_ms("2025-11-25T10:30:00Z"), Some(1_764_066_600_000));
        assert_eq!(
            parse_ms("2025-11-25T12:30:00+02:00"),
            parse_ms("2025-11-25T10:30:00Z")
        );
        assert_eq!(
            parse_ms("2025-11-25t05:30:00-05:00"),
            parse_ms("2025-11-25T10:30:00z")
        );
        assert_eq!(parse_ms("2000-03-01T00:00:00Z"), Some(951_868_800_000));
        assert_eq!(
            parse_ms("2025-11-25 10:30:00Z"),
            parse_ms("2025-11-25T10:30:00Z")
        );
        assert_eq!(parse_ms("1969-12-31T23:59:59.999Z"), Some(-1));
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for bad in [
            "",
            "2025-11-25",
            "2025-11-25T10:30:00",
            "2025-13-01T00:00:00Z",
            "2025-11-25T24:00:00Z",
            "2025-11-25T10:30:00.Z",
            "2025-11-25T10:30:00+0200",
            "2025-11-25T10:30:00+02:00 ",
            "２０２５-11-25T10:30:00Z",
            "yesterday at noon, roughly",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn order_is_only_claimed_when_both_parse() {
        assert!(is_older("2025-11-25T10:30:00Z", "2025-11-25T10:30:00.001Z"));
        assert!(!is_older("2025-11-25T10:30:00Z", "2025-11-25T10:30:00Z"));
        assert!(!is_older(
            "2025-11-25T10:31:00+00:00",
            "2025-11-25T10:30:00Z"
        ));
        assert!(!is_older("garbage", "2025-11-25T10:30:00Z"));
    }
}
