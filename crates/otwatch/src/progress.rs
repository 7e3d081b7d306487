//! A progress bar on stderr for captures that take more than a moment.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Shows nothing for the first second of a file, so short runs stay quiet.
pub struct Bar {
    state: Mutex<BarState>,
    enabled: bool,
}

struct BarState {
    started: Instant,
    total: u64,
    name: String,
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(enabled: bool) -> Self {
        Self {
            state: Mutex::new(BarState {
                started: Instant::now(),
                total: 0,
                name: String::new(),
                bar: None,
            }),
            enabled,
        }
    }
}

impl otwatch_engine::Progress for Bar {
    fn start_file(&self, name: &str, total_bytes: u64) {
        let mut s = self.state.lock().expect("progress lock");
        s.started = Instant::now();
        s.total = total_bytes;
        s.name = name.to_string();
        s.bar = None;
    }

    fn advance(&self, bytes_read: u64) {
        if !self.enabled {
            return;
        }
        let mut s = self.state.lock().expect("progress lock");
        if s.bar.is_none() && s.started.elapsed() > Duration::from_secs(1) {
            let bar = ProgressBar::with_draw_target(Some(s.total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_message(s.name.clone());
            s.bar = Some(bar);
        }
        if let Some(bar) = &s.bar {
            bar.set_position(bytes_read);
        }
    }

    fn finish_file(&self) {
        let mut s = self.state.lock().expect("progress lock");
        if let Some(bar) = s.bar.take() {
            bar.finish_and_clear();
        }
    }
}
