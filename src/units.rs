//! The built-in unit registry for `"x-pim": "measurement"` values, and exact conversion
//! between units of one dimension.

/// What a unit measures; conversion is only possible within one dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Mass,
    Length,
    Volume,
}

/// Each unit with its dimension and its size in the dimension's base unit (g, mm, ml),
/// written as an exact decimal so conversions never go through binary floats.
pub const UNITS: &[(&str, Dimension, &str)] = &[
    ("g", Dimension::Mass, "1"),
    ("kg", Dimension::Mass, "1000"),
    ("lb", Dimension::Mass, "453.59237"),
    ("oz", Dimension::Mass, "28.349523125"),
    ("mm", Dimension::Length, "1"),
    ("cm", Dimension::Length, "10"),
    ("m", Dimension::Length, "1000"),
    ("in", Dimension::Length, "25.4"),
    ("ml", Dimension::Volume, "1"),
    ("l", Dimension::Volume, "1000"),
];

impl Dimension {
    /// The name a channel's `units` may use for every value of the dimension.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Mass => "mass",
            Dimension::Length => "length",
            Dimension::Volume => "volume",
        }
    }
}

/// `mass` → [`Dimension::Mass`]: a `units` key that names a dimension.
pub fn dimension_named(name: &str) -> Option<Dimension> {
    [Dimension::Mass, Dimension::Length, Dimension::Volume]
        .into_iter()
        .find(|d| d.name() == name)
}

/// The units of one dimension, as a sentence fragment.
pub fn of_dimension(dimension: Dimension) -> String {
    UNITS
        .iter()
        .filter(|(_, d, _)| *d == dimension)
        .map(|(u, _, _)| *u)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A measurement as its amount in the dimension's base unit (g, mm, ml), normalised, with the
/// dimension: `32 in` and `81.28 cm` give the same text.
pub fn in_base_unit(value: &str, unit: &str) -> Option<String> {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let (_, dimension, factor) = UNITS.iter().find(|(u, _, _)| *u == unit)?;
    let amount = Decimal::from_str(value)
        .ok()?
        .checked_mul(Decimal::from_str(factor).ok()?)?;
    Some(format!("{}:{}", dimension.name(), amount.normalize()))
}

pub fn dimension(unit: &str) -> Option<Dimension> {
    UNITS
        .iter()
        .find(|(u, _, _)| *u == unit)
        .map(|(_, d, _)| *d)
}

pub fn is_known(unit: &str) -> bool {
    dimension(unit).is_some()
}

/// The known units as a sentence fragment, for messages.
pub fn known_list() -> String {
    UNITS
        .iter()
        .map(|(u, _, _)| *u)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a value cannot be converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvertError {
    /// Units of different dimensions, an unknown unit, or a value that is not a decimal
    /// number (other rules report those).
    Incompatible,
    /// The exact result needs more than [`MAX_DIGITS`] digits.
    OutOfRange,
}

/// The digits exact conversion holds: a value and its converted form have at most this many
/// (the mantissa is a 128-bit integer).
pub const MAX_DIGITS: usize = 38;

/// A decimal number as a magnitude and a scale: `-1.25` is `(true, 125, 2)`.
type Exact = (bool, u128, u32);

/// Parses `-12.5` (a `decimal` string) exactly; `None` for anything else, `OutOfRange` when
/// it has more than [`MAX_DIGITS`] digits.
fn parse_exact(text: &str) -> Result<Exact, ConvertError> {
    if !crate::schema::is_decimal(text) {
        return Err(ConvertError::Incompatible);
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = format!("{}{frac}", int.trim_start_matches('0'));
    let digits = if digits.is_empty() { "0" } else { &digits };
    if digits.len() > MAX_DIGITS {
        return Err(ConvertError::OutOfRange);
    }
    let magnitude: u128 = digits.parse().map_err(|_| ConvertError::OutOfRange)?;
    let scale = u32::try_from(frac.len()).map_err(|_| ConvertError::OutOfRange)?;
    Ok((negative, magnitude, scale))
}

fn pow10(exp: u32) -> Result<u128, ConvertError> {
    10u128.checked_pow(exp).ok_or(ConvertError::OutOfRange)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `n = 2^x · 5^y · rest`: returns `(x, y, rest)`.
fn twos_and_fives(mut n: u128) -> (u32, u32, u128) {
    let (mut x, mut y) = (0, 0);
    while n > 1 && n.is_multiple_of(2) {
        n /= 2;
        x += 1;
    }
    while n > 1 && n.is_multiple_of(5) {
        n /= 5;
        y += 1;
    }
    (x, y, n)
}

/// `magnitude / 10^scale` as text, with at most [`MAX_DIGITS`] digits.
fn format_exact((negative, magnitude, scale): Exact) -> Result<String, ConvertError> {
    let digits = magnitude.to_string();
    let scale = scale as usize;
    if digits.len().max(scale) > MAX_DIGITS {
        return Err(ConvertError::OutOfRange);
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let sign = if negative && magnitude != 0 { "-" } else { "" };
    Ok(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// Converts a decimal string between units of one dimension, exactly, in integer arithmetic
/// (never through binary floats, never losing a digit):
///
/// - when the exact result has a finite decimal form (g → kg, lb → kg, in → cm), it is that
///   form, with at least the input's decimal places and at least 2: `533 g` → `0.533 kg`,
///   `2 kg` → `2000.00 g`, `1 lb` → `0.45359237 kg`;
/// - otherwise (kg → lb, g → oz, cm → in) it keeps the input's decimal places plus the
///   digits the conversion shifts the value down by (`⌈log10(1/factor)⌉` when the factor is
///   below 1, else none), at least 2, rounded half to even: `1.85 kg` → `4.08 lb`,
///   `410 g` → `14.46 oz`, `410 g` → `0.904 lb`.
///
/// A value or result of more than [`MAX_DIGITS`] digits is [`ConvertError::OutOfRange`].
pub fn convert(value: &str, from: &str, to: &str) -> Result<String, ConvertError> {
    convert_at(value, from, to, None)
}

/// [`convert`], with a repeating result rounded once, half to even, at `places` decimal
/// places when given (a channel's `decimals`) instead of the stated default: rounding the
/// exact quotient directly, never a rounded value again. A terminating result is exact either
/// way; rounding it is for the caller.
pub fn convert_at(
    value: &str,
    from: &str,
    to: &str,
    places: Option<u32>,
) -> Result<String, ConvertError> {
    let factor = |unit: &str| {
        UNITS
            .iter()
            .find(|(u, _, _)| *u == unit)
            .ok_or(ConvertError::Incompatible)
            .and_then(|(_, d, f)| Ok((*d, parse_exact(f)?)))
    };
    let ((from_dim, (_, a, sa)), (to_dim, (_, b, sb))) = (factor(from)?, factor(to)?);
    if from_dim != to_dim {
        return Err(ConvertError::Incompatible);
    }
    if from == to {
        // Passed on as written: nothing to compute, nothing to lose.
        return Ok(value.to_owned());
    }
    let (negative, m, s) = parse_exact(value)?;
    // value × (a / 10^sa) / (b / 10^sb) = m / 10^s × n / d
    let mut n = a.checked_mul(pow10(sb)?).ok_or(ConvertError::OutOfRange)?;
    let mut d = b.checked_mul(pow10(sa)?).ok_or(ConvertError::OutOfRange)?;
    let common = gcd(n, d).max(1);
    (n, d) = (n / common, d / common);
    let min_scale = s.max(2);
    let mul = |x: u128, y: u128| x.checked_mul(y).ok_or(ConvertError::OutOfRange);
    let (x, y, rest) = twos_and_fives(d);
    if rest == 1 {
        // d divides 10^k: m × n × (10^k / d) / 10^(s + k), exactly.
        let k = x.max(y);
        let mut magnitude = mul(mul(m, n)?, pow10(k)? / d)?;
        let mut scale = s + k;
        while scale > min_scale && magnitude.is_multiple_of(10) {
            magnitude /= 10;
            scale -= 1;
        }
        while scale < min_scale {
            magnitude = mul(magnitude, 10)?;
            scale += 1;
        }
        return format_exact((negative, magnitude, scale));
    }
    let mut extra = 0;
    while mul(n, pow10(extra)?)? < d {
        extra += 1;
    }
    let scale = places.unwrap_or((s + extra).max(2));
    // m × n × 10^scale / (d × 10^s), in whichever form keeps the integers whole.
    let (numerator, d) = if scale >= s {
        (mul(mul(m, n)?, pow10(scale - s)?)?, d)
    } else {
        (mul(m, n)?, mul(d, pow10(s - scale)?)?)
    };
    let (mut quotient, remainder) = (numerator / d, numerator % d);
    let twice = mul(remainder, 2)?;
    if twice > d || (twice == d && quotient % 2 == 1) {
        quotient += 1;
    }
    format_exact((negative, quotient, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_units_of_the_spec() {
        for unit in ["g", "kg", "lb", "oz", "mm", "cm", "m", "in", "ml", "l"] {
            assert!(is_known(unit), "{unit}");
        }
        assert!(!is_known("KG"));
        assert_eq!(dimension("oz"), Some(Dimension::Mass));
    }

    #[test]
    fn terminating_conversions_keep_every_digit() {
        let ok = |v: &str, from: &str, to: &str| convert(v, from, to).unwrap();
        assert_eq!(ok("533", "g", "kg"), "0.533");
        assert_eq!(ok("2", "kg", "g"), "2000.00");
        assert_eq!(ok("1.85", "kg", "g"), "1850.00");
        assert_eq!(ok("1", "lb", "g"), "453.59237");
        assert_eq!(ok("1", "lb", "kg"), "0.45359237");
        assert_eq!(ok("2.5", "oz", "g"), "70.8738078125");
        assert_eq!(ok("0.125", "l", "ml"), "125.000");
        assert_eq!(ok("10", "in", "cm"), "25.40");
        assert_eq!(ok("-0.5", "m", "mm"), "-500.00");
        assert_eq!(
            ok("1.1234567890123456789012345678", "kg", "g"),
            "1123.4567890123456789012345678000"
        );
        assert_eq!(ok("7", "kg", "kg"), "7");
    }

    #[test]
    fn repeating_conversions_round_half_even_at_a_stated_place() {
        let ok = |v: &str, from: &str, to: &str| convert(v, from, to).unwrap();
        assert_eq!(ok("1.85", "kg", "lb"), "4.08");
        assert_eq!(ok("410", "g", "oz"), "14.46");
        assert_eq!(ok("410", "g", "lb"), "0.904");
        assert_eq!(ok("250", "mm", "in"), "9.84");
        assert_eq!(ok("1", "cm", "in"), "0.39");
        assert_eq!(ok("1.000", "cm", "in"), "0.3937");
        assert_eq!(ok("-1.85", "kg", "lb"), "-4.08");
    }

    #[test]
    fn a_repeating_result_is_rounded_once_at_the_places_asked() {
        assert_eq!(convert_at("1.85", "kg", "lb", Some(1)).unwrap(), "4.1");
        assert_eq!(convert_at("1.85", "kg", "lb", Some(5)).unwrap(), "4.07855");
        assert_eq!(convert_at("1.85", "kg", "lb", Some(0)).unwrap(), "4");
        assert_eq!(convert_at("1.23456", "cm", "in", Some(1)).unwrap(), "0.5");
        // Terminating results stay exact: rounding them is the caller's.
        assert_eq!(convert_at("533", "g", "kg", Some(1)).unwrap(), "0.533");
    }

    #[test]
    fn what_does_not_fit_is_an_error_never_a_guess() {
        assert_eq!(convert("1", "kg", "m"), Err(ConvertError::Incompatible));
        assert_eq!(convert("1", "kg", "KG"), Err(ConvertError::Incompatible));
        assert_eq!(convert("1e3", "kg", "g"), Err(ConvertError::Incompatible));
        let big = format!("1{}", "0".repeat(38));
        assert_eq!(convert(&big, "kg", "g"), Err(ConvertError::OutOfRange));
        assert_eq!(convert(&big, "kg", "kg").as_deref(), Ok(big.as_str()));
        // 33 digits, 3 more for kg → g and 2 decimal places: 38.
        let edge = "9".repeat(34);
        assert_eq!(convert(&edge, "kg", "g"), Err(ConvertError::OutOfRange));
        assert_eq!(convert(&edge[1..], "kg", "g").unwrap().len(), 39);
        let tiny = format!("0.{}1", "0".repeat(36));
        assert_eq!(convert(&tiny, "g", "kg"), Err(ConvertError::OutOfRange));
    }
}
