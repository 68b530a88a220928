//! Points arithmetic. Points are signed 64-bit integers and every operation is
//! checked: an overflow is refused (422), never wrapped or saturated.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PointsError {
    #[error("the amount overflows the points range")]
    Overflow,
}

/// Points earned for a purchase: `floor(spend_amount_cents × points_per_currency_unit / 100)`.
///
/// Rounding down is deliberate: a customer is never credited a fraction the
/// program did not promise, and the rule is easy to explain on a receipt.
pub fn earned_for_spend(spend_amount_cents: i64, points_per_currency_unit: i64) -> Result<i64, PointsError> {
    let product = i128::from(spend_amount_cents) * i128::from(points_per_currency_unit);
    i64::try_from(product / 100).map_err(|_| PointsError::Overflow)
}

/// Total cost of `quantity` units of a reward costing `cost_points` each.
pub fn total_cost(cost_points: i64, quantity: i64) -> Result<i64, PointsError> {
    cost_points.checked_mul(quantity).ok_or(PointsError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn earning_rounds_down_to_whole_points() {
        assert_eq!(earned_for_spend(1999, 1), Ok(19));
        assert_eq!(earned_for_spend(2500, 2), Ok(50));
        assert_eq!(earned_for_spend(99, 1), Ok(0));
        assert_eq!(earned_for_spend(0, 10), Ok(0));
    }

    #[test]
    fn earning_refuses_overflow_instead_of_wrapping() {
        assert_eq!(earned_for_spend(i64::MAX, 1000), Err(PointsError::Overflow));
    }

    #[test]
    fn cost_overflow_is_an_error() {
        assert_eq!(total_cost(i64::MAX / 2 + 1, 2), Err(PointsError::Overflow));
        assert_eq!(total_cost(250, 3), Ok(750));
    }

    proptest! {
        #[test]
        fn earning_never_exceeds_the_exact_value(cents in 0i64..1_000_000_000_000, rate in 0i64..10_000) {
            let points = earned_for_spend(cents, rate).unwrap();
            let exact = i128::from(cents) * i128::from(rate);
            prop_assert!(i128::from(points) * 100 <= exact);
            prop_assert!(exact - i128::from(points) * 100 < 100);
        }
    }
}
