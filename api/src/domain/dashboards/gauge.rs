//! The capacity gauge: each dimension's reading (`crate::domain::capacity::alerts::readings`)
//! against the alert thresholds (`entity::capacity::ALERT_THRESHOLDS`), and the band the
//! utilization is in. Computed from the campaign row itself: nothing to aggregate.

use rust_decimal::Decimal;

use entity::capacity::ALERT_THRESHOLDS;

use crate::domain::capacity::alerts::{Reading, readings};

/// Where a utilization sits among the thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    /// No target in this dimension: nothing to measure against.
    NoTarget,
    /// Below the first threshold (0.80).
    Normal,
    /// At or above 0.80.
    Warning,
    /// At or above 0.90.
    High,
    /// At or above 1.00: over capacity.
    Critical,
}

/// One dimension of the gauge.
#[derive(Clone, Debug, PartialEq)]
pub struct GaugeDimension {
    pub dimension: &'static str,
    pub current: Decimal,
    pub target: Option<Decimal>,
    pub utilization: Option<Decimal>,
    pub band: Band,
}

/// The alert thresholds as exact decimals, lowest first, with their severities.
pub fn thresholds() -> [(Decimal, &'static str); 3] {
    ALERT_THRESHOLDS.map(|(threshold, severity)| {
        (
            Decimal::try_from(threshold).unwrap_or_default().round_dp(2),
            severity,
        )
    })
}

/// The band `utilization` is in: the highest threshold it reached.
pub fn band(utilization: Option<Decimal>) -> Band {
    let Some(utilization) = utilization else {
        return Band::NoTarget;
    };
    let reached = thresholds()
        .into_iter()
        .rev()
        .find(|(threshold, _)| utilization >= *threshold)
        .map(|(_, severity)| severity);
    match reached {
        Some("CRITICAL") => Band::Critical,
        Some("HIGH") => Band::High,
        Some(_) => Band::Warning,
        None => Band::Normal,
    }
}

fn dimension(reading: Reading) -> GaugeDimension {
    let utilization = reading.utilization();
    GaugeDimension {
        dimension: reading.dimension,
        current: reading.current,
        target: reading.target,
        utilization,
        band: band(utilization),
    }
}

/// The gauge of a campaign, one entry per dimension (volunteers, beneficiaries, sessions,
/// budget).
pub fn gauge(campaign: &entity::campaign::Model) -> Vec<GaugeDimension> {
    readings(campaign).into_iter().map(dimension).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_threshold_starts_its_band() {
        let at = |text: &str| band(Some(text.parse().unwrap()));
        assert_eq!(at("0.7999"), Band::Normal);
        assert_eq!(at("0.80"), Band::Warning);
        assert_eq!(at("0.8999"), Band::Warning);
        assert_eq!(at("0.90"), Band::High);
        assert_eq!(at("1.00"), Band::Critical);
        assert_eq!(at("1.75"), Band::Critical);
        assert_eq!(band(None), Band::NoTarget);
    }
}
