//! TOML's scalars other than strings: integers, floats, booleans and date-times, validated (not
//! kept).

/// Whether hex digits fit in a `u32` (8 digits at most, so only the first of 8 can overflow it).
pub(super) fn code_fits(hex: &[u8]) -> bool {
    hex.len() < 8 || hex[0] == b'0'
}

/// Digits of `radix` with single `_` between digits; the value, saturating at `u64::MAX`.
pub(super) fn digits(s: &[u8], radix: u32) -> Option<u64> {
    if s.is_empty() || s[0] == b'_' || s[s.len() - 1] == b'_' || s.windows(2).any(|w| w == b"__") {
        return None;
    }
    let mut value: u64 = 0;
    for &b in s {
        if b != b'_' {
            let d = (b as char).to_digit(radix)?;
            value = value
                .saturating_mul(u64::from(radix))
                .saturating_add(u64::from(d));
        }
    }
    Some(value)
}

/// Whether `t` is a TOML integer, float, boolean or date-time (a bare value that is not a
/// string, array or inline table).
pub(super) fn valid_scalar(t: &[u8]) -> bool {
    if t == b"true" || t == b"false" {
        return true;
    }
    let (signed, body) = match t.first() {
        Some(b'+' | b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if body == b"inf" || body == b"nan" {
        return true;
    }
    let limit = i64::MAX as u64 + u64::from(t.first() == Some(&b'-'));
    if !signed && body.len() > 2 && body[0] == b'0' {
        let radix = match body[1] {
            b'x' => 16,
            b'o' => 8,
            b'b' => 2,
            _ => 0,
        };
        if radix != 0 {
            return digits(&body[2..], radix).is_some_and(|v| v <= limit);
        }
    }
    if !signed
        && (num(body, 0, 2).is_some() && body.get(2) == Some(&b':')
            || num(body, 0, 4).is_some() && body.get(4) == Some(&b'-'))
    {
        return datetime(body);
    }
    // Decimal: int-part [. digits] [e [+-] digits], without leading zeros.
    let int_end = body
        .iter()
        .position(|b| matches!(b, b'.' | b'e' | b'E'))
        .unwrap_or(body.len());
    if int_end > 1 && body[0] == b'0' || digits(&body[..int_end], 10).is_none() {
        return false;
    }
    let mut rest = &body[int_end..];
    if rest.is_empty() {
        return digits(body, 10).is_some_and(|v| v <= limit);
    }
    if let Some(fraction) = rest.strip_prefix(b".") {
        let end = fraction
            .iter()
            .position(|b| matches!(b, b'e' | b'E'))
            .unwrap_or(fraction.len());
        if digits(&fraction[..end], 10).is_none() {
            return false;
        }
        rest = &fraction[end..];
    }
    let exponent = match rest {
        [] => Some(0),
        [_, b'-', d @ ..] => digits(d, 10).map(|v| -(v.min(1 << 40) as i64)),
        [_, b'+', d @ ..] | [_, d @ ..] => digits(d, 10).map(|v| v.min(1 << 40) as i64),
    };
    exponent.is_some_and(|exponent| finite(&body[..body.len() - rest.len()], exponent))
}

/// Whether the decimal `mantissa` (digits, `_` and one `.`) times 10^`exponent` stays below the
/// largest `f64` once rounded (a float that overflows is an error, as in the `toml` crate):
/// compares the first 17 significant digits with those of `f64::MAX` rounded up.
fn finite(mantissa: &[u8], exponent: i64) -> bool {
    let mut significant = Vec::new();
    let mut point = exponent; // the value is 0.d1d2d3… × 10^point
    let mut seen_point = false;
    for &b in mantissa {
        match b {
            b'.' => seen_point = true,
            b'0' if significant.is_empty() => point -= i64::from(seen_point),
            b'0'..=b'9' => {
                significant.push(b);
                point += i64::from(!seen_point);
            }
            _ => {}
        }
    }
    significant.resize(17, b'0');
    point < 309 || point == 309 && significant.as_slice() <= &b"17976931348623158"[..]
}

/// `n` ASCII digits at `s[at..at + n]`, as a number.
fn num(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    part.iter()
        .all(u8::is_ascii_digit)
        .then(|| part.iter().fold(0, |v, b| v * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`, with a day that exists.
pub(super) fn date(s: &[u8]) -> bool {
    let (Some(year), Some(month), Some(day)) = (num(s, 0, 4), num(s, 5, 2), num(s, 8, 2)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 => 28 + u32::from(leap),
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    s.len() == 10
        && s[4] == b'-'
        && s[7] == b'-'
        && (1..=12).contains(&month)
        && (1..=days).contains(&day)
}

/// `HH:MM` with an hour and minute in range.
fn hour_minute(s: &[u8]) -> bool {
    matches!((num(s, 0, 2), s.get(2), num(s, 3, 2)), (Some(h), Some(b':'), Some(m)) if h < 24 && m < 60)
}

/// An offset date-time, local date-time, local date or local time (seconds optional, TOML 1.1).
fn datetime(s: &[u8]) -> bool {
    let (has_date, time) = if s.get(4) == Some(&b'-') {
        if !date(s.get(..10).unwrap_or(s)) {
            return false;
        }
        match s.get(10) {
            None => return true,
            Some(b'T' | b't' | b' ') => (true, &s[11..]),
            Some(_) => return false,
        }
    } else {
        (false, s)
    };
    if !hour_minute(time) {
        return false;
    }
    let mut end = 5;
    if time.get(5) == Some(&b':') {
        if num(time, 6, 2).is_none_or(|second| second > 60) {
            return false;
        }
        end = 8;
        if time.get(8) == Some(&b'.') {
            let fraction = time[9..].iter().take_while(|b| b.is_ascii_digit()).count();
            if fraction == 0 {
                return false;
            }
            end = 9 + fraction;
        }
    }
    match &time[end..] {
        [] => true,
        [b'Z' | b'z'] => has_date,
        [b'+' | b'-', offset @ ..] => has_date && offset.len() == 5 && hour_minute(offset),
        _ => false,
    }
}
