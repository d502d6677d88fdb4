//! The platform's capacity rules, in the one place both the API's domain layer and the demo
//! generator take them from: how utilization is computed and stored, what remains of a budget, the near / over capacity
//! and high-value flags, the upsell score, and which alert thresholds a change crosses
//! (DESIGN.md "Capacity alerts").

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::json::SnapshotAlert;

/// Capacity alert thresholds and their severities, lowest first.
pub const ALERT_THRESHOLDS: [(f64, &str); 3] =
    [(0.80, "WARNING"), (0.90, "HIGH"), (1.00, "CRITICAL")];

/// The capacity dimensions a campaign is measured in, as alerts name them.
pub const DIMENSIONS: [&str; 4] = ["volunteers", "beneficiaries", "sessions", "budget"];

/// Utilization at or above which a campaign is near capacity.
pub const NEAR_CAPACITY: f64 = 0.80;
/// Utilization at or above which a campaign is over capacity.
pub const OVER_CAPACITY: f64 = 1.00;

/// The largest utilization a `numeric(5,4)` column holds.
const MAX_STORED_UTILIZATION: Decimal = Decimal::from_parts(99_999, 0, 0, false, 4);

/// `current / target` rounded to four decimals; `None` without a positive target.
pub fn ratio(current: Decimal, target: Decimal) -> Option<Decimal> {
    (target > Decimal::ZERO).then(|| (current / target).round_dp(4))
}

/// [`ratio`] as a `numeric(5,4)` column stores it: four decimals, from 0 to 9.9999.
pub fn utilization(current: Decimal, target: Decimal) -> Option<Decimal> {
    ratio(current, target).map(|ratio| {
        let mut stored = ratio.clamp(Decimal::ZERO, MAX_STORED_UTILIZATION);
        stored.rescale(4);
        stored
    })
}

/// What is left of a budget: `allocated - spent`, and nothing (0) once it is overspent.
pub fn budget_remaining(allocated: Decimal, spent: Decimal) -> Decimal {
    (allocated - spent).max(Decimal::ZERO)
}

/// [`utilization`] of integer counts with an optional target.
pub fn count_utilization(current: i32, target: Option<i32>) -> Option<Decimal> {
    utilization(Decimal::from(current), Decimal::from(target?))
}

/// Whether a utilization is at or past [`NEAR_CAPACITY`].
pub fn is_near_capacity(utilization: f64) -> bool {
    utilization >= NEAR_CAPACITY
}

/// Whether a utilization is at or past [`OVER_CAPACITY`].
pub fn is_over_capacity(utilization: f64) -> bool {
    utilization >= OVER_CAPACITY
}

/// A campaign whose social return (SROI ≥ 4.5) and volunteer impact (VIS ≥ 70) are both high.
pub fn is_high_value(sroi: Option<f64>, vis: Option<f64>) -> bool {
    matches!((sroi, vis), (Some(sroi), Some(vis)) if sroi >= 4.5 && vis >= 70.0)
}

/// How strong an upsell signal a campaign gives, 0–100: up to 70 points for utilization
/// (saturating at 130 %) and 30 for being high value.
pub fn upsell_score(utilization: f64, high_value: bool) -> i32 {
    let from_utilization = utilization.clamp(0.0, 1.3) / 1.3 * 70.0;
    let from_value = if high_value { 30.0 } else { 0.0 };
    ((from_utilization + from_value).round() as i32).clamp(0, 100)
}

/// The decimal as a float, for threshold comparisons (utilizations have four decimals).
pub fn as_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(0.0)
}

/// The thresholds, with their severities, that a utilization crosses upward moving from
/// `previous` to `current`, lowest first. Staying above a threshold crosses nothing; falling
/// below it and rising again crosses it again.
pub fn crossed_thresholds(
    previous: f64,
    current: f64,
) -> impl Iterator<Item = (f64, &'static str)> {
    ALERT_THRESHOLDS
        .into_iter()
        .filter(move |(threshold, _)| previous < *threshold && current >= *threshold)
}

/// An alert as a snapshot's `full_snapshot.alerts` records it.
pub fn snapshot_alert(
    dimension: &str,
    severity: &str,
    threshold: Decimal,
    utilization: Decimal,
) -> SnapshotAlert {
    SnapshotAlert {
        alert_type: "capacity".to_owned(),
        message: format!(
            "{dimension} utilization reached {}% (threshold {}%)",
            (utilization * Decimal::ONE_HUNDRED).round_dp(1).normalize(),
            (threshold * Decimal::ONE_HUNDRED).round_dp(0).normalize()
        ),
        threshold: as_f64(threshold),
        dimension: Some(dimension.to_owned()),
        severity: Some(severity.to_uppercase()),
        utilization: Some(as_f64(utilization)),
    }
}

/// The alerts raised when a dimension's utilization moves from `previous` to `current`: one
/// per threshold crossed upward ([`crossed_thresholds`]).
pub fn crossed_alerts(dimension: &str, previous: f64, current: f64) -> Vec<SnapshotAlert> {
    let current_decimal = Decimal::try_from(current).unwrap_or_default().round_dp(4);
    crossed_thresholds(previous, current)
        .map(|(threshold, severity)| {
            snapshot_alert(
                dimension,
                severity,
                Decimal::try_from(threshold).unwrap_or_default(),
                current_decimal,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_two_thresholds_in_one_step_raises_both() {
        let alerts = crossed_alerts("volunteers", 0.85, 0.95);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].severity.as_deref(), Some("HIGH"));
        let alerts = crossed_alerts("budget", 0.5, 1.02);
        assert_eq!(alerts.len(), 3);
        assert!(crossed_alerts("sessions", 0.95, 0.97).is_empty());
        assert_eq!(crossed_alerts("sessions", 0.95, 0.85).len(), 0);
        assert_eq!(crossed_alerts("sessions", 0.85, 0.9).len(), 1);
    }

    #[test]
    fn utilization_is_stored_with_four_decimals_and_capped() {
        assert_eq!(
            count_utilization(45, Some(50)).map(|u| u.to_string()),
            Some("0.9000".into())
        );
        assert_eq!(count_utilization(1, Some(3)), Some(Decimal::new(3333, 4)));
        assert_eq!(count_utilization(5, None), None);
        assert_eq!(count_utilization(5, Some(0)), None);
        assert_eq!(
            count_utilization(500_000, Some(1)),
            Some(MAX_STORED_UTILIZATION)
        );
    }

    #[test]
    fn flags_and_upsell() {
        assert!(is_near_capacity(0.8) && !is_near_capacity(0.7999));
        assert!(is_over_capacity(1.0) && !is_over_capacity(0.9999));
        assert!(is_high_value(Some(4.5), Some(70.0)) && !is_high_value(Some(4.5), None));
        assert_eq!(upsell_score(1.3, true), 100);
        assert_eq!(upsell_score(0.0, false), 0);
        assert_eq!(upsell_score(2.0, false), 70);
    }
}
