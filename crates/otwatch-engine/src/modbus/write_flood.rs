//! Write floods on one Modbus connection: many coil and register writes in a few seconds,
//! far beyond what an operator or a control loop sends (ATT&CK for ICS T0806, Brute Force
//! I/O). The per-edge function counts only keep the first and last time of each function,
//! which cannot tell a burst from steady writing over a day, so the rate is judged here on
//! the last [`FLOOD_WRITES`] write requests, and a flood becomes one `modbus_write_flood`
//! event naming its rate, functions and registers; nothing is emitted for ordinary writes.
//!
//! Only writes that change something count: a SCADA master or HMI that writes the same set
//! point or heartbeat coil on every scan cycle re-asserts a value many times a second
//! without driving anything. A write changes something when it puts a value into a coil or
//! register that differs from what the connection last wrote there, or writes a point the
//! connection had not written before.

use crate::app::Ctx;
use otwatch_dissect::modbus::{self, Request};
use otwatch_model::Micros;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Value-changing writes within [`FLOOD_WINDOW`] that make a flood: ten a second for ten seconds, where an
/// operator changes a set point now and then and a control loop writes a few registers a
/// second at most.
pub const FLOOD_WRITES: usize = 100;
pub const FLOOD_WINDOW: Micros = 10_000_000;
/// Floods reported per connection; a tool hammering for hours is one finding with a count,
/// not an event stream.
const MAX_FLOODS: u32 = 16;
/// Coils and registers whose last written value a connection remembers; a write to a point
/// beyond them counts as a change.
const MAX_POINTS: usize = 4096;

/// What one write request touched: its function, the table and the first and last address.
#[derive(Debug, Clone, Copy)]
struct Write {
    ts: Micros,
    function: u8,
    unit: u8,
    target: Option<(&'static str, u16, u16)>,
}

#[derive(Debug, Default)]
pub struct WriteFlood {
    /// The latest write requests, at most [`FLOOD_WRITES`].
    recent: VecDeque<Write>,
    /// A flood was reported and the rate has not yet fallen back below the threshold.
    flooding: bool,
    reported: u32,
    /// The last value the connection wrote to each point: (coil?, address) → value.
    written: HashMap<(bool, u16), u32>,
}

/// The table a write function changes and the span of addresses it names.
fn target(body: &Request<'_>) -> Option<(&'static str, u16, u16)> {
    let span = |start: u16, count: usize| {
        let last = u32::from(start) + count.max(1) as u32 - 1;
        (start, u16::try_from(last).unwrap_or(u16::MAX))
    };
    let (table, (first, last)) = match *body {
        Request::WriteSingleCoil { address, .. } => ("coil", span(address, 1)),
        Request::WriteMultipleCoils { start, coils } => ("coil", span(start, coils.len())),
        Request::WriteSingleRegister { address, .. }
        | Request::MaskWriteRegister { address, .. } => ("holding register", span(address, 1)),
        Request::WriteMultipleRegisters { start, registers } => {
            ("holding register", span(start, registers.len()))
        }
        Request::ReadWriteMultipleRegisters {
            write_start,
            write_registers,
            ..
        } => ("holding register", span(write_start, write_registers.len())),
        _ => return None,
    };
    Some((table, first, last))
}

/// The functions that change coils or registers: 5, 6, 15, 16, 22 and 23.
pub fn is_write(function: u8) -> bool {
    matches!(function, 5 | 6 | 15 | 16 | 22 | 23)
}

impl WriteFlood {
    /// A write request (see [`is_write`]) and its body when it parsed.
    pub fn write(&mut self, function: u8, unit: u8, body: Option<&Request<'_>>, ctx: &mut Ctx<'_>) {
        if body.is_some_and(|b| !self.changes(b)) {
            return;
        }
        let ts = ctx.ev.ts;
        if self.recent.len() == FLOOD_WRITES {
            self.recent.pop_front();
        }
        self.recent.push_back(Write {
            ts,
            function,
            unit,
            target: body.and_then(target),
        });
        let oldest = self.recent.front().map_or(ts, |w| w.ts);
        let flood = self.recent.len() == FLOOD_WRITES && ts - oldest <= FLOOD_WINDOW;
        if !flood {
            self.flooding = false;
            return;
        }
        if std::mem::replace(&mut self.flooding, true) || self.reported >= MAX_FLOODS {
            return;
        }
        self.reported += 1;
        ctx.event(
            "modbus",
            "modbus_write_flood".into(),
            self.describe(ts - oldest),
        );
    }

    /// Records the values a write puts into its points; true when one of them differs
    /// from the last value written there, or was not written before.
    fn changes(&mut self, body: &Request<'_>) -> bool {
        // Recorded point by point as the request is read: no list per write.
        let written = &mut self.written;
        let mut changed = false;
        let mut put = |coil: bool, start: u16, values_in: &mut dyn Iterator<Item = u32>| {
            for (i, value) in values_in.enumerate() {
                let Ok(address) = u16::try_from(u32::from(start) + i as u32) else {
                    break;
                };
                let point = (coil, address);
                if written.len() >= MAX_POINTS && !written.contains_key(&point) {
                    changed = true;
                    continue;
                }
                changed |= written.insert(point, value) != Some(value);
            }
        };
        match *body {
            Request::WriteSingleCoil { address, on } => {
                put(true, address, &mut std::iter::once(u32::from(on)))
            }
            Request::WriteMultipleCoils { start, coils } => {
                put(true, start, &mut coils.iter().map(u32::from))
            }
            Request::WriteSingleRegister { address, value } => {
                put(false, address, &mut std::iter::once(u32::from(value)))
            }
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => put(
                false,
                address,
                &mut std::iter::once(u32::from(and_mask) << 16 | u32::from(or_mask)),
            ),
            Request::WriteMultipleRegisters { start, registers } => {
                put(false, start, &mut registers.iter().map(u32::from))
            }
            Request::ReadWriteMultipleRegisters {
                write_start,
                write_registers,
                ..
            } => put(
                false,
                write_start,
                &mut write_registers.iter().map(u32::from),
            ),
            _ => return true,
        }
        changed
    }

    /// "100 value-changing write requests in 4.9 s (20.2 per second): write single
    /// register (function 6) ×100 to holding registers 100-119, unit 1".
    fn describe(&self, span: Micros) -> String {
        let seconds = span as f64 / 1e6;
        let rate = if span > 0 {
            format!("{:.1} per second", self.recent.len() as f64 / seconds)
        } else {
            "all at one instant".to_string()
        };
        let mut functions: BTreeMap<u8, usize> = BTreeMap::new();
        let mut tables: BTreeMap<&str, (u16, u16)> = BTreeMap::new();
        let mut units: Vec<u8> = Vec::new();
        for w in &self.recent {
            *functions.entry(w.function).or_default() += 1;
            if let Some((table, first, last)) = w.target {
                let range = tables.entry(table).or_insert((first, last));
                range.0 = range.0.min(first);
                range.1 = range.1.max(last);
            }
            if !units.contains(&w.unit) {
                units.push(w.unit);
            }
        }
        let functions = functions
            .iter()
            .map(|(f, n)| {
                format!(
                    "{} (function {f}) ×{n}",
                    modbus::function_name(*f).to_lowercase().replace('_', " ")
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let targets = tables
            .iter()
            .map(|(table, (first, last))| {
                if first == last {
                    format!("{table} {first}")
                } else {
                    format!("{table}s {first}-{last}")
                }
            })
            .collect::<Vec<_>>()
            .join(" and ");
        units.sort_unstable();
        let units = units
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} value-changing write requests in {seconds:.1} s ({rate}): {functions}{}{}, unit {units}",
            self.recent.len(),
            if targets.is_empty() { "" } else { " to " },
            targets
        )
    }
}
