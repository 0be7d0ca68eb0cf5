//! The built-in unit registry for `"x-pim": "measurement"` values.

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
}
