//! Micro-benchmarks of every decoder and parser, each fed the fuzz targets' seeds (real
//! frames, streams and small captures cut from the corpus by `fuzz/make-seeds.sh`, the
//! built-in rules, the example declared inventory) and reported in bytes per second of that
//! input. A driver with no seed (a protocol the corpus does not carry) is skipped and named.
//!
//! ```text
//! cargo bench -p otwatch-harness                    # every driver
//! cargo bench -p otwatch-harness -- dissect_dnp3    # one
//! ```
//!
//! Inputs come from `OTWATCH_BENCH_SEEDS` (one folder per driver), else
//! `target/bench/seeds`, written there from `../shared/corpus` on first use.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::{Path, PathBuf};

/// Inputs per driver: enough to cover each protocol's message kinds, few enough that one
/// iteration stays in the microseconds to milliseconds.
const INPUTS_PER_DRIVER: usize = 200;

fn seeds_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OTWATCH_BENCH_SEEDS") {
        return dir.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("target/bench/seeds");
    if !dir.is_dir() {
        let status = std::process::Command::new("bash")
            .arg(root.join("fuzz/make-seeds.sh"))
            .arg(&dir)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            let _ = std::fs::remove_dir_all(&dir);
            panic!(
                "cannot write benchmark inputs into {}: run `bash fuzz/make-seeds.sh \
                 target/bench/seeds` (it reads ../shared/corpus) or set OTWATCH_BENCH_SEEDS",
                dir.display()
            );
        }
    }
    dir
}

/// The driver's inputs, in name order so that runs compare.
fn inputs(dir: &Path, driver: &str) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir.join(driver)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    paths
        .into_iter()
        .take(INPUTS_PER_DRIVER)
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn drivers(c: &mut Criterion) {
    let dir = seeds_dir();
    let mut group = c.benchmark_group("drivers");
    for (name, run) in otwatch_harness::DRIVERS {
        let inputs = inputs(&dir, name);
        if inputs.is_empty() {
            eprintln!("{name}: no inputs in {}, skipped", dir.join(name).display());
            continue;
        }
        let bytes: usize = inputs.iter().map(Vec::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &inputs, |b, inputs| {
            b.iter(|| {
                for input in inputs {
                    run(std::hint::black_box(input));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, drivers);
criterion_main!(benches);
