//! One run at a time per entry: a read that misses while the same read (the same [`Key`]) is
//! already running waits for that run's answer instead of running its statements again.
//!
//! Every write makes the entries that read its tables misses, so the dashboards open on it all
//! ask again within moments of each other. Without this, each of them would run the same
//! statements at once (a thundering herd on the database after every write).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio::sync::futures::OwnedNotified;

use super::Key;

/// The reads running now, each with what its waiters are woken by.
#[derive(Default)]
pub struct Flights {
    running: Mutex<HashMap<Key, Arc<Notify>>>,
}

/// What a read that missed does.
pub enum Joined {
    /// Runs the read; the requests that miss on its key meanwhile wait until this is dropped.
    Lead(Lead),
    /// Waits for the request running the same read.
    Wait(OwnedNotified),
}

impl Flights {
    /// Leads the read of `key`, or waits for the request that leads it.
    pub fn join(self: &Arc<Flights>, key: &Key) -> Joined {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(done) = running.get(key) {
            // Made under the lock, so the leader's wake-up, which takes it, cannot be missed.
            return Joined::Wait(done.clone().notified_owned());
        }
        let done = Arc::new(Notify::new());
        running.insert(key.clone(), done.clone());
        Joined::Lead(Lead {
            flights: self.clone(),
            key: key.clone(),
            done,
        })
    }
}

/// The request running a read. Dropped once its answer is kept (or was not, or the request
/// went away), it wakes the waiters, who look the entry up again.
pub struct Lead {
    flights: Arc<Flights>,
    key: Key,
    done: Arc<Notify>,
}

impl Drop for Lead {
    fn drop(&mut self) {
        let mut running = self
            .flights
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if running
            .get(&self.key)
            .is_some_and(|done| Arc::ptr_eq(done, &self.done))
        {
            running.remove(&self.key);
        }
        drop(running);
        self.done.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::policy::{Caller, Role, Visibility};

    fn key(query: &str) -> Key {
        let admin = Caller {
            subject: "test".into(),
            role: Role::Admin,
            company_id: None,
            expires_at: 0,
        };
        Key::of(&async_graphql::Request::new(query), Visibility::of(&admin)).unwrap()
    }

    #[tokio::test]
    async fn the_second_asker_waits_for_the_first_and_a_new_read_leads_again() {
        let flights = Arc::new(Flights::default());
        let Joined::Lead(lead) = flights.join(&key("{ a }")) else {
            panic!("the first asker leads");
        };
        let Joined::Wait(waiting) = flights.join(&key("{ a }")) else {
            panic!("the second asker waits");
        };
        // Another read is not held up.
        assert!(matches!(flights.join(&key("{ b }")), Joined::Lead(_)));
        let waiter = tokio::spawn(waiting);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "woken before the leader finished");
        drop(lead);
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken when the leader finished")
            .unwrap();
        assert!(flights.running.lock().unwrap().is_empty());
        assert!(matches!(flights.join(&key("{ a }")), Joined::Lead(_)));
    }
}
