//! Reading the ISO 8601 (RFC 3339) timestamps of tasks, to tell a stale status from a new
//! one when polls and notifications cross.

/// Milliseconds since the Unix epoch of an RFC 3339 date-time such as
/// `2025-11-25T10:30:00Z`, `2025-11-25T10:30:00.123Z` or `2025-11-25T12:30:00+02:00`
/// (`t`/`z` and a space separator accepted). `None` when it does not parse.
pub(crate) fn parse_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    // A leap second (60) is accepted and counts as the next second.
    let in_range = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !in_range {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Only the first three digits matter for milliseconds.
        let kept = &fraction[..len.min(3)];
        millis = digits(kept)? * 10_i64.pow(3 - u32::try_from(kept.len()).ok()?);
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

/// Whether `candidate` is strictly older than `reference`. Timestamps that do not parse
/// are never called older: a status is only dropped when the order is certain.
pub(crate) fn is_older(candidate: &str, reference: &str) -> bool {
    match (parse_ms(candidate), parse_ms(reference)) {
        (Some(c), Some(r)) => c < r,
        _ => false,
    }
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0_i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
