//! The progress `demo` shows while it loads the benchmark-sized data: a bar on standard error
//! when that is a terminal, otherwise a plain line per step and per tenth of a long step, so a
//! log or CI output shows the load moving without a line per campaign.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use migration::demo::DemoProgress;

/// Where progress goes.
pub struct DemoProgressDisplay {
    bar: Option<ProgressBar>,
    /// The step and tenth last printed as a plain line.
    last_line: Mutex<Option<(&'static str, u64)>>,
}

impl DemoProgressDisplay {
    /// A bar when standard error is a terminal, plain lines otherwise.
    pub fn on_stderr() -> DemoProgressDisplay {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg:42} [{bar:30}] {pos}/{len} ({elapsed})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        DemoProgressDisplay {
            bar,
            last_line: Mutex::new(None),
        }
    }

    /// Shows how far the load has got.
    pub fn update(&self, progress: DemoProgress) {
        match &self.bar {
            Some(bar) => {
                if bar.message() != progress.step {
                    bar.reset();
                    bar.set_message(progress.step);
                }
                bar.set_length(progress.total);
                bar.set_position(progress.done);
            }
            None => {
                let Ok(mut last) = self.last_line.lock() else {
                    return;
                };
                if let Some(line) = plain_line(&mut last, progress) {
                    eprintln!("{line}");
                }
            }
        }
    }

    /// Removes the bar (the summary follows on standard output).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The plain line to print for `progress`, if it starts a step or a new tenth of one; `last`
/// remembers what was printed.
fn plain_line(last: &mut Option<(&'static str, u64)>, progress: DemoProgress) -> Option<String> {
    let tenth = (progress.done * 10)
        .checked_div(progress.total)
        .unwrap_or(10);
    if *last == Some((progress.step, tenth)) {
        return None;
    }
    *last = Some((progress.step, tenth));
    Some(format!(
        "demo: {}: {}/{} ({}%)",
        progress.step,
        progress.done,
        progress.total,
        tenth * 10
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(done: u64, total: u64) -> DemoProgress {
        DemoProgress {
            step: "snapshots",
            done,
            total,
        }
    }

    #[test]
    fn plain_progress_prints_a_line_per_tenth_not_per_campaign() {
        let mut last = None;
        let printed: Vec<String> = (0..=500)
            .filter_map(|done| plain_line(&mut last, at(done, 500)))
            .collect();
        assert_eq!(printed.len(), 11, "{printed:?}");
        assert_eq!(printed[0], "demo: snapshots: 0/500 (0%)");
        assert_eq!(printed[5], "demo: snapshots: 250/500 (50%)");
        assert_eq!(printed[10], "demo: snapshots: 500/500 (100%)");
    }

    #[test]
    fn a_new_step_always_prints_and_an_empty_step_counts_as_done() {
        let mut last = None;
        assert!(plain_line(&mut last, at(0, 3)).is_some());
        let next = DemoProgress {
            step: "community",
            done: 0,
            total: 0,
        };
        assert_eq!(
            plain_line(&mut last, next).as_deref(),
            Some("demo: community: 0/0 (100%)")
        );
        assert_eq!(plain_line(&mut last, next), None);
    }
}
