//! Baseline learning: what normal looks like on this network, and what departs from it.
//!
//! A baseline is learned from analyses of traffic an operator vouches for: the assets seen,
//! every edge (client, server, protocol), the functions requested on each edge with the
//! addresses they touched, and each function's request cadence. Later analyses are
//! [`compare`]d with it; every departure is an [`Alert`] with the rule ids
//! `baseline.new_asset`, `baseline.new_edge`, `baseline.new_function`,
//! `baseline.write_where_only_reads`, `baseline.address_outside` and `baseline.cadence`.
//! An operator who agrees that a departure is normal folds it in with [`Baseline::accept`].
//!
//! Cadence is learned from the function aggregates: one run gives one sample per edge and
//! function (requests per minute between its first and last request). Each learned source
//! adds a sample; the median and the median absolute deviation of the samples say what
//! rate is normal and how much it varies.

pub mod access;
mod compare;

pub use compare::{compare, RunData};

use otwatch_model::alert::Alert;
use otwatch_model::ranges::AddressRanges;
use otwatch_model::{Asset, FunctionAggregate, Micros};
use serde::{Deserialize, Serialize};

/// Cadence samples kept per edge and function; older ones make way for newer.
pub const MAX_CADENCE_SAMPLES: usize = 32;

/// A function must have been requested this often, over at least [`MIN_CADENCE_SPAN`],
/// before its rate says anything: a handful of requests is a gesture, not a cadence.
pub const MIN_CADENCE_REQUESTS: u64 = 10;

/// One minute, in microseconds.
pub const MIN_CADENCE_SPAN: Micros = 60_000_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub assets: Vec<BaselineAsset>,
    pub edges: Vec<BaselineEdge>,
    pub functions: Vec<BaselineFunction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineAsset {
    pub key: String,
    /// The role it had when learned (`AssetRole::as_str`), to judge later findings.
    pub role: String,
    pub first_seen: Micros,
    pub last_seen: Micros,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineEdge {
    pub client: String,
    pub server: String,
    pub protocol: String,
    pub first_seen: Micros,
    pub last_seen: Micros,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineFunction {
    pub client: String,
    pub server: String,
    pub protocol: String,
    pub function: String,
    /// Whether the function writes (see [`access::is_write`]).
    pub write: bool,
    pub count: u64,
    pub first_seen: Micros,
    pub last_seen: Micros,
    pub addresses: AddressRanges,
    /// Requests per minute, one sample per learned source, oldest first.
    pub cadence: Vec<f64>,
}

/// The middle of the learned rates and how far they stray from it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cadence {
    /// Median requests per minute.
    pub median: f64,
    /// Median absolute deviation from the median, in requests per minute.
    pub spread: f64,
    pub samples: usize,
}

impl BaselineFunction {
    pub fn cadence_stats(&self) -> Option<Cadence> {
        cadence_of(&self.cadence)
    }
}

/// Median and median absolute deviation; robust against one odd learning source.
pub fn cadence_of(samples: &[f64]) -> Option<Cadence> {
    let mid = median(samples.iter().copied().filter(|x| x.is_finite()).collect())?;
    let spread = median(samples.iter().map(|x| (x - mid).abs()).collect()).unwrap_or(0.0);
    Some(Cadence {
        median: mid,
        spread,
        samples: samples.len(),
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Requests per minute of one aggregate, when it has enough requests over enough time to
/// speak of a cadence. Counts intervals, not requests: ten polls a minute apart span nine
/// minutes.
pub fn rate_per_minute(f: &FunctionAggregate) -> Option<f64> {
    let span = f.last_seen.saturating_sub(f.first_seen);
    if f.count < MIN_CADENCE_REQUESTS || span < MIN_CADENCE_SPAN {
        return None;
    }
    Some((f.count - 1) as f64 / (span as f64 / 60e6))
}

/// Parts of an alert's subject, joined so that `accept` can read them back.
pub(crate) const SUBJECT_SEP: &str = " | ";

impl Baseline {
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty() && self.edges.is_empty() && self.functions.is_empty()
    }

    /// A baseline learned from one run.
    pub fn learn(run: &RunData<'_>) -> Baseline {
        let mut b = Baseline::default();
        b.absorb(run);
        b
    }

    /// Adds what one run shows to what is already known; every function on the run adds a
    /// cadence sample when it has one.
    pub fn absorb(&mut self, run: &RunData<'_>) {
        if !self.is_sorted() {
            self.sort();
        }
        for a in run.assets {
            self.add_asset(a);
        }
        for e in run.edges {
            self.add_edge(&e.client, &e.server, &e.protocol, e.first_seen, e.last_seen);
        }
        for f in run.functions {
            self.add_function(f, rate_per_minute(f));
        }
    }

    /// Whether every list is in key order, as the lookups need; a baseline built here or
    /// read from the store always is.
    pub fn is_sorted(&self) -> bool {
        self.assets.is_sorted_by(|a, b| a.key <= b.key)
            && self.edges.is_sorted_by(|a, b| edge_key(a) <= edge_key(b))
            && self
                .functions
                .is_sorted_by(|a, b| function_key(a) <= function_key(b))
    }

    /// Puts every list in key order.
    pub fn sort(&mut self) {
        self.assets.sort_by(|a, b| a.key.cmp(&b.key));
        self.edges.sort_by(|a, b| edge_key(a).cmp(&edge_key(b)));
        self.functions
            .sort_by(|a, b| function_key(a).cmp(&function_key(b)));
    }

    fn add_asset(&mut self, a: &Asset) {
        let role = a.identity.role.as_str().to_string();
        match self.assets.binary_search_by(|x| x.key.as_str().cmp(&a.key)) {
            Ok(i) => {
                let x = &mut self.assets[i];
                x.first_seen = x.first_seen.min(a.first_seen);
                x.last_seen = x.last_seen.max(a.last_seen);
                if role != "unknown" {
                    x.role = role;
                }
            }
            Err(i) => self.assets.insert(
                i,
                BaselineAsset {
                    key: a.key.clone(),
                    role,
                    first_seen: a.first_seen,
                    last_seen: a.last_seen,
                },
            ),
        }
    }

    fn add_edge(
        &mut self,
        client: &str,
        server: &str,
        protocol: &str,
        first: Micros,
        last: Micros,
    ) {
        match self
            .edges
            .binary_search_by(|x| edge_key(x).cmp(&(client, server, protocol)))
        {
            Ok(i) => {
                let x = &mut self.edges[i];
                x.first_seen = x.first_seen.min(first);
                x.last_seen = x.last_seen.max(last);
            }
            Err(i) => self.edges.insert(
                i,
                BaselineEdge {
                    client: client.to_string(),
                    server: server.to_string(),
                    protocol: protocol.to_string(),
                    first_seen: first,
                    last_seen: last,
                },
            ),
        }
    }

    fn add_function(&mut self, f: &FunctionAggregate, rate: Option<f64>) {
        let wanted = (
            f.client.as_str(),
            f.server.as_str(),
            f.protocol.as_str(),
            f.function.as_str(),
        );
        let x = match self
            .functions
            .binary_search_by(|x| function_key(x).cmp(&wanted))
        {
            Ok(i) => {
                let x = &mut self.functions[i];
                x.count += f.count;
                x.first_seen = x.first_seen.min(f.first_seen);
                x.last_seen = x.last_seen.max(f.last_seen);
                x.addresses.merge(&f.addresses);
                x
            }
            Err(i) => {
                self.functions.insert(
                    i,
                    BaselineFunction {
                        client: f.client.clone(),
                        server: f.server.clone(),
                        protocol: f.protocol.clone(),
                        function: f.function.clone(),
                        write: access::is_write(&f.protocol, &f.function),
                        count: f.count,
                        first_seen: f.first_seen,
                        last_seen: f.last_seen,
                        addresses: f.addresses.clone(),
                        cadence: Vec::new(),
                    },
                );
                &mut self.functions[i]
            }
        };
        if let Some(r) = rate {
            x.cadence.push(r);
            if x.cadence.len() > MAX_CADENCE_SAMPLES {
                x.cadence.remove(0);
            }
        }
        // A function seen here is known on its edge too, even when the edge list of the
        // source was partial.
        if self.carrier(&f.client, &f.server, &f.protocol).is_none() {
            let (client, server, protocol) =
                (f.client.clone(), f.server.clone(), f.protocol.clone());
            self.add_edge(&client, &server, &protocol, f.first_seen, f.last_seen);
        }
    }

    pub fn edge(&self, client: &str, server: &str, protocol: &str) -> Option<&BaselineEdge> {
        let i = self
            .edges
            .binary_search_by(|e| edge_key(e).cmp(&(client, server, protocol)))
            .ok()?;
        Some(&self.edges[i])
    }

    /// The edges from `client` to `server`, over any protocol.
    pub fn edges_between(&self, client: &str, server: &str) -> &[BaselineEdge] {
        let from = self
            .edges
            .partition_point(|e| (e.client.as_str(), e.server.as_str()) < (client, server));
        let to = self
            .edges
            .partition_point(|e| (e.client.as_str(), e.server.as_str()) <= (client, server));
        &self.edges[from..to]
    }

    /// The functions learned from `client` to `server`, over any protocol.
    pub fn functions_between(&self, client: &str, server: &str) -> &[BaselineFunction] {
        let from = self
            .functions
            .partition_point(|f| (f.client.as_str(), f.server.as_str()) < (client, server));
        let to = self
            .functions
            .partition_point(|f| (f.client.as_str(), f.server.as_str()) <= (client, server));
        &self.functions[from..to]
    }

    /// The edge from `client` to `server` whose protocol stack carries `protocol` (an edge
    /// of `cotp,s7comm` carries the `s7comm` functions).
    pub fn carrier(&self, client: &str, server: &str, protocol: &str) -> Option<&BaselineEdge> {
        self.edges_between(client, server)
            .iter()
            .find(|e| compare::carries(&e.protocol, protocol))
    }

    pub fn function(
        &self,
        client: &str,
        server: &str,
        protocol: &str,
        function: &str,
    ) -> Option<&BaselineFunction> {
        let i = self
            .functions
            .binary_search_by(|f| function_key(f).cmp(&(client, server, protocol, function)))
            .ok()?;
        Some(&self.functions[i])
    }

    pub fn asset(&self, key: &str) -> Option<&BaselineAsset> {
        let i = self
            .assets
            .binary_search_by(|a| a.key.as_str().cmp(key))
            .ok()?;
        Some(&self.assets[i])
    }

    /// Folds what a baseline alert reported into the baseline, so that the same behaviour
    /// is normal from now on. Errors say why an alert cannot be folded in.
    pub fn accept(&mut self, alert: &Alert) -> Result<String, AcceptError> {
        let asset = |i: usize| {
            alert
                .assets
                .get(i)
                .cloned()
                .ok_or_else(|| AcceptError(format!("the alert names no asset #{}", i + 1)))
        };
        if !self.is_sorted() {
            self.sort();
        }
        let parts: Vec<&str> = alert.subject.split(SUBJECT_SEP).collect();
        let part = |i: usize| {
            parts
                .get(i)
                .map(|s| s.to_string())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    AcceptError(format!(
                        "the alert's subject {:?} lacks part {}",
                        alert.subject,
                        i + 1
                    ))
                })
        };
        let aggregate = |client: String, server: String, protocol: String, function: String| {
            FunctionAggregate {
                client,
                server,
                protocol,
                function,
                count: alert.count,
                first_seen: alert.first_seen,
                last_seen: alert.last_seen,
                addresses: AddressRanges::default(),
            }
        };
        let done = match alert.rule.as_str() {
            "baseline.new_asset" => {
                let key = asset(0)?;
                if self.asset(&key).is_none() {
                    self.assets.push(BaselineAsset {
                        key: key.clone(),
                        // Learning from later traffic fills in the role.
                        role: "unknown".into(),
                        first_seen: alert.first_seen,
                        last_seen: alert.last_seen,
                    });
                }
                format!("asset {key} is known")
            }
            "baseline.new_edge" => {
                let (c, s, p) = (asset(0)?, asset(1)?, part(0)?);
                self.add_edge(&c, &s, &p, alert.first_seen, alert.last_seen);
                for ev in alert.evidence.iter().filter(|e| e.kind == "function") {
                    let f = aggregate(c.clone(), s.clone(), ev.protocol.clone(), ev.detail.clone());
                    self.add_function(&FunctionAggregate { count: 0, ..f }, None);
                }
                format!("{c} → {s} over {p} is known")
            }
            "baseline.new_function" | "baseline.write_where_only_reads" => {
                let (c, s, p, f) = (asset(0)?, asset(1)?, part(0)?, part(1)?);
                self.add_function(&aggregate(c.clone(), s.clone(), p.clone(), f.clone()), None);
                format!("{f} from {c} to {s} over {p} is known")
            }
            "baseline.address_outside" => {
                let (c, s, p, f) = (asset(0)?, asset(1)?, part(0)?, part(1)?);
                let mut agg = aggregate(c.clone(), s.clone(), p.clone(), f.clone());
                agg.addresses = AddressRanges::parse(&part(2)?);
                agg.count = 0;
                let text = agg.addresses.to_text();
                self.add_function(&agg, None);
                format!("{f} from {c} to {s} over {p} may touch {text}")
            }
            "baseline.cadence" => {
                let (c, s, p, f) = (asset(0)?, asset(1)?, part(0)?, part(1)?);
                let rate = alert
                    .evidence
                    .first()
                    .and_then(|e| e.detail.split_whitespace().next())
                    .and_then(|t| t.parse::<f64>().ok())
                    .ok_or_else(|| AcceptError("the alert's evidence does not state the observed rate".into()))?;
                let mut agg = aggregate(c.clone(), s.clone(), p.clone(), f.clone());
                agg.count = 0;
                self.add_function(&agg, Some(rate));
                format!("{rate:.2} requests/min of {f} from {c} to {s} is a normal rate")
            }
            other => return Err(AcceptError(format!("{other} is not a baseline rule; only baseline.* alerts can be accepted into the baseline"))),
        };
        Ok(done)
    }
}

fn edge_key(e: &BaselineEdge) -> (&str, &str, &str) {
    (&e.client, &e.server, &e.protocol)
}

fn function_key(f: &BaselineFunction) -> (&str, &str, &str, &str) {
    (&f.client, &f.server, &f.protocol, &f.function)
}

/// Why an alert could not be folded into the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptError(pub String);

impl std::fmt::Display for AcceptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AcceptError {}

#[cfg(test)]
mod tests;
