//! Setup shared by the benchmarks.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};

pub(crate) const NOW: u64 = 1_800_000_000;
pub(crate) type Rng = UnwrapErr<getrandom::SysRng>;

/// Two 1:1 sessions in steady state: the first message accepted and a reply
/// read, so both directions have a chain and no preamble.
pub(crate) fn steady_pair(r: &mut Rng) -> (Session, Session) {
    let alice = IdentityKeyPair::generate(r);
    let bob = IdentityKeyPair::generate(r);
    let mut store = PrekeyStore::new(r, &bob, NOW);
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    let mut a = Session::initiate(r, &alice, &bundle).unwrap();
    let m = a.encrypt(r, b"hi").unwrap();
    let mut b = store.accept(&bob, &m, NOW).unwrap().session;
    let reply = b.encrypt(r, b"hi").unwrap();
    a.decrypt(&reply).unwrap();
    (a, b)
}

// ------------------------------------------------------------ reports

/// Where criterion keeps its results: `CRITERION_HOME`, or `criterion` in
/// the target directory.
pub(crate) fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion")
}

/// The median (in seconds) criterion wrote for `group/bench` during this
/// run (not before `since`: a filtered run leaves older results alone).
pub(crate) fn median(group: &str, bench: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(bench.replace('/', "_"))
        .join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let json = std::fs::read_to_string(path).ok()?;
    let at = json.find("\"median\":")?;
    let rest = &json[at..];
    let rest = &rest[rest.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = rest.find([',', '}'])?;
    rest[..end].parse::<f64>().ok().map(|ns| ns * 1e-9)
}

/// A duration in seconds, in the unit that reads best.
pub(crate) fn time(s: f64) -> String {
    match s {
        s if s >= 1.0 => format!("{s:.2} s"),
        s if s >= 1e-3 => format!("{:.2} ms", s * 1e3),
        s if s >= 1e-6 => format!("{:.2} µs", s * 1e6),
        s => format!("{:.1} ns", s * 1e9),
    }
}

/// The median of `v` (sorted in place).
pub(crate) fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Rounds of the paired comparison.
pub(crate) const ROUNDS: usize = 21;

/// Times `batch` calls of each of `fs` once per round, the order rotating
/// from round to round, so that all see the same machine load; returns each
/// round's times per call.
pub(crate) fn paired(batch: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<Vec<f64>> {
    let n = fs.len();
    (0..ROUNDS)
        .map(|round| {
            let mut row = vec![0.0; n];
            for k in 0..n {
                let i = (round + k) % n;
                let t = Instant::now();
                for _ in 0..batch {
                    fs[i]();
                }
                row[i] = t.elapsed().as_secs_f64() / batch as f64;
            }
            row
        })
        .collect()
}

/// Contender `i`'s median time over the rounds.
pub(crate) fn med(rows: &[Vec<f64>], i: usize) -> f64 {
    median_of(&mut rows.iter().map(|row| row[i]).collect::<Vec<_>>())
}

/// The median over the rounds of contender `a`'s time ÷ contender `b`'s.
pub(crate) fn ratio(rows: &[Vec<f64>], a: usize, b: usize) -> f64 {
    median_of(&mut rows.iter().map(|row| row[a] / row[b]).collect::<Vec<_>>())
}
