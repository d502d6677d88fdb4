//! Graceful shutdown. SIGTERM or SIGINT (or [`Shutdown::request`], which tests call) stops the
//! server from accepting connections, lets in-flight HTTP requests finish within
//! `--shutdown-timeout-seconds`, and closes every GraphQL WebSocket with a close frame 1001
//! ("going away"), so clients reconnect to another replica instead of seeing a dropped socket.

use tokio::sync::watch;

/// The gateway's stop switch, shared by the server and every WebSocket.
#[derive(Clone, Debug)]
pub struct Shutdown {
    requested: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown {
            requested: watch::Sender::new(false),
        }
    }

    /// Starts the graceful stop (idempotent).
    pub fn request(&self) {
        self.requested.send_replace(true);
    }

    pub fn is_requested(&self) -> bool {
        *self.requested.borrow()
    }

    /// Resolves once a stop has been requested (at once if it already was).
    pub async fn requested(&self) {
        let mut receiver = self.requested.subscribe();
        // The sender lives in `self`, so waiting cannot fail while `self` is borrowed.
        let _ = receiver.wait_for(|requested| *requested).await;
    }
}

/// Resolves on the first SIGTERM or SIGINT.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stopping on SIGINT only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_for_a_stop_ends_once_it_is_requested_even_if_that_was_earlier() {
        let shutdown = Shutdown::new();
        assert!(!shutdown.is_requested());
        let waiter = tokio::spawn({
            let shutdown = shutdown.clone();
            async move { shutdown.requested().await }
        });
        shutdown.request();
        waiter.await.expect("the waiter ends");
        // A socket opened after the request sees it at once.
        tokio::time::timeout(std::time::Duration::from_secs(1), shutdown.requested())
            .await
            .expect("already requested");
    }
}
