//! Progress of a long index build on stderr: a bar when stderr is a terminal, plain lines
//! otherwise, and the engine's notes (such as a model fetch) as they come.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use interview_bot::{Progress, ProgressEvent};

/// Plain progress lines are at most this frequent.
const LINE_INTERVAL: Duration = Duration::from_secs(2);

enum Display {
    Bar(Option<ProgressBar>),
    Lines { total: usize, last: Option<Instant> },
}

/// Progress reported on stderr.
pub fn on_stderr() -> Progress {
    let display = Mutex::new(if std::io::stderr().is_terminal() {
        Display::Bar(None)
    } else {
        Display::Lines {
            total: 0,
            last: None,
        }
    });
    Progress::to(move |event| {
        let Ok(mut display) = display.lock() else {
            return;
        };
        match (&mut *display, event) {
            (_, ProgressEvent::Note(note)) => eprintln!("{note}"),
            (Display::Bar(bar), ProgressEvent::Started { total }) => {
                let new = ProgressBar::new(total as u64);
                new.set_style(
                    ProgressStyle::with_template(
                        "embedding passages {bar:30} {pos}/{len} ({eta} left)",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                *bar = Some(new);
            }
            (Display::Bar(Some(bar)), ProgressEvent::Advanced { done }) => {
                bar.set_position(done as u64)
            }
            (Display::Bar(bar), ProgressEvent::Finished) => {
                if let Some(bar) = bar.take() {
                    bar.finish_and_clear();
                }
            }
            (Display::Lines { total, last }, ProgressEvent::Started { total: n }) => {
                *total = n;
                *last = Some(Instant::now());
                eprintln!("embedding {n} passages");
            }
            (Display::Lines { total, last }, ProgressEvent::Advanced { done })
                if last.is_none_or(|t| t.elapsed() >= LINE_INTERVAL) =>
            {
                *last = Some(Instant::now());
                eprintln!("embedded {done}/{total} passages");
            }
            (Display::Lines { total, .. }, ProgressEvent::Finished) => {
                eprintln!("embedded {total} passages")
            }
            _ => {}
        }
    })
}
