//! The `solving: phase solve, 12 s` line a long solve shows on stderr.

use chainplan::planning::Progress;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The `solving: phase solve, 12 s` line on stderr. On a terminal it is
/// rewritten in place at every tick; in a log (CI, a pipe) a new line every
/// few seconds keeps the log short but shows the solve is alive.
pub struct ProgressLine {
    terminal: bool,
    /// Elapsed seconds at the last line written, if any.
    last: Arc<Mutex<Option<f64>>>,
}

/// Whether an in-place progress line is on the terminal now.
pub static PROGRESS_SHOWN: AtomicBool = AtomicBool::new(false);

/// Seconds between progress lines when stderr is not a terminal.
const LOG_INTERVAL_SECONDS: f64 = 5.0;

impl ProgressLine {
    pub fn new() -> ProgressLine {
        ProgressLine {
            terminal: std::io::stderr().is_terminal(),
            last: Arc::new(Mutex::new(None)),
        }
    }

    pub fn callback(&self) -> Arc<dyn Fn(&Progress) + Send + Sync> {
        let terminal = self.terminal;
        let last = self.last.clone();
        Arc::new(move |p: &Progress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            let due = terminal || p.elapsed_seconds - last.unwrap_or(0.0) >= LOG_INTERVAL_SECONDS;
            if !due {
                return;
            }
            *last = Some(p.elapsed_seconds);
            let mut text = format!("solving: phase {}, {:.0} s", p.phase, p.elapsed_seconds);
            if let Some(best) = p.best_objective {
                text.push_str(&format!(", best {best:.2}"));
            }
            if let Some(gap) = p.gap {
                text.push_str(&format!(", gap {:.2}%", 100.0 * gap));
            }
            let mut err = std::io::stderr().lock();
            // Progress is a courtesy: a closed stderr must not stop the solve.
            let _ = if terminal {
                PROGRESS_SHOWN.store(true, Ordering::Relaxed);
                // Clear to the end of the line: a shorter phase name would
                // otherwise leave the tail of the longer one behind.
                write!(err, "\r{text}\x1b[K").and_then(|()| err.flush())
            } else {
                writeln!(err, "{text}")
            };
        })
    }

    /// Ends the in-place line so that what follows starts on a fresh line.
    /// Called after `solve` returns, when its ticker thread has been joined.
    pub fn finish(&self) {
        let wrote = self
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if self.terminal && wrote {
            PROGRESS_SHOWN.store(false, Ordering::Relaxed);
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
