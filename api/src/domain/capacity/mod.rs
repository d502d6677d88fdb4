//! Capacity: a campaign's utilization in each dimension (volunteers, beneficiaries, sessions,
//! budget), the alerts raised when it crosses a threshold, and the bus that hands committed
//! alerts to this process's subscribers.

pub mod alerts;
pub mod bus;
