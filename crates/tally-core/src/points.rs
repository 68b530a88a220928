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

/// Points a void takes back, so that after it the purchase has lost, in
/// total, `floor(points × voided_cents_after / spend_amount_cents)`.
///
/// Working from the cumulative total instead of rounding each void on its own
/// means no sequence of partial voids can create or lose a point: the last void
/// of a purchase always brings the total to exactly its points.
pub fn void_points(points: i64, spend_amount_cents: i64, voided_points_before: i64, voided_cents_after: i64) -> i64 {
    let total_after = if spend_amount_cents == 0 || voided_cents_after >= spend_amount_cents {
        points
    } else {
        // i128: points × cents can exceed i64 before the division brings it back.
        (i128::from(points) * i128::from(voided_cents_after) / i128::from(spend_amount_cents)) as i64
    };
    total_after - voided_points_before
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

    #[test]
    fn half_a_refund_takes_back_half_the_points() {
        assert_eq!(void_points(100, 5000, 0, 2500), 50);
        assert_eq!(void_points(100, 5000, 50, 5000), 50);
    }

    #[test]
    fn a_free_purchase_voids_all_its_points_at_once() {
        assert_eq!(void_points(30, 0, 0, 0), 30);
    }

    proptest! {
        #[test]
        fn partial_voids_never_create_or_lose_points(
            points in 0i64..1_000_000_000_000,
            spend in 1i64..1_000_000_000_000,
            cuts in proptest::collection::vec(1u32..1000, 1..12),
        ) {
            // Split the spend into voids of arbitrary relative sizes, the last taking the rest.
            let total_weight: u64 = cuts.iter().map(|&c| u64::from(c)).sum();
            let mut voided_cents = 0i64;
            let mut voided_points = 0i64;
            for (i, cut) in cuts.iter().enumerate() {
                let amount = if i + 1 == cuts.len() {
                    spend - voided_cents
                } else {
                    (i128::from(spend) * i128::from(*cut) / i128::from(total_weight)) as i64
                };
                let amount = amount.min(spend - voided_cents);
                voided_cents += amount;
                let taken = void_points(points, spend, voided_points, voided_cents);
                prop_assert!(taken >= 0, "a void never gives points");
                voided_points += taken;
                prop_assert!(voided_points <= points);
                // Each intermediate total is what the proportion says, rounded down.
                prop_assert_eq!(i128::from(voided_points), i128::from(points) * i128::from(voided_cents) / i128::from(spend));
            }
            prop_assert_eq!(voided_cents, spend);
            prop_assert_eq!(voided_points, points, "voiding everything takes back exactly what was earned");
        }
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
